/**
 * Worker thread around the model worker (modelWorker.mjs): runs the preprocessing graph on a frame's uint8
 * pixels, hands the float tensor to the model worker over a MessagePort, and runs the card's adapter and NMS
 * (postprocess.ts) on the output when it comes back, so only kept boxes cross to the main thread. While the
 * model runs one batch, this thread prepares the next and post-processes the last: the model's thread does
 * nothing but inference, and the big tensors (YOLOX-Nano's output is 1.2 MB a frame) never reach the main
 * thread's heap. Plain JS (the TS loader is registered here for postprocess.ts).
 *
 * From the main thread, answered there by id:
 *   { id, op: 'open', preModel, preOptions, preInput, preOutput, post, port, logLevel } → { id, ok }
 *   { id, op: 'run', inputName, outputName, pixels: Uint8Array, dims } → { id, ok, candidates, dims, pixels }
 *       (the pixel buffer goes back for reuse)
 *   { id, op: 'release' } → { id, ok }
 * Failures answer { id, ok: false, message }. A run is answered once its model run is back, so in order,
 * except one whose preprocessing fails, which is answered at once.
 */
import { getPriority, platform, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { register } from 'tsx/esm/api';

register();
const PREP_NICE = 5;
// On Linux a thread's nice value is its own: this one yields a busy core to the model's thread, whose waiting
// is the pipeline's throughput (elsewhere the call would renice the whole process, so it is Linux only).
// Threads this one creates inherit it; libuv's shared pool (which runs the decoding) is already running by
// now, started by the main thread's file reads in Detector.open.
if (platform() === 'linux') {
  try {
    setPriority(0, Math.min(19, getPriority(0) + PREP_NICE));
  } catch {
    // not permitted: run at the process's priority
  }
}
const { postprocess } = await import('./postprocess.ts');

/** @type {import('onnxruntime-node').InferenceSession | null} */
let pre = null;
let preInput = 'pixels';
let preOutput = 'tensor';
/** @type {import('./postprocess.ts').PostSpec | null} */
let post = null;
/** @type {import('node:worker_threads').MessagePort | null} */
let model = null;
/** Runs handed to the model worker, by id: the pixel buffer to hand back with the answer. */
const inFlight = new Map();

const message = (err) => (err instanceof Error ? err.message : String(err));

/** Answer every run still with the model worker with `message` (it closed, or the detector is closing). */
function failInFlight(message) {
  for (const id of inFlight.keys()) parentPort?.postMessage({ id, ok: false, message });
  inFlight.clear();
}

function onModelReply(r) {
  const pending = inFlight.get(r.id);
  inFlight.delete(r.id);
  if (!pending) return;
  const { pixels } = pending;
  try {
    if (!r.ok) throw new Error(r.message ?? 'model run failed');
    if (!post) throw new Error('no postprocessing spec');
    const candidates = postprocess(r.out, r.dims, post);
    parentPort?.postMessage({ id: r.id, ok: true, candidates, dims: r.dims, pixels }, [pixels.buffer]);
  } catch (err) {
    parentPort?.postMessage({ id: r.id, ok: false, message: message(err) });
  }
}

async function release() {
  failInFlight('detector closed');
  await pre?.release();
  pre = null;
  const port = model;
  model = null;
  port?.close();
}

parentPort?.on('message', async (msg) => {
  try {
    if (msg.op === 'open') {
      if (msg.logLevel) ort.env.logLevel = msg.logLevel;
      await release();
      try {
        pre = await ort.InferenceSession.create(msg.preModel, msg.preOptions);
      } catch (err) {
        msg.port.close();
        throw err;
      }
      preInput = msg.preInput;
      preOutput = msg.preOutput;
      post = msg.post;
      const port = msg.port;
      model = port;
      port.on('message', onModelReply);
      // The model worker ended: nothing sent to it will come back.
      port.on('close', () => {
        if (model === port) failInFlight('inference worker closed');
      });
      parentPort?.postMessage({ id: msg.id, ok: true });
    } else if (msg.op === 'run') {
      if (!pre || !model) throw new Error('no session open');
      const tensor = (await pre.run({ [preInput]: new ort.Tensor('uint8', msg.pixels, msg.dims) }))[
        preOutput
      ];
      if (!tensor) throw new Error('preprocessing graph gave no tensor');
      // ORT gives each run's output a buffer of its own, so it can move to the model worker as it is.
      const data = tensor.data;
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
      const { inputName, outputName } = msg;
      model.postMessage(
        { id: msg.id, inputName, outputName, data, dims: tensor.dims },
        whole ? [data.buffer] : [],
      );
      inFlight.set(msg.id, { pixels: msg.pixels });
    } else if (msg.op === 'release') {
      await release();
      parentPort?.postMessage({ id: msg.id, ok: true });
    }
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, ok: false, message: message(err) });
  }
});
