/**
 * Where a session lives: in a worker thread (default: onnxruntime-node runs inference synchronously on the
 * calling thread, so on the main thread a 40 ms run would stall decoding, the rest of the graph and live
 * outputs) or in-process. Both expose the same small surface.
 */
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

export interface RunOutput {
  data: Float32Array;
  dims: readonly number[];
}

export interface SessionMeta {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

export interface SessionRunner extends SessionMeta {
  /** Run on a float32 input; `data` may be transferred (do not reuse it after the call). */
  run(inputName: string, data: Float32Array, dims: readonly number[], outputName: string): Promise<RunOutput>;
  release(): Promise<void>;
}

export type SessionOptions = ort.InferenceSession.SessionOptions;

function checkFloat(type: string, outputName: string, data: unknown): Float32Array {
  if (type !== 'float32' || !(data instanceof Float32Array)) {
    throw new Error(`output "${outputName}" is ${type}, expected float32`);
  }
  return data;
}

/** A session on the calling thread. */
export async function openInProcess(modelPath: string, options: SessionOptions): Promise<SessionRunner> {
  const session = await ort.InferenceSession.create(modelPath, options);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    async run(inputName, data, dims, outputName) {
      const out = (await session.run({ [inputName]: new ort.Tensor('float32', data, dims) }, [outputName]))[
        outputName
      ];
      if (!out) throw new Error(`output "${outputName}" missing`);
      return { data: checkFloat(out.type, outputName, out.data), dims: out.dims };
    },
    release: () => session.release(),
  };
}

interface Reply {
  id: number;
  ok: boolean;
  message?: string;
  meta?: SessionMeta;
  data?: Float32Array | null;
  dims?: number[];
  type?: string;
}

/** A worker thread that can open one session (tried provider by provider) and then runs it. */
export class WorkerHost {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  constructor() {
    this.worker = new Worker(new URL('./sessionWorker.mjs', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(r);
    });
    const fail = (err: Error) => {
      this.dead = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`inference worker exited (code ${code})`)));
  }

  private request(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    // Keep the process alive only while a request is in flight.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    }).then((r) => {
      if (!r.ok) throw new Error(r.message ?? 'inference worker failed');
      return r;
    });
  }

  /** Open the session in the worker; rejects with ORT's message when it cannot load. */
  async open(
    modelPath: string,
    options: SessionOptions,
    logLevel: string | undefined,
  ): Promise<SessionRunner> {
    const { meta } = await this.request({ op: 'open', modelPath, options, logLevel });
    if (!meta) throw new Error('inference worker gave no session metadata');
    return {
      ...meta,
      run: async (inputName, data, dims, outputName) => {
        const r = await this.request({ op: 'run', inputName, outputName, data, dims }, [
          data.buffer as ArrayBuffer,
        ]);
        return { data: checkFloat(r.type ?? 'none', outputName, r.data), dims: r.dims ?? [] };
      },
      release: async () => {
        await this.request({ op: 'release' }).catch(() => {});
        await this.terminate();
      },
    };
  }

  async terminate(): Promise<void> {
    this.dead ??= new Error('inference worker closed');
    await this.worker.terminate();
  }
}
