/**
 * Worker thread that hosts the preprocessing session and the model session, so inference (which
 * onnxruntime-node runs synchronously on the calling thread) never blocks the graph's main thread, and runs
 * the card's adapter and NMS on the output (postprocess.ts), so only kept boxes cross back.
 * Plain JS (workers start without the TS loader; it is registered here for postprocess.ts).
 * Requests are answered by id (a request that fails early may be answered before an earlier run):
 *   { id, op: 'open', modelPath, options, preModel, preOptions, post, preInput, preOutput, logLevel }
 *       → { id, ok, meta: { inputNames, outputNames, inputMetadata, outputMetadata } }
 *   { id, op: 'run', inputName, outputName, pixels: Uint8Array, dims } → { id, ok, candidates, dims, pixels }
 *       (the pixel buffer goes back for reuse)
 *   { id, op: 'release' } → { id, ok }
 * Failures answer { id, ok: false, message }.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { register } from 'tsx/esm/api';

register();
const { postprocess } = await import('./postprocess.ts');

/** @type {import('onnxruntime-node').InferenceSession | null} */
let session = null;
/** @type {import('onnxruntime-node').InferenceSession | null} */
let pre = null;
let preInput = 'pixels';
let preOutput = 'tensor';
/** @type {import('./postprocess.ts').PostSpec | null} */
let post = null;

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
      post = msg.post;
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
      if (!post) throw new Error('no postprocessing spec');
      if (out.type !== 'float32' || !(out.data instanceof Float32Array)) {
        throw new Error(`output "${msg.outputName}" is ${out.type}, expected float32`);
      }
      const candidates = postprocess(out.data, out.dims, post);
      /** @type {Uint8Array} */
      const pixels = msg.pixels;
      parentPort?.postMessage({ id: msg.id, ok: true, candidates, dims: out.dims, pixels }, [pixels.buffer]);
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
