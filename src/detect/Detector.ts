/**
 * The detector: one ONNX Runtime session per model and provider, created once and warmed up; frames are
 * decoded and letterboxed (libvips threads), packed into batches of at most `maxBatch`, run, decoded by the
 * card's adapter, filtered by class-aware NMS and mapped back to original pixels and Viper classes.
 *
 * While one batch runs, the next one is decoded. Results come back one per frame, in input order, and are the
 * same whatever `maxBatch` is: every image's decode and NMS is independent of its neighbours.
 */
import * as ort from 'onnxruntime-node';
import type { CameraFrame } from '../contracts/camera.ts';
import type { ViperClass } from '../contracts/classes.ts';
import { ModelError } from '../contracts/errors.ts';
import type { Detection } from '../contracts/perception.ts';
import { adapters, type DecodeParams } from './adapters/index.ts';
import { classTable, loadModelCard, type ModelCard } from './card.ts';
import type { Letterbox } from './letterbox.ts';
import { unletterboxBox } from './letterbox.ts';
import { nms } from './nms.ts';
import { decodeLetterboxed, FrameDecodeError, writeInputTensor } from './preprocess.ts';
import { type ExecutionProvider, openSession, parseProviders } from './session.ts';
import { checkOutputDims, checkShapes } from './shapes.ts';

export interface DetectorOptions {
  /** Card path, .onnx with a sibling `<name>.card.json`, or a bundled model name (models/cards/<name>.json). */
  model: string;
  /** Execution providers in order of preference; the first that loads wins. Default ['cpu']. */
  ep?: string[];
  /** Intra-op threads for ONNX Runtime; default: ORT's (one per core). */
  threads?: number;
  /** Most frames decoded and run together. Default 8. Fixed-batch models run this many in repeated runs. */
  maxBatch?: number;
  /** Where provider fall-back lines go; default stderr. */
  log?: (line: string) => void;
}

export interface FrameDetections {
  detections: Detection[];
  /** Set when the frame could not be decoded (the frame is skipped; the others go on). */
  error?: string;
}

export interface DetectorStats {
  frames: number;
  decodeErrors: number;
  /** session.run calls, warm-up excluded. */
  runs: number;
}

/** One prepared group of images for a single session.run. */
interface RunGroup {
  tensor: Float32Array;
  batch: number;
  /** Index into the chunk of each image in the group, in tensor order. */
  members: number[];
}

interface PreparedChunk {
  frames: CameraFrame[];
  letterboxes: (Letterbox | null)[];
  errors: (string | undefined)[];
  groups: RunGroup[];
}

export class Detector {
  readonly stats: DetectorStats = { frames: 0, decodeErrors: 0, runs: 0 };
  private readonly params: DecodeParams;
  private readonly classOf: (ViperClass | undefined)[];
  private readonly imageSize: number;

  private constructor(
    readonly card: ModelCard,
    private readonly session: ort.InferenceSession,
    /** The provider that runs the model. */
    readonly executionProvider: ExecutionProvider,
    /** Lines for providers that failed to load before this one. */
    readonly fallbacks: readonly string[],
    readonly maxBatch: number,
    /** Batch size the model requires (null: dynamic). */
    readonly fixedBatch: number | null,
    private readonly outputDims: (number | null)[],
  ) {
    this.classOf = classTable(card);
    this.imageSize = 3 * card.input.width * card.input.height;
    this.params = {
      inputW: card.input.width,
      inputH: card.input.height,
      numClasses: card.classes.length,
      strides: card.output.strides ?? [],
      scoreThreshold: card.thresholds.score,
      keep: this.classOf.map((c) => c !== undefined),
    };
  }

  /**
   * Load the card, open the session on the first provider that loads, check the model against the card and
   * warm it up. Throws ModelError (missing model, not ONNX, shapes contradicting the card, unknown provider).
   * @example const det = await Detector.open({ model: 'yolox_nano', ep: ['cuda', 'cpu'], threads: 2 });
   */
  static async open(options: DetectorOptions): Promise<Detector> {
    const providers = parseProviders(options.ep);
    const maxBatch = options.maxBatch ?? 8;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new ModelError({ what: `maxBatch must be a positive integer, got ${maxBatch}`, where: 'detector options' });
    }
    const card = await loadModelCard(options.model);
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const { session, provider, fallbacks } = await openSession(card.modelPath, providers, options.threads, log);
    try {
      const shapes = checkShapes(session, card);
      const det = new Detector(card, session, provider, fallbacks, maxBatch, shapes.fixedBatch, shapes.outputDims);
      await det.warmUp();
      return det;
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Detect on each frame; one entry per frame, in order. A frame that fails to decode gets `error`. */
  async detect(frames: readonly CameraFrame[]): Promise<FrameDetections[]> {
    const out: FrameDetections[] = [];
    if (frames.length === 0) return out;
    const chunks: CameraFrame[][] = [];
    for (let i = 0; i < frames.length; i += this.maxBatch) chunks.push(frames.slice(i, i + this.maxBatch));
    // Decode chunk k+1 while chunk k runs (prepare never rejects: decode failures are per-frame results).
    let next = this.prepare(chunks[0] ?? []);
    for (let k = 0; k < chunks.length; k++) {
      const chunk = await next;
      if (k + 1 < chunks.length) next = this.prepare(chunks[k + 1] ?? []);
      out.push(...(await this.infer(chunk)));
    }
    return out;
  }

  /** Facts for run summaries. */
  describe(): Record<string, unknown> {
    return {
      model: this.card.name,
      executionProvider: this.executionProvider,
      maxBatch: this.maxBatch,
      fixedBatch: this.fixedBatch,
      ...this.stats,
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async warmUp(): Promise<void> {
    const batch = this.fixedBatch ?? 1;
    const outputs = await this.run(new Float32Array(batch * this.imageSize), batch);
    this.checkRunOutput(outputs);
  }

  private async prepare(frames: CameraFrame[]): Promise<PreparedChunk> {
    const input = this.card.input;
    const decoded = await Promise.all(
      frames.map((f) =>
        decodeLetterboxed(f.image, input).catch((err: unknown) => {
          if (err instanceof FrameDecodeError) return err;
          throw err;
        }),
      ),
    );
    const ok = decoded.flatMap((d, i) => (d instanceof FrameDecodeError ? [] : [i]));
    const groupSize = this.fixedBatch ?? Math.max(1, ok.length);
    const groups: RunGroup[] = [];
    for (let g = 0; g < ok.length; g += groupSize) {
      const members = ok.slice(g, g + groupSize);
      // Fixed-batch models get a full batch; unused slots stay zero and are not read back.
      const batch = this.fixedBatch ?? members.length;
      const tensor = new Float32Array(batch * this.imageSize);
      members.forEach((idx, slot) => {
        writeInputTensor(decoded[idx] as Exclude<(typeof decoded)[number], FrameDecodeError>, input, tensor, slot * this.imageSize);
      });
      groups.push({ tensor, batch, members });
    }
    return {
      frames,
      letterboxes: decoded.map((d) => (d instanceof FrameDecodeError ? null : d.lb)),
      errors: decoded.map((d) => (d instanceof FrameDecodeError ? d.message : undefined)),
      groups,
    };
  }

  private async infer(chunk: PreparedChunk): Promise<FrameDetections[]> {
    const results: FrameDetections[] = chunk.frames.map((_, i) => {
      const error = chunk.errors[i];
      return error === undefined ? { detections: [] } : { detections: [], error };
    });
    this.stats.frames += chunk.frames.length;
    this.stats.decodeErrors += chunk.errors.filter((e) => e !== undefined).length;
    for (const group of chunk.groups) {
      const output = await this.run(group.tensor, group.batch);
      this.stats.runs++;
      this.checkRunOutput(output);
      const dims = output.dims.slice(1);
      const per = dims.reduce((a, b) => a * b, 1);
      const data = output.data as Float32Array;
      group.members.forEach((idx, slot) => {
        const frame = chunk.frames[idx] as CameraFrame;
        const lb = chunk.letterboxes[idx] as Letterbox;
        const slice = data.subarray(slot * per, (slot + 1) * per);
        (results[idx] as FrameDetections).detections = this.toDetections(slice, dims, lb, frame.cameraId);
      });
    }
    return results;
  }

  private toDetections(slice: Float32Array, dims: readonly number[], lb: Letterbox, cameraId: string): Detection[] {
    const candidates = adapters[this.card.output.layout](slice, dims, this.params);
    const kept = nms(candidates, {
      scoreThreshold: this.card.thresholds.score,
      iouThreshold: this.card.thresholds.iou,
      maxDetections: this.card.thresholds.maxDetections,
    });
    const dets: Detection[] = [];
    for (const c of kept) {
      const cls = this.classOf[c.classIndex];
      const box = unletterboxBox(lb, c.x1, c.y1, c.x2, c.y2);
      if (cls === undefined || box === null) continue;
      dets.push({ cameraId, box, score: Math.min(1, Math.max(0, c.score)), cls });
    }
    return dets;
  }

  private async run(data: Float32Array, batch: number): Promise<ort.Tensor> {
    const { input, output } = this.card;
    const dims =
      input.layout === 'NCHW' ? [batch, 3, input.height, input.width] : [batch, input.height, input.width, 3];
    const feeds = { [input.name]: new ort.Tensor('float32', data, dims) };
    const result = await this.session.run(feeds, [output.name]);
    const tensor = result[output.name];
    if (!tensor || tensor.type !== 'float32') {
      throw new ModelError({
        what: `output "${output.name}" is ${tensor ? tensor.type : 'missing'}, expected float32`,
        where: this.card.modelPath,
      });
    }
    return tensor;
  }

  private checkRunOutput(tensor: ort.Tensor): void {
    checkOutputDims(tensor.dims, this.outputDims, this.card, `${this.card.modelPath} (card ${this.card.cardPath})`);
  }
}
