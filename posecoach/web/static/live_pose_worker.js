// The live page's pose model, on a thread of its own (a classic Web Worker: the WASM
// runtime's loader needs importScripts, and import() still loads its ES module). Running
// it here keeps the page's thread free for the socket and the overlay, so a step that
// comes back is drawn at once instead of after the next frame's inference.
//
// Two roles, one per worker (see live.js):
//   track: VIDEO mode, one pose, the segmentation mask when the exercise uses it. Each frame
//          (an ImageBitmap, transferred) becomes the binary pose message the server reads
//          (posecoach/web/live_session.py, PoseMessage), sent back as a transferred buffer.
//   count: IMAGE mode, up to three poses, on a downscaled frame every couple of seconds:
//          how many people are in view (VIDEO mode with more than one pose runs the person
//          detector on every frame, which nearly doubled the cost per frame here).
// Messages in:  {type: "load", runtime, model, role, mask}  {type: "frame", bitmap, seq, t_ms}
// Messages out: {type: "loaded"} {type: "failed", message}
//               {type: "pose", seq, t_ms, pose_ms, buffer} {type: "count", people}

const HEADER_BYTES = 20;        // float64 t_ms, uint32 seq, uint16 poses, uint16 people seen,
                                // uint16 mask width, uint16 mask height (little-endian)
const LANDMARKS = 33;
const MASK_WIDTH_PX = 96;       // the mask is sent this wide (the server scales it back up)
const COUNT_MAX_POSES = 3;      // as the server's people counter (posecoach.pose.PeopleCounter)

let landmarker = null;
let role = "track";
let lastTimestamp = -1;

async function load({ runtime, model, mask }) {
  const vision = await import(`${runtime}/vision_bundle.mjs`);
  const files = await vision.FilesetResolver.forVisionTasks(`${runtime}/wasm`);
  if (landmarker) landmarker.close();
  landmarker = await vision.PoseLandmarker.createFromOptions(files, {
    baseOptions: { modelAssetPath: model, delegate: "CPU" },
    runningMode: role === "count" ? "IMAGE" : "VIDEO",
    numPoses: role === "count" ? COUNT_MAX_POSES : 1,
    outputSegmentationMasks: role === "track" && mask,
  });
  lastTimestamp = -1;
}

function shrunkMask(mask) {
  // The model's float mask at MASK_WIDTH_PX wide (nearest sample), 0-255.
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
  return { width: sw, height: sh, data: out };
}

function poseBuffer(result, seq, tMs) {
  // The wire format of posecoach/web/live_session.py (PoseMessage): header, then with a pose
  // 33 x (x, y, z, visibility) and 33 x (x, y, z) world as float32, then the mask bytes.
  const lm = result.landmarks && result.landmarks[0];
  const world = result.worldLandmarks && result.worldLandmarks[0];
  const masks = result.segmentationMasks || [];
  const mask = lm && masks.length ? shrunkMask(masks[0]) : null;
  masks.forEach((m) => m.close());
  const floats = lm ? LANDMARKS * 7 : 0;
  const buffer = new ArrayBuffer(HEADER_BYTES + 4 * floats + (mask ? mask.data.length : 0));
  const header = new DataView(buffer, 0, HEADER_BYTES);
  header.setFloat64(0, tMs, true);
  header.setUint32(8, seq, true);
  header.setUint16(12, lm ? 1 : 0, true);
  header.setUint16(14, 0, true);  // people seen: the page fills it in from the count worker
  header.setUint16(16, mask ? mask.width : 0, true);
  header.setUint16(18, mask ? mask.height : 0, true);
  if (lm) {
    const out = new Float32Array(buffer, HEADER_BYTES, floats);
    lm.forEach((p, i) => out.set([p.x, p.y, p.z, p.visibility ?? 0], 4 * i));
    for (let i = 0; i < LANDMARKS; i++) {
      const p = world && world[i];
      out.set(p ? [p.x, p.y, p.z] : [NaN, NaN, NaN], 4 * LANDMARKS + 3 * i);
    }
  }
  if (mask) new Uint8Array(buffer, HEADER_BYTES + 4 * floats).set(mask.data);
  return buffer;
}

function onFrame({ bitmap, seq, t_ms: tMs }) {
  try {
    if (role === "count") {
      const result = landmarker.detect(bitmap);
      postMessage({ type: "count", people: result.landmarks ? result.landmarks.length : 0 });
      return;
    }
    // MediaPipe wants strictly increasing milliseconds.
    lastTimestamp = Math.max(Math.round(tMs), lastTimestamp + 1);
    const t0 = performance.now();
    const result = landmarker.detectForVideo(bitmap, lastTimestamp);
    const poseMs = performance.now() - t0;
    const buffer = poseBuffer(result, seq, tMs);
    postMessage({ type: "pose", seq, t_ms: tMs, pose_ms: poseMs, buffer }, [buffer]);
  } finally {
    bitmap.close();
  }
}

onmessage = async ({ data }) => {
  if (data.type === "load") {
    role = data.role;
    try {
      await load(data);
      postMessage({ type: "loaded" });
    } catch (err) {
      postMessage({ type: "failed", message: String((err && err.message) || err) });
    }
  } else if (data.type === "frame") {
    try {
      onFrame(data);
    } catch (err) {
      postMessage({ type: "failed", message: String((err && err.message) || err) });
    }
  }
};
