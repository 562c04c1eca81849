/**
 * Worker thread that hosts the preprocessing session and the model session, so inference (which
 * onnxruntime-node runs synchronously on the calling thread) never blocks the graph's main thread.
 * Plain JS: workers load without the TS loader. Requests are answered in order:
 *   { id, op: 'open', modelPath, options, preModel, preOptions, preInput, preOutput, logLevel }
 *       → { id, ok, meta: { inputNames, outputNames, inputMetadata, outputMetadata } }
 *   { id, op: 'run', inputName, outputName, pixels: Uint8Array, dims } → { id, ok, data, dims, type, pixels }
 *       (the pixel buffer goes back for reuse, the output moves without a copy where it can)
 *   { id, op: 'release' } → { id, ok }
 * Failures answer { id, ok: false, message }.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/** @type {import('onnxruntime-node').InferenceSession | null} */
let session = null;
/** @type {import('onnxruntime-node').InferenceSession | null} */
let pre = null;
let preInput = 'pixels';
let preOutput = 'tensor';

async function release() {
  await pre?.release();
  await session?.release();
  pre = null;
  session = null;
}

parentPort?.on('message', async (msg) => {
  try {
    if (msg.op === 'open') {
      if (msg.logLevel) ort.env.logLevel = msg.logLevel;
      await release();
      session = await ort.InferenceSession.create(msg.modelPath, msg.options);
      pre = await ort.InferenceSession.create(msg.preModel, msg.preOptions);
      preInput = msg.preInput;
      preOutput = msg.preOutput;
      const meta = {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        inputMetadata: session.inputMetadata,
        outputMetadata: session.outputMetadata,
      };
      parentPort?.postMessage({ id: msg.id, ok: true, meta });
    } else if (msg.op === 'run') {
      if (!session || !pre) throw new Error('no session open');
      const tensor = (await pre.run({ [preInput]: new ort.Tensor('uint8', msg.pixels, msg.dims) }))[
        preOutput
      ];
      if (!tensor) throw new Error('preprocessing graph gave no tensor');
      const out = (await session.run({ [msg.inputName]: tensor }, [msg.outputName]))[msg.outputName];
      if (!out) throw new Error(`output ${msg.outputName} missing`);
      /** @type {Uint8Array} */
      const pixels = msg.pixels;
      const reply = (data, transfer) =>
        parentPort?.postMessage({ id: msg.id, ok: true, data, dims: out.dims, type: out.type, pixels }, [
          ...transfer,
          pixels.buffer,
        ]);
      const data = out.type === 'float32' ? /** @type {Float32Array} */ (out.data) : null;
      if (!data) {
        reply(null, []);
      } else if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
        // ORT's own output buffer moves to the main thread without a copy (1.2 MB a frame for YOLOX);
        // should a build hand out one that cannot be detached, copy it instead.
        try {
          reply(data, [data.buffer]);
        } catch {
          const copy = new Float32Array(data);
          reply(copy, [copy.buffer]);
        }
      } else {
        const copy = new Float32Array(data);
        reply(copy, [copy.buffer]);
      }
    } else if (msg.op === 'release') {
      await release();
      parentPort?.postMessage({ id: msg.id, ok: true });
    }
  } catch (err) {
    // A failed open leaves nothing half-made; a failed run keeps the sessions.
    if (msg.op === 'open') await release().catch(() => {});
    parentPort?.postMessage({
      id: msg.id,
      ok: false,
      message: err instanceof Error ? err.message : String(err),
    });
  }
});
