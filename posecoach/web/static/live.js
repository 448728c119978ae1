// Live coaching page. The camera stays here; the analysis is PoseCoach's Python live path
// on the server (posecoach/web/live_session.py), reached over one WebSocket.
//   page mode:   MediaPipe PoseLandmarker (WASM, CPU) runs here, landmarks go to the server
//   server mode: JPEG frames go to the server, which runs the pose model
// Each frame's step (framing, counters, cue, skeleton, angles) comes back and is drawn
// over the video. Query: ?exercise=ID&side=left|right&mode=auto|page|server&autostart=1
// &duration=S&countdown=0. `window.posecoachLive.stats()` gives the figures the bench reads.

const $ = (id) => document.getElementById(id);
const root = $("live");
const params = new URLSearchParams(location.search);
const RUNTIME = root.dataset.runtime;          // "" when the server has no in-page runtime
const MAX_IN_FLIGHT = { page: 3, server: 2 };  // frames sent and not yet answered (page: one in the worker)
const SERVER_WIDTH_PX = 640;                   // server mode: frames scaled to at most this
const COUNT_SIDE_PX = 640;                     // page mode: people counted on frames this small
const TOO_SLOW_MS = 120;                       // page mode slower than this per frame: use the server
const JPEG_QUALITY = 0.7;
const STATS_EVERY_MS = 500;                    // the corner's fps/latency line is refreshed this often

class Samples {
  // The last `size` values (ten minutes at 30 fps): bounded however long the set runs;
  // sorted only when asked for a percentile (the bench, at the end), never per frame.
  constructor(size = 18000) { this.size = size; this.values = []; this.next = 0; this.last = 0; }

  push(value) {
    if (this.values.length < this.size) this.values.push(value); else this.values[this.next] = value;
    this.next = (this.next + 1) % this.size;
    this.last = value;
  }

  percentile(q) {
    if (!this.values.length) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    const pos = (sorted.length - 1) * q / 100, lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }
}

const state = {
  mode: null, socket: null, stream: null, ready: null, seq: 0,
  inFlight: new Map(), latencies: new Samples(), poseMs: new Samples(), presented: 0, sent: 0, answered: 0,
  firstFrameAt: null, startedAt: null, ending: false, paused: false, voice: false,
  colours: null, connections: [], sides: [], durationTimer: null,
  grab: null, grabCtx: null, modeReason: "", firstPresented: null, panelKey: null, statsShownAt: -Infinity,
  tracker: null, counter: null, peopleSeen: 0, peopleCounts: 0, countedAt: -Infinity, countEveryMs: 2000,
  newest: null, sentId: null, toDraw: null,
};

// ------------------------------------------------------------------ messages to the runner
function showError(message, hint) {
  const box = $("live-error");
  box.textContent = hint ? `${message}. ${hint}` : message;
  box.hidden = false;
}

function cameraProblem(err) {
  const name = err && err.name;
  if (!window.isSecureContext || !navigator.mediaDevices) {
    return ["This page cannot use the camera over plain http from another device",
            "open it as https (start the server with `posecoach serve --https`) or on this computer as localhost"];
  }
  if (name === "NotAllowedError" || name === "SecurityError") {
    return ["Camera permission was refused",
            "allow the camera for this site (the camera icon in the address bar or the site settings), then press Start camera again"];
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return ["No camera was found", "connect a camera, or open this page on a phone, then press Start camera again"];
  }
  if (name === "NotReadableError" || name === "AbortError") {
    return ["The camera is in use by another app or tab", "close the other app (video call, camera app), then press Start camera again"];
  }
  return [`The camera could not be started (${name || err})`, "reload the page and try again"];
}

// ------------------------------------------------------------------ pose in the page
// The model runs in Web Workers (live_pose_worker.js): "track" turns each frame into the
// binary pose message, "count" counts the people in view every few seconds, as the
// server's people counter does in server mode.
class PoseWorker {
  constructor(role) {
    this.role = role;
    this.busy = false;
    this.pending = null;   // [resolve, reject] of the one message awaited
    this.worker = new Worker("/static/live_pose_worker.js");
    this.worker.onmessage = ({ data }) => this.settle(data.type === "failed" ? null : data, data.message);
    this.worker.onerror = (event) => { event.preventDefault(); this.settle(null, event.message || "the pose worker failed"); };
  }

  settle(result, message) {
    const pending = this.pending;
    this.pending = null;
    this.busy = false;
    if (!pending) return;
    if (result) pending[0](result); else pending[1](new Error(message || "the pose worker failed"));
  }

  request(message, transfer = []) {
    this.busy = true;
    return new Promise((resolve, reject) => {
      this.pending = [resolve, reject];
      this.worker.postMessage(message, transfer);
    });
  }

  load(model, mask) {
    return this.request({ type: "load", role: this.role, mask, runtime: new URL(RUNTIME, location.href).href,
                          model: new URL(`/live/models/${model}.task`, location.href).href });
  }

  detect(bitmap, seq, tMs) { return this.request({ type: "frame", bitmap, seq, t_ms: tMs }, [bitmap]); }

  close() { this.worker.terminate(); this.settle(null, "closed"); }
}

async function pageModeIsFast(video) {
  // A few frames through the model: too slow here (an old phone) means server mode.
  const times = [];
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => requestAnimationFrame(r));
    const result = await state.tracker.detect(await createImageBitmap(video), 0, performance.now());
    times.push(result.pose_ms);
  }
  times.sort((a, b) => a - b);
  return times[1] <= TOO_SLOW_MS;
}

function startCounting(model, everyS) {
  // Its own worker, so a count never holds up a frame; until it has loaded, nobody is counted.
  state.countEveryMs = 1000 * everyS;
  const counter = new PoseWorker("count");
  counter.load(model, false).then(() => { state.counter = counter; }, () => counter.close());
}

function countPeople(video) {
  // Every `people_every_s` (from the server), on a frame at most COUNT_SIDE_PX on its long side.
  const counter = state.counter;
  if (!counter || counter.busy || performance.now() - state.countedAt < state.countEveryMs) return;
  state.countedAt = performance.now();
  const scale = Math.min(1, COUNT_SIDE_PX / Math.max(video.videoWidth, video.videoHeight));
  counter.busy = true;
  createImageBitmap(video, { resizeWidth: Math.round(video.videoWidth * scale),
                             resizeHeight: Math.round(video.videoHeight * scale) })
    .then((bitmap) => counter.detect(bitmap, 0, 0))
    .then((result) => { state.peopleSeen = result.people; state.peopleCounts += 1; })
    .catch(() => { counter.busy = false; });  // counting is advisory: the set goes on without it
}

// ------------------------------------------------------------------ server mode frames
async function frameBytes(video, seq, tMs) {
  const scale = Math.min(1, SERVER_WIDTH_PX / video.videoWidth);
  const w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
  if (!state.grab || state.grab.width !== w || state.grab.height !== h) {
    state.grab = new OffscreenCanvas(w, h);
    state.grabCtx = state.grab.getContext("2d");
  }
  state.grabCtx.drawImage(video, 0, 0, w, h);
  const jpeg = await state.grab.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
  const header = new DataView(new ArrayBuffer(12));
  header.setFloat64(0, tMs, true);
  header.setUint32(8, seq, true);
  return new Blob([header, jpeg]);
}

// ------------------------------------------------------------------ the frame loop
// Each camera frame is only noted (its id and capture time); `pump` sends the newest one
// whenever the pipeline has room (a worker free, fewer than MAX_IN_FLIGHT unanswered), so
// frames that arrive while it is busy are dropped, never queued, and the next one analysed
// is always the latest.
function onVideoFrame(now, meta) {
  if (state.ending || !state.socket) return;
  const video = $("live-video");
  video.requestVideoFrameCallback(onVideoFrame);
  // presentedFrames counts every camera frame shown, also those whose callback never ran
  // because the page was busy: the honest count of frames delivered.
  const counter = meta && Number.isFinite(meta.presentedFrames) ? meta.presentedFrames : null;
  if (counter !== null) {
    if (state.firstPresented === null) state.firstPresented = counter;
    state.presented = counter - state.firstPresented + 1;
  } else {
    state.presented += 1;
  }
  // Capture time in the page's clock: the camera's own stamp when the browser gives one.
  const captured = meta && meta.captureTime && meta.captureTime <= performance.now() ? meta.captureTime : now;
  if (state.firstFrameAt === null) state.firstFrameAt = captured;
  state.newest = { id: state.presented, captured };
  if (state.mode === "page") countPeople(video);
  pump();
}

function pump() {
  const frame = state.newest;
  if (state.ending || !frame || frame.id === state.sentId) return;
  if (state.inFlight.size >= MAX_IN_FLIGHT[state.mode] || (state.mode === "page" && (!state.tracker || state.tracker.busy))) return;
  // The frame taken now is at least as new as `frame`: its latency counts from `frame`'s capture.
  state.sentId = frame.id;
  const seq = ++state.seq;
  state.inFlight.set(seq, frame.captured);
  state.sent += 1;
  const video = $("live-video");
  const failed = () => { state.inFlight.delete(seq); };
  if (state.mode === "page") {
    state.tracker.busy = true;  // before the bitmap exists: one frame in the worker at a time
    createImageBitmap(video)
      .then((bitmap) => state.tracker.detect(bitmap, seq, frame.captured))
      .then(sendPose, (err) => {
        failed();
        if (!state.ending) showError("The pose model in this page stopped", `${err.message || err}; reload the page`);
      })
      .finally(pump);
  } else {
    frameBytes(video, seq, frame.captured).then((blob) => {
      if (!state.ending && state.socket.readyState === WebSocket.OPEN) state.socket.send(blob);
    }).catch(failed);
  }
}

function sendPose(result) {
  state.poseMs.push(result.pose_ms);
  // The people count is the count worker's latest (posecoach/web/live_session.py, PoseMessage).
  new DataView(result.buffer).setUint16(14, state.peopleSeen, true);
  if (!state.ending && state.socket.readyState === WebSocket.OPEN) state.socket.send(result.buffer);
}

// ------------------------------------------------------------------ drawing
function rgb(c, alpha = 1) { return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`; }

function drawStep(step) {
  const canvas = $("live-canvas");
  const ctx = canvas.getContext("2d");
  if (canvas.width !== step.width || canvas.height !== step.height) {
    canvas.width = step.width; canvas.height = step.height;
  }
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const colour = state.colours[step.state || "neutral"];
  const s = Math.max(1, canvas.height / 480);
  const pts = step.landmarks || [];
  if (pts.length) {
    ctx.lineCap = "round";
    for (const [a, b] of state.connections) {
      const p = pts[a], q = pts[b];
      if (!p || !q) continue;
      const near = step.near_side && state.sides[a] === step.near_side && state.sides[b] === step.near_side;
      ctx.strokeStyle = near ? rgb(colour) : "rgba(170,170,170,0.8)";
      ctx.lineWidth = (near ? 4 : 2) * s;
      ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
    }
    ctx.font = `600 ${Math.round(15 * s)}px system-ui, sans-serif`;
    for (const a of step.angles || []) {
      const text = `${a.joint} ${Math.round(a.deg)}°`;
      const x = a.at[0] + 10 * s, y = a.at[1] - 8 * s;
      ctx.fillStyle = "rgba(0,0,0,0.6)";
      ctx.fillRect(x - 3 * s, y - 15 * s, ctx.measureText(text).width + 6 * s, 20 * s);
      ctx.fillStyle = "#fff"; ctx.fillText(text, x, y);
    }
  }
  drawHud(step, colour);
}

function drawHud(step, colour) {
  const panel = $("live-panel");
  // Rebuilt only when it changes: a new DOM tree every frame costs style and layout each time.
  const key = JSON.stringify([step.panel, step.meter, step.bars, colour]);
  if (key !== state.panelKey) {
    state.panelKey = key;
    fillPanel(panel, step, colour);
  }
  drawStatus(step, colour);
}

function fillPanel(panel, step, colour) {
  panel.replaceChildren();
  panel.style.borderLeftColor = rgb(colour);
  (step.panel || []).forEach(([label, value], i) => {
    const row = document.createElement("div");
    row.className = i === 0 ? "big" : "small";
    row.textContent = label ? `${label} ${value.replace(/ deg\b/g, "°")}` : value;
    panel.append(row);
  });
  if (step.meter) {
    const bar = document.createElement("div");
    bar.className = "meter";
    const fill = document.createElement("span");
    fill.style.width = `${Math.round(step.meter[0] * 100)}%`;
    fill.style.background = rgb(colour);
    bar.append(fill);
    panel.append(bar);
  }
  if (step.bars && step.bars.length) {
    const bars = document.createElement("div");
    bars.className = "bars";
    const top = Math.max(1, ...step.bars);
    step.bars.forEach((v, i) => {
      const b = document.createElement("span");
      b.style.height = `${Math.max(2, Math.round(28 * v / top))}px`;
      if (i === step.bars.length - 1) b.style.background = rgb(state.colours.good);
      bars.append(b);
    });
    panel.append(bars);
  }
}

function setText(element, text) {  // unchanged text is not written: no style work for it
  if (element.textContent !== text) element.textContent = text;
}

function drawStatus(step, colour) {
  const centre = $("live-centre");
  if (step.paused) setText(centre, "Paused");
  else if (step.countdown_s !== null && step.countdown_s !== undefined) setText(centre, String(Math.ceil(step.countdown_s)));
  else setText(centre, step.guidance || "");
  centre.className = step.countdown_s ? "live-centre countdown" : "live-centre";
  const cue = $("live-cue");
  cue.hidden = !step.cue;
  if (step.cue) { setText(cue, step.cue); cue.style.background = rgb(colour, 0.88); }
  const now = performance.now();
  if (now - state.statsShownAt >= STATS_EVERY_MS) {  // figures a person can read, not a blur
    state.statsShownAt = now;
    const elapsed = (now - state.startedAt) / 1000;
    setText($("live-stats"), `${state.mode === "page" ? "pose here" : "pose on server"} · ` +
      `${(elapsed > 0 ? state.answered / elapsed : 0).toFixed(0)} fps · ${Math.round(state.latencies.last)} ms`);
  }
}

function onStep(step) {
  const captured = state.inFlight.get(step.seq);
  state.inFlight.delete(step.seq);
  state.answered += 1;
  if (step.say && state.voice) say(step.say);  // here, not when drawn: a skipped step's words still count
  pump();
  // Drawn at the next animation frame; a newer step arriving first replaces it.
  if (!state.toDraw) requestAnimationFrame(drawNewest);
  state.toDraw = { step, captured };
}

function drawNewest() {
  const { step, captured } = state.toDraw;
  state.toDraw = null;
  drawStep(step);
  if (captured !== undefined) state.latencies.push(performance.now() - captured);
}

function say(text) {
  try {
    speechSynthesis.cancel();  // one utterance at a time: the newest cue wins
    speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  } catch (e) { /* speech is optional */ }
}

// ------------------------------------------------------------------ figures for the bench

function stats() {
  const elapsed = state.startedAt ? (performance.now() - state.startedAt) / 1000 : 0;
  return {
    mode: state.mode, mode_reason: state.modeReason, seconds: elapsed, frames_presented: state.presented,
    frames_sent: state.sent, frames_analysed: state.answered, frames_dropped: Math.max(0, state.presented - state.sent),
    fps: elapsed > 0 ? state.answered / elapsed : 0,
    latency_p50_ms: state.latencies.percentile(50), latency_p95_ms: state.latencies.percentile(95),
    pose_p50_ms: state.poseMs.percentile(50), last_ms: state.latencies.last,
    people_seen: state.peopleSeen, people_counts: state.peopleCounts,
  };
}

// ------------------------------------------------------------------ the socket
function socketUrl() {
  const url = new URL("/live/ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

function onMessage(event) {
  const msg = JSON.parse(event.data);
  if (msg.type === "ready") {
    state.colours = msg.colours; state.connections = msg.connections; state.sides = msg.sides;
    state.ready(msg);
  } else if (msg.type === "step") {
    onStep(msg);
  } else if (msg.type === "saved") {
    showSaved(msg.sets);
  } else if (msg.type === "error") {
    showError(msg.message, msg.hint);
  }
}

function showSaved(sets) {
  state.ending = true;
  stopCamera();
  $("live-stage").hidden = true;
  const list = $("live-saved");
  list.replaceChildren();
  if (!sets.length) {
    const li = document.createElement("li");
    li.textContent = "Nothing to save: nobody was seen after the countdown.";
    list.append(li);
  }
  for (const s of sets) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = s.url || "/history";
    a.textContent = `Set ${s.number}: ${s.headline || "see the result"}`;
    a.className = "live-result";
    a.dataset.id = s.id || "";
    li.append(a);
    list.append(li);
  }
  $("live-done").hidden = false;
  document.body.dataset.liveState = "saved";
}

function finish(reason) {
  if (state.ending) return;
  state.ending = true;
  clearTimeout(state.durationTimer);
  $("live-status").textContent = "Saving the set…";
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify({ type: "finish", reason }));
  }
  stopCamera();
}

function stopCamera() {
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stream = null;
  for (const worker of [state.tracker, state.counter]) if (worker) worker.close();
  state.tracker = state.counter = null;
}

function command(name) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify({ type: "command", name }));
  }
}

// ------------------------------------------------------------------ start
async function loadPageModel(requested, wantsMask, model) {
  // Before the camera starts, so the first frames are not spent waiting for the model.
  if (requested === "server") return "pose runs on the server (chosen)";
  if (!RUNTIME || typeof WebAssembly !== "object") {
    return RUNTIME ? "this browser has no WebAssembly, so the pose model runs on the server"
                   : root.dataset.runtimeReason;
  }
  try {
    state.tracker = new PoseWorker("track");
    await state.tracker.load(model, wantsMask);
  } catch (err) {
    if (state.tracker) state.tracker.close();
    state.tracker = null;
    return `the in-browser pose model did not load (${err.message || err}), so it runs on the server`;
  }
  return "";
}

async function chooseMode(requested, whyNotPage) {
  if (!state.tracker) return ["server", whyNotPage];
  if (requested === "page") return ["page", "pose runs in this browser (chosen)"];
  if (!(await pageModeIsFast($("live-video")))) {
    return ["server", "this device is too slow for the pose model in the browser, so it runs on the server"];
  }
  return ["page", "pose runs in this browser"];
}

async function start(event) {
  if (event) event.preventDefault();
  $("live-error").hidden = true;
  $("live-start").disabled = true;
  const exercise = $("live-exercise").value;
  const requested = $("live-mode").value;
  const model = params.get("model") === "full" ? "full" : "lite";
  const video = $("live-video");
  const wantsMask = exercise === "origin-stretch";  // the server confirms (ready.wants_mask)
  $("live-status").textContent = "Loading…";
  const whyNotPage = await loadPageModel(requested, wantsMask, model);
  try {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new TypeError("no mediaDevices");
    state.stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false });
  } catch (err) {
    const [message, hint] = cameraProblem(err);
    showError(message, hint);
    $("live-start").disabled = false;
    return;
  }
  $("live-setup").hidden = true;
  $("live-stage").hidden = false;
  $("live-status").textContent = "Starting…";
  video.srcObject = state.stream;
  await video.play().catch(() => {});
  await new Promise((r) => (video.readyState >= 2 ? r() : video.addEventListener("loadeddata", r, { once: true })));
  const [mode, reason] = await chooseMode(requested, whyNotPage);
  state.mode = mode; state.modeReason = reason;
  $("live-status").textContent = reason.charAt(0).toUpperCase() + reason.slice(1) + ".";
  const ready = new Promise((r) => { state.ready = r; });
  state.socket = new WebSocket(socketUrl());
  state.socket.addEventListener("message", onMessage);
  state.socket.addEventListener("close", () => {
    const lost = !state.ending && document.body.dataset.liveState !== "saved";
    state.ending = true;
    if (lost) {
      showError("The connection to PoseCoach was lost", "what was done so far has been saved; see History");
      stopCamera();
    }
  });
  state.socket.addEventListener("open", () => {
    state.socket.send(JSON.stringify({
      type: "start", exercise, mode, model, side: $("live-side").value,
      width: video.videoWidth, height: video.videoHeight, countdown: params.get("countdown") !== "0" }));
  });
  const info = await ready;
  if (mode === "page") {
    if (info.wants_mask !== wantsMask) await state.tracker.load(model, info.wants_mask);
    startCounting(model, info.people_every_s);
  } else if (state.tracker) {
    state.tracker.close();
    state.tracker = null;
  }
  state.stream.getVideoTracks()[0].addEventListener("ended", () => finish("camera"));
  state.startedAt = performance.now();
  document.body.dataset.liveState = "running";
  const duration = parseFloat(params.get("duration") || "");
  if (duration > 0) state.durationTimer = setTimeout(() => finish("duration"), duration * 1000);
  video.requestVideoFrameCallback(onVideoFrame);
}

function setUp() {
  state.voice = "speechSynthesis" in window;
  const voiceBox = $("live-voice"), voiceOn = $("live-voice-on");
  if (!state.voice) {
    voiceBox.checked = false; voiceBox.disabled = true; voiceOn.disabled = true;
    voiceBox.parentElement.title = "this browser cannot speak";
  }
  voiceOn.checked = voiceBox.checked;
  voiceBox.addEventListener("change", () => { voiceOn.checked = voiceBox.checked; });
  voiceOn.addEventListener("change", () => { state.voice = voiceOn.checked; if (!state.voice) speechSynthesis.cancel(); });
  $("live-form").addEventListener("submit", (e) => { state.voice = state.voice && voiceBox.checked; start(e); });
  $("live-pause").addEventListener("click", () => {
    state.paused = !state.paused;
    $("live-pause").textContent = state.paused ? "Resume" : "Pause";
    command("pause");
  });
  $("live-reset").addEventListener("click", () => command("reset"));
  $("live-switch").addEventListener("click", () => {
    const side = $("live-side");
    side.value = side.value === "left" ? "right" : "left";
    command("switch-side");
  });
  $("live-finish").addEventListener("click", () => finish("finish"));
  window.addEventListener("pagehide", () => finish("closed"));
  window.posecoachLive = { stats };
  if (params.get("autostart") === "1") start();
}

setUp();
