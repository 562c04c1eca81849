/**
 * Where a session lives: in worker threads (default: onnxruntime-node runs inference synchronously on the
 * calling thread, so on the main thread a 40 ms run would stall decoding, the rest of the graph and live
 * outputs) or in-process. Both expose the same small surface. Each runner holds two sessions: the
 * preprocessing graph (preGraph.ts, CPU) and the model; a run feeds uint8 pixels through both and the output
 * through the card's adapter and NMS (postprocess.ts), and answers with each image's kept candidates.
 */
import { MessageChannel, type Transferable, Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { Candidate } from './nms.ts';
import { type PostSpec, postprocess } from './postprocess.ts';
import { PRE_INPUT, PRE_OUTPUT } from './preGraph.ts';

export interface RunOutput {
  /** The model output's shape, batch first (checked against the card). */
  dims: readonly number[];
  /** Per image of the batch: candidates kept by NMS, in input pixels, best first. */
  candidates: Candidate[][];
  /** The input pixel buffer, handed back for the next run (a worker returns the one it was sent). */
  pixels?: Uint8Array;
}

export interface SessionMeta {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

export interface SessionRunner extends SessionMeta {
  /**
   * Run letterboxed RGB pixels ([B, H, W, 3] uint8) through the preprocessing graph and the model.
   * `pixels` may be transferred to the worker: do not reuse it after the call.
   */
  run(inputName: string, pixels: Uint8Array, dims: readonly number[], outputName: string): Promise<RunOutput>;
  release(): Promise<void>;
}

/** What a runner needs to open: the model, its options, and the preprocessing graph for its input. */
export interface RunnerSpec {
  modelPath: string;
  options: SessionOptions;
  preModel: Uint8Array;
  preOptions: SessionOptions;
  post: PostSpec;
}

export type SessionOptions = ort.InferenceSession.SessionOptions;

function checkFloat(type: string, outputName: string, data: unknown): Float32Array {
  if (type !== 'float32' || !(data instanceof Float32Array)) {
    throw new Error(`output "${outputName}" is ${type}, expected float32`);
  }
  return data;
}

/** Sessions on the calling thread. */
export async function openInProcess(spec: RunnerSpec): Promise<SessionRunner> {
  const session = await ort.InferenceSession.create(spec.modelPath, spec.options);
  const pre = await ort.InferenceSession.create(spec.preModel, spec.preOptions).catch(
    async (err: unknown) => {
      await session.release();
      throw err;
    },
  );
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    async run(inputName, pixels, dims, outputName) {
      const tensor = (await pre.run({ [PRE_INPUT]: new ort.Tensor('uint8', pixels, dims) }))[PRE_OUTPUT];
      if (!tensor) throw new Error('preprocessing graph gave no tensor');
      const out = (await session.run({ [inputName]: tensor }, [outputName]))[outputName];
      if (!out) throw new Error(`output "${outputName}" missing`);
      const data = checkFloat(out.type, outputName, out.data);
      return { dims: out.dims, candidates: postprocess(data, out.dims, spec.post), pixels };
    },
    release: async () => {
      await pre.release();
      await session.release();
    },
  };
}

interface Reply {
  id: number;
  ok: boolean;
  message?: string;
  meta?: SessionMeta;
  candidates?: Candidate[][];
  dims?: number[];
  pixels?: Uint8Array;
}

/** Stack of the model and preprocessing workers (MB). */
const WORKER_STACK_MB = 64;

/** One worker thread answering requests by id; it keeps the process alive only while one is in flight. */
class WorkerChannel {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  constructor(file: string, onDeath: (err: Error) => void) {
    // ONNX Runtime recurses deeply while it loads a model, and a worker's default stack (4 MB, less the process
    // arguments Node copies in) overflowed once the command line passed ~14 KB: `replay` of a few hundred feeds
    // died with SIGSEGV. A main-thread-sized stack, as a Worker with stackSizeMb 32 or more loads it fine.
    this.worker = new Worker(new URL(file, import.meta.url), {
      resourceLimits: { stackSizeMb: WORKER_STACK_MB },
    });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(r);
    });
    this.worker.on('error', onDeath);
    this.worker.on('exit', (code) => onDeath(new Error(`inference worker ${file} exited (code ${code})`)));
  }

  fail(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.worker.unref();
  }

  request(msg: Record<string, unknown>, transfer: Transferable[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    }).then((r) => {
      if (!r.ok) throw new Error(r.message ?? 'inference worker failed');
      return r;
    });
  }

  async terminate(): Promise<void> {
    this.dead ??= new Error('inference worker closed');
    await this.worker.terminate();
  }
}

/**
 * Two worker threads: one runs only the model (modelWorker.mjs), the other (prepWorker.mjs) the preprocessing
 * graph before it and the adapter + NMS after it, talking to the first over a MessagePort. The thread that
 * inference keeps busy thus runs nothing else, and while it runs one batch the prep thread readies the next
 * (measured: `npm run bench -- detect-recording`, in src/detect/README.md). If either dies, every pending run fails.
 */
export class WorkerHost {
  private readonly model: WorkerChannel;
  private readonly prep: WorkerChannel;
  private prepOpen = false;

  constructor() {
    // One dead worker fails every pending run and ends the other (which would wait for it forever).
    const fail = (err: Error) => {
      this.model.fail(err);
      this.prep.fail(err);
      void this.terminate();
    };
    this.model = new WorkerChannel('./modelWorker.mjs', fail);
    this.prep = new WorkerChannel('./prepWorker.mjs', fail);
  }

  /** Open the model in its worker (then, once, the preprocessing graph); rejects with ORT's message. */
  async open(spec: RunnerSpec, logLevel: string | undefined): Promise<SessionRunner> {
    const { meta } = await this.model.request({
      op: 'open',
      modelPath: spec.modelPath,
      options: spec.options,
      logLevel,
    });
    if (!meta) throw new Error('inference worker gave no session metadata');
    if (!this.prepOpen) {
      const { port1, port2 } = new MessageChannel();
      await this.model.request({ op: 'connect', port: port1 }, [port1]);
      // A copy the worker can own (protobufjs may hand out a view into a shared pool).
      const preModel = spec.preModel.slice();
      await this.prep.request(
        {
          op: 'open',
          preModel,
          preOptions: spec.preOptions,
          preInput: PRE_INPUT,
          preOutput: PRE_OUTPUT,
          post: spec.post,
          port: port2,
          logLevel,
        },
        [preModel.buffer as ArrayBuffer, port2],
      );
      this.prepOpen = true;
    }
    return {
      ...meta,
      run: async (inputName, pixels, dims, outputName) => {
        // Transfer only a buffer the view covers whole; otherwise structured clone copies it.
        const whole = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
        const transfer = whole ? [pixels.buffer as ArrayBuffer] : [];
        const r = await this.prep.request({ op: 'run', inputName, outputName, pixels, dims }, transfer);
        return {
          dims: r.dims ?? [],
          candidates: r.candidates ?? [],
          ...(r.pixels ? { pixels: r.pixels } : {}),
        };
      },
      release: async () => {
        await this.prep.request({ op: 'release' }).catch(() => {});
        await this.model.request({ op: 'release' }).catch(() => {});
        await this.terminate();
      },
    };
  }

  async terminate(): Promise<void> {
    await Promise.all([this.prep.terminate(), this.model.terminate()]);
  }
}
