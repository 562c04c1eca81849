/**
 * Worker thread that hosts one ONNX Runtime session, so inference (which onnxruntime-node runs synchronously
 * on the calling thread) never blocks the graph's main thread. Plain JS: workers load without the TS loader.
 * Protocol (one request at a time per message, answered in order):
 *   { id, op: 'open', modelPath, options } → { id, ok, meta: { inputNames, outputNames, inputMetadata, outputMetadata } }
 *   { id, op: 'run', inputName, outputName, data: Float32Array, dims } → { id, ok, data, dims, type }
 *   { id, op: 'release' } → { id, ok }
 * Failures answer { id, ok: false, message }.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/** @type {import('onnxruntime-node').InferenceSession | null} */
let session = null;

parentPort?.on('message', async (msg) => {
  try {
    if (msg.op === 'open') {
      if (msg.logLevel) ort.env.logLevel = msg.logLevel;
      session = await ort.InferenceSession.create(msg.modelPath, msg.options);
      const meta = {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        inputMetadata: session.inputMetadata,
        outputMetadata: session.outputMetadata,
      };
      parentPort?.postMessage({ id: msg.id, ok: true, meta });
    } else if (msg.op === 'run') {
      if (!session) throw new Error('no session open');
      const feeds = { [msg.inputName]: new ort.Tensor('float32', msg.data, msg.dims) };
      const out = (await session.run(feeds, [msg.outputName]))[msg.outputName];
      if (!out) throw new Error(`output ${msg.outputName} missing`);
      // Copy into a buffer this thread owns so it can be transferred (ORT's may not be detachable).
      const data = out.type === 'float32' ? new Float32Array(/** @type {Float32Array} */ (out.data)) : null;
      parentPort?.postMessage(
        { id: msg.id, ok: true, data, dims: out.dims, type: out.type },
        data ? [data.buffer] : [],
      );
    } else if (msg.op === 'release') {
      await session?.release();
      session = null;
      parentPort?.postMessage({ id: msg.id, ok: true });
    }
  } catch (err) {
    parentPort?.postMessage({
      id: msg.id,
      ok: false,
      message: err instanceof Error ? err.message : String(err),
    });
  }
});
