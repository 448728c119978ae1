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
const MAX_IN_FLIGHT = { page: 2, server: 2 };  // frames sent and not yet answered
const SERVER_WIDTH_PX = 640;                   // server mode: frames scaled to at most this
const MASK_WIDTH_PX = 96;                      // page mode: segmentation mask sent this wide
const TOO_SLOW_MS = 120;                       // page mode slower than this per frame: use the server
const JPEG_QUALITY = 0.7;

const state = {
  mode: null, socket: null, stream: null, landmarker: null, ready: null, seq: 0,
  inFlight: new Map(), latencies: [], poseMs: [], presented: 0, sent: 0, answered: 0,
  firstFrameAt: null, startedAt: null, ending: false, paused: false, voice: false,
  colours: null, connections: [], sides: [], durationTimer: null, lastFrameTs: -1,
  grab: null, grabCtx: null, modeReason: "", firstPresented: null,
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
async function loadLandmarker(wantsMask, model) {
  const vision = await import(`${RUNTIME}/vision_bundle.mjs`);
  const files = await vision.FilesetResolver.forVisionTasks(`${RUNTIME}/wasm`);
  return vision.PoseLandmarker.createFromOptions(files, {
    baseOptions: { modelAssetPath: `/live/models/${model}.task`, delegate: "CPU" },
    runningMode: "VIDEO", numPoses: 1, outputSegmentationMasks: wantsMask,
  });
}

function maskMessage(mask) {
  // The model's float mask, shrunk to MASK_WIDTH_PX wide (nearest sample), as base64 bytes.
  const w = mask.width, h = mask.height;
  const sw = Math.min(MASK_WIDTH_PX, w), sh = Math.max(1, Math.round(h * sw / w));
  const src = mask.getAsFloat32Array();
  const out = new Uint8Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    const row = Math.min(h - 1, Math.floor((y + 0.5) * h / sh)) * w;
    for (let x = 0; x < sw; x++) {
      out[y * sw + x] = Math.round(255 * src[row + Math.min(w - 1, Math.floor((x + 0.5) * w / sw))]);
    }
  }
  let binary = "";
  for (let i = 0; i < out.length; i += 8192) binary += String.fromCharCode.apply(null, out.subarray(i, i + 8192));
  return { width: sw, height: sh, data: btoa(binary) };
}

function poseMessage(result, seq, tMs) {
  const msg = { type: "pose", seq, t_ms: tMs, landmarks: [], world: [] };
  const lm = result.landmarks && result.landmarks[0];
  if (lm) {
    msg.landmarks = lm.map((p) => [p.x, p.y, p.z, p.visibility ?? 0]);
    const world = result.worldLandmarks && result.worldLandmarks[0];
    if (world) msg.world = world.map((p) => [p.x, p.y, p.z]);
  }
  const masks = result.segmentationMasks;
  if (masks && masks.length) {
    if (lm) msg.mask = maskMessage(masks[0]);
    masks.forEach((m) => m.close());
  }
  return msg;
}

async function pageModeIsFast(video) {
  // A few frames through the model: too slow here (an old phone) means server mode.
  const times = [];
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => requestAnimationFrame(r));
    const t0 = performance.now();
    const res = state.landmarker.detectForVideo(video, nextTimestamp(t0));
    (res.segmentationMasks || []).forEach((m) => m.close());
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[1] <= TOO_SLOW_MS;
}

function nextTimestamp(t) {  // MediaPipe wants strictly increasing milliseconds
  state.lastFrameTs = Math.max(Math.round(t), state.lastFrameTs + 1);
  return state.lastFrameTs;
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
  if (state.inFlight.size >= MAX_IN_FLIGHT[state.mode]) return;
  // Capture time in the page's clock: the camera's own stamp when the browser gives one.
  const captured = meta && meta.captureTime && meta.captureTime <= performance.now() ? meta.captureTime : now;
  if (state.firstFrameAt === null) state.firstFrameAt = captured;
  const seq = ++state.seq;
  state.inFlight.set(seq, captured);
  state.sent += 1;
  if (state.mode === "page") {
    const t0 = performance.now();
    const result = state.landmarker.detectForVideo(video, nextTimestamp(captured));
    state.poseMs.push(performance.now() - t0);
    state.socket.send(JSON.stringify(poseMessage(result, seq, captured)));
  } else {
    frameBytes(video, seq, captured).then((blob) => {
      if (!state.ending && state.socket.readyState === WebSocket.OPEN) state.socket.send(blob);
    }).catch(() => state.inFlight.delete(seq));
  }
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
  const centre = $("live-centre");
  if (step.paused) centre.textContent = "Paused";
  else if (step.countdown_s !== null && step.countdown_s !== undefined) centre.textContent = String(Math.ceil(step.countdown_s));
  else centre.textContent = step.guidance || "";
  centre.className = step.countdown_s ? "live-centre countdown" : "live-centre";
  const cue = $("live-cue");
  cue.hidden = !step.cue;
  if (step.cue) { cue.textContent = step.cue; cue.style.background = rgb(colour, 0.88); }
  if (step.say && state.voice) say(step.say);
  const st = stats();
  $("live-stats").textContent = `${state.mode === "page" ? "pose here" : "pose on server"} · ${st.fps.toFixed(0)} fps · ${Math.round(st.last_ms)} ms`;
}

function say(text) {
  try {
    speechSynthesis.cancel();  // one utterance at a time: the newest cue wins
    speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  } catch (e) { /* speech is optional */ }
}

// ------------------------------------------------------------------ figures for the bench
function percentile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q / 100, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function stats() {
  const elapsed = state.startedAt ? (performance.now() - state.startedAt) / 1000 : 0;
  return {
    mode: state.mode, mode_reason: state.modeReason, seconds: elapsed, frames_presented: state.presented,
    frames_sent: state.sent, frames_analysed: state.answered, frames_dropped: Math.max(0, state.presented - state.sent),
    fps: elapsed > 0 ? state.answered / elapsed : 0,
    latency_p50_ms: percentile(state.latencies, 50), latency_p95_ms: percentile(state.latencies, 95),
    pose_p50_ms: percentile(state.poseMs, 50),
    last_ms: state.latencies.length ? state.latencies[state.latencies.length - 1] : 0,
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
    const captured = state.inFlight.get(msg.seq);
    state.inFlight.delete(msg.seq);
    state.answered += 1;
    drawStep(msg);
    if (captured !== undefined) state.latencies.push(performance.now() - captured);
  } else if (msg.type === "saved") {
    showSaved(msg.sets);
  } else if (msg.type === "error") {
    showError(msg.message, msg.hint);
  }
}

function showSaved(sets) {
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
    state.landmarker = await loadLandmarker(wantsMask, model);
  } catch (err) {
    return `the in-browser pose model did not load (${err.message || err}), so it runs on the server`;
  }
  return "";
}

async function chooseMode(requested, whyNotPage) {
  if (!state.landmarker) return ["server", whyNotPage];
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
    if (!state.ending && document.body.dataset.liveState !== "saved") {
      showError("The connection to PoseCoach was lost", "what was done so far has been saved; see History");
      stopCamera();
    }
    state.ending = true;
  });
  state.socket.addEventListener("open", () => {
    state.socket.send(JSON.stringify({
      type: "start", exercise, mode, model, side: $("live-side").value,
      width: video.videoWidth, height: video.videoHeight, countdown: params.get("countdown") !== "0" }));
  });
  const info = await ready;
  if (info.wants_mask !== wantsMask && mode === "page") {
    state.landmarker.close();
    state.landmarker = await loadLandmarker(info.wants_mask, model);
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
