/**
 * Worker thread that hosts the model session and does nothing else, so the thread that inference keeps busy
 * (onnxruntime-node runs it synchronously on the calling thread) runs only the model: the preprocessing graph
 * and the adapter + NMS run in the prep worker (prepWorker.mjs), overlapping the next and previous frames.
 * Plain JS (workers start without the TS loader).
 *
 * From the main thread, answered there by id:
 *   { id, op: 'open', modelPath, options, logLevel } → { id, ok, meta: { inputNames, outputNames, … } }
 *   { id, op: 'connect', port }                      → { id, ok }  (the prep worker's end of a channel)
 *   { id, op: 'release' }                            → { id, ok }
 * From the prep worker, on that port, answered on it:
 *   { id, inputName, outputName, data: Float32Array, dims }
 *       → { id, ok, out: Float32Array, dims }
 * Failures answer { id, ok: false, message }.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/** @type {import('onnxruntime-node').InferenceSession | null} */
let session = null;
/** @type {import('node:worker_threads').MessagePort | null} */
let prep = null;

const message = (err) => (err instanceof Error ? err.message : String(err));

async function run(msg) {
  if (!session) throw new Error('no session open');
  const input = new ort.Tensor('float32', msg.data, msg.dims);
  const out = (await session.run({ [msg.inputName]: input }, [msg.outputName]))[msg.outputName];
  if (!out) throw new Error(`output "${msg.outputName}" missing`);
  if (out.type !== 'float32' || !(out.data instanceof Float32Array)) {
    throw new Error(`output "${msg.outputName}" is ${out.type}, expected float32`);
  }
  return out;
}

/** @param {import('node:worker_threads').MessagePort} port */
function serve(port) {
  port.on('message', async (msg) => {
    try {
      const out = await run(msg);
      const whole = out.data.byteOffset === 0 && out.data.byteLength === out.data.buffer.byteLength;
      port.postMessage(
        { id: msg.id, ok: true, out: out.data, dims: out.dims },
        whole ? [out.data.buffer] : [],
      );
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, message: message(err) });
    }
  });
}

parentPort?.on('message', async (msg) => {
  try {
    if (msg.op === 'open') {
      if (msg.logLevel) ort.env.logLevel = msg.logLevel;
      await session?.release();
      session = null;
      session = await ort.InferenceSession.create(msg.modelPath, msg.options);
      const meta = {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        inputMetadata: session.inputMetadata,
        outputMetadata: session.outputMetadata,
      };
      parentPort?.postMessage({ id: msg.id, ok: true, meta });
    } else if (msg.op === 'connect') {
      prep?.close();
      prep = msg.port;
      serve(msg.port);
      parentPort?.postMessage({ id: msg.id, ok: true });
    } else if (msg.op === 'release') {
      await session?.release();
      session = null;
      parentPort?.postMessage({ id: msg.id, ok: true });
    }
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, ok: false, message: message(err) });
  }
});
