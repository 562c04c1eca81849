/**
 * The detector: one ONNX Runtime session per model and provider (in a worker thread by default), created once
 * and warmed up. Frames are decoded and letterboxed to RGB bytes (libvips threads), packed into runs of at most
 * `maxBatch` (fixed-batch models: repeated runs), normalised and transposed by the preprocessing graph
 * (preGraph.ts) next to the model, decoded by the card's adapter, filtered by class-aware NMS and mapped back
 * to original pixels and Viper classes.
 *
 * Pipelining: frames decode a few at a time, in order; each run is sent as soon as its images are written, and
 * the next chunk decodes while this one's runs are in flight. Results come back one per frame, in input order, and
 * are the same whatever `maxBatch` is: every image's decode and NMS is independent of its neighbours.
 */
import type { CameraFrame, RgbPixels } from '../contracts/camera.ts';
import type { ViperClass } from '../contracts/classes.ts';
import { ModelError } from '../contracts/errors.ts';
import type { Detection } from '../contracts/perception.ts';
import { classTable, loadModelCard, type ModelCard, postSpec } from './card.ts';
import { type Letterbox, unletterboxBox } from './letterbox.ts';
import type { Candidate } from './nms.ts';
import { buildPreprocessModel } from './preGraph.ts';
import {
  decodeResized,
  decodeTiled,
  FrameDecodeError,
  placeLetterboxed,
  type TiledViews,
} from './preprocess.ts';
import type { RunOutput, SessionRunner } from './runner.ts';
import { type ExecutionProvider, openSession, parseProviders } from './session.ts';
import { checkOutputDims, checkShapes } from './shapes.ts';
import {
  CUT_EDGE_MODEL_PX,
  fromTile,
  mergeViews,
  type TiledDetection,
  type TileGrid,
  tilesLabel,
  usableTileGrid,
} from './tiles.ts';

export interface DetectorOptions {
  /** Card path, .onnx with a sibling `<name>.card.json`, or a bundled model name (models/cards/<name>.json). */
  model: string;
  /** Execution providers in order of preference; the first that loads wins. Default ['cpu']. */
  ep?: string[];
  /** Intra-op threads for ONNX Runtime; default: one per physical core, at most CPUs − 1 (`defaultThreads()`). */
  threads?: number;
  /** Most frames decoded and run together. Default 8. Fixed-batch models run this many in repeated runs. */
  maxBatch?: number;
  /**
   * Also detect on overlapping tiles of each frame at the model's input size and merge the views (tiles.ts): small
   * objects in large images are found, at 1 + cols × rows model images per frame. Default: the whole frame only.
   */
  tiles?: TileGrid;
  /** Run inference in a worker thread (default true) so the main thread stays free. */
  worker?: boolean;
  /** Where provider fall-back lines go; default stderr. */
  log?: (line: string) => void;
}

export interface FrameDetections {
  detections: Detection[];
  /**
   * The frame as the detector decoded it (RGB, resized to its place in the letterbox; `scale` maps camera
   * pixels to it), for a later stage that would otherwise decode the frame again. Absent where decoding failed.
   */
  pixels?: RgbPixels;
  /** The camera image's size as decoded (a compressed image's size is known only then). */
  size?: { width: number; height: number };
  /** Set when the frame could not be decoded (the frame is skipped; the others go on). */
  error?: string;
}

export interface DetectorStats {
  frames: number;
  decodeErrors: number;
  /** Session runs, warm-up excluded. */
  runs: number;
}

/** A frame's model images (the whole frame, then its tiles), or why it could not be decoded. */
type Decoded = TiledViews | FrameDecodeError;

/**
 * Frames decoding at once. All at once, frame 0 would finish with the others and the first run would wait for
 * the whole chunk; a short window lets runs start early and later frames decode meanwhile.
 */
const DECODE_AHEAD = 2;

/** Spare full-size run buffers kept: enough for the runs in flight of two batches. */
const BUFFERS_KEPT = 4;

/** A run in flight and, per image in tensor order, its frame's chunk position and its view of that frame. */
interface PendingRun {
  output: Promise<RunOutput>;
  members: [frame: number, view: number][];
}

export class Detector {
  readonly stats: DetectorStats = { frames: 0, decodeErrors: 0, runs: 0 };
  /** Spare run buffers by length. */
  private readonly buffers = new Map<number, Uint8Array[]>();
  /** The last DECODE_AHEAD decodes started, across calls (settle, never reject). */
  private readonly decoding: Promise<unknown>[] = [];
  private readonly classOf: (ViperClass | undefined)[];
  private readonly imageSize: number;
  /** Model images per frame: the whole frame and its tiles. */
  private readonly views: number;

  private constructor(
    readonly card: ModelCard,
    private readonly session: SessionRunner,
    /** The provider that runs the model. */
    readonly executionProvider: ExecutionProvider,
    /** Lines for providers that failed to load before this one. */
    readonly fallbacks: readonly string[],
    readonly maxBatch: number,
    /** Batch size the model requires (null: dynamic). */
    readonly fixedBatch: number | null,
    private readonly outputDims: (number | null)[],
    readonly tiles: TileGrid | null,
  ) {
    this.classOf = classTable(card);
    this.imageSize = 3 * card.input.width * card.input.height;
    this.views = 1 + (tiles ? tiles.cols * tiles.rows : 0);
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
      throw new ModelError({
        what: `maxBatch must be a positive integer, got ${maxBatch}`,
        where: 'detector options',
      });
    }
    const tiles = options.tiles ?? null;
    if (tiles && !usableTileGrid(tiles)) {
      throw new ModelError({
        what: `tiles ${tilesLabel(tiles)} overlap ${tiles.overlap}: need 1–4 columns and rows (not 1x1) and an overlap in [0, 0.5)`,
        where: 'detector options',
      });
    }
    const card = await loadModelCard(options.model);
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const opened = await openSession(card.modelPath, providers, {
      threads: options.threads,
      worker: options.worker,
      log,
      preModel: buildPreprocessModel(card.input),
      post: postSpec(card),
    });
    const { session } = opened;
    try {
      const shapes = checkShapes(session, card);
      const make = (fixedBatch: number | null) =>
        new Detector(
          card,
          session,
          opened.provider,
          opened.fallbacks,
          maxBatch,
          fixedBatch,
          shapes.outputDims,
          tiles,
        );
      const det = make(shapes.fixedBatch);
      // A dynamic batch is warmed up with two images: a model exported with a batch axis it does not honour
      // (a reshape to 1, an output that ignores the input's batch) would otherwise fail, or lose frames, only
      // once the replay batches cameras — after its results file was begun.
      const warm = det.fixedBatch ?? Math.min(2, maxBatch);
      try {
        await det.warmUp(warm);
      } catch (err) {
        if (det.fixedBatch !== null || warm === 1 || !(err instanceof ModelError)) throw err;
        const one = make(1);
        await one.warmUp(1);
        log(
          `detect: ${card.name} declares a dynamic batch but does not run two images at once (${err.what}): running one image at a time`,
        );
        return one;
      }
      return det;
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Detect on each frame; one entry per frame, in order. A frame that fails to decode gets `error`. */
  async detect(frames: readonly CameraFrame[]): Promise<FrameDetections[]> {
    const out: FrameDetections[] = [];
    const chunks: CameraFrame[][] = [];
    for (let i = 0; i < frames.length; i += this.maxBatch) chunks.push(frames.slice(i, i + this.maxBatch));
    let decoding = chunks.length > 0 ? this.startDecode(chunks[0] ?? []) : [];
    for (let k = 0; k < chunks.length; k++) {
      const chunk = chunks[k] ?? [];
      const decoded: Decoded[] = [];
      const runs = await this.dispatch(decoding, decoded);
      // This chunk's runs are in flight: decode the next one meanwhile.
      if (k + 1 < chunks.length) decoding = this.startDecode(chunks[k + 1] ?? []);
      out.push(...(await this.collect(chunk, decoded, runs)));
    }
    return out;
  }

  /** Facts for run summaries. */
  describe(): Record<string, unknown> {
    return {
      model: this.card.name,
      executionProvider: this.executionProvider,
      providerFallbacks: [...this.fallbacks],
      maxBatch: this.maxBatch,
      fixedBatch: this.fixedBatch,
      tiles: this.tiles ? tilesLabel(this.tiles) : null,
      ...this.stats,
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  /**
   * Decoding starts now, at most DECODE_AHEAD frames at a time in call order (libvips threads), so the first
   * run can start while later frames still decode. The window spans calls: a batch the graph hands over while
   * the previous one is still running queues behind its frames. Failures resolve as FrameDecodeError.
   */
  private startDecode(frames: CameraFrame[]): Promise<Decoded>[] {
    return frames.map((f) => {
      const before = this.decoding.length < DECODE_AHEAD ? Promise.resolve() : this.decoding.shift();
      const decoded = (before ?? Promise.resolve()).then(() =>
        (this.tiles
          ? decodeTiled(f.image, this.card.input, this.tiles)
          : decodeResized(f.image, this.card.input).then((r) => ({ views: [r], tiles: [] }))
        ).catch((err: unknown) => {
          if (err instanceof FrameDecodeError) return err;
          throw err;
        }),
      );
      this.decoding.push(decoded.catch(() => undefined));
      return decoded;
    });
  }

  /**
   * Pack decoded images, in order, into run buffers and send each run as soon as it is full (fixed-batch
   * models) or once all are packed (dynamic batch: one run per chunk). Fills `decoded` in order.
   */
  private async dispatch(decoding: Promise<Decoded>[], decoded: Decoded[]): Promise<PendingRun[]> {
    const runs: PendingRun[] = [];
    const groupSize = this.fixedBatch ?? decoding.length * this.views;
    let members: [number, number][] = [];
    let pixels = this.takeBuffer(groupSize * this.imageSize);
    const send = () => {
      // Fixed-batch models get a full batch; unused slots are not read back.
      const batch = this.fixedBatch ?? members.length;
      const data = batch === groupSize ? pixels : pixels.slice(0, batch * this.imageSize);
      const output = this.run(data, batch);
      // Handled in collect(); this keeps a failure while later frames still decode from counting as unhandled.
      output.catch(() => {});
      runs.push({ output, members });
      members = [];
      pixels = this.takeBuffer(groupSize * this.imageSize);
    };
    for (const [i, p] of decoding.entries()) {
      const d = await p;
      decoded.push(d);
      if (d instanceof FrameDecodeError) continue;
      for (const [v, view] of d.views.entries()) {
        placeLetterboxed(view.resized, view.lb, this.card.input, pixels, members.length * this.imageSize);
        members.push([i, v]);
        if (members.length === groupSize) send();
      }
    }
    if (members.length > 0) send();
    this.giveBack(pixels);
    return runs;
  }

  /**
   * Run buffers are reused (the worker hands each back with its output): a fresh half-megabyte buffer per
   * frame kept V8's garbage collector busy on another core.
   */
  private takeBuffer(length: number): Uint8Array {
    return this.buffers.get(length)?.pop() ?? new Uint8Array(length);
  }

  /** Only buffers of a full run (fixed batch, or maxBatch frames' images) are kept: other sizes are rare. */
  private giveBack(buffer: Uint8Array | undefined): void {
    const full = (this.fixedBatch ?? this.maxBatch * this.views) * this.imageSize;
    if (!buffer || buffer.byteLength !== full || buffer.length !== full) return;
    const list = this.buffers.get(full) ?? [];
    if (list.length < BUFFERS_KEPT) list.push(buffer);
    this.buffers.set(full, list);
  }

  private async collect(
    frames: CameraFrame[],
    decoded: Decoded[],
    runs: PendingRun[],
  ): Promise<FrameDetections[]> {
    const results: FrameDetections[] = decoded.map((d) => {
      if (d instanceof FrameDecodeError) return { detections: [], error: d.message };
      const { resized, lb } = d.views[0]!;
      return {
        detections: [],
        // The letterbox keeps the aspect ratio, so one scale serves both axes (to within a rounded pixel).
        pixels: { data: resized, width: lb.newW, height: lb.newH, scale: lb.newW / lb.srcW },
        size: { width: lb.srcW, height: lb.srcH },
      };
    });
    const parts: TiledDetection[][] = decoded.map(() => []);
    this.stats.frames += frames.length;
    this.stats.decodeErrors += results.filter((r) => r.error !== undefined).length;
    for (const run of runs) {
      const output = await run.output;
      this.giveBack(output.pixels);
      this.stats.runs++;
      this.checkRunOutput(output, this.fixedBatch ?? run.members.length);
      run.members.forEach(([idx, v], slot) => {
        const { views, tiles } = decoded[idx] as TiledViews;
        const full = views[0]!.lb;
        const lb = views[v]!.lb;
        for (const det of this.toDetections(output.candidates[slot] ?? [], lb, frames[idx]!.cameraId)) {
          parts[idx]!.push(
            v === 0
              ? { det, cut: false }
              : fromTile(det, tiles[v - 1]!, full.srcW, full.srcH, (CUT_EDGE_MODEL_PX * lb.srcW) / lb.newW),
          );
        }
      });
    }
    const { iou, classAgnostic } = this.card.thresholds;
    parts.forEach((p, idx) => {
      results[idx]!.detections = this.tiles
        ? mergeViews(p, { iouThreshold: iou, classAgnostic })
        : p.map((t) => t.det);
    });
    return results;
  }

  /** Kept candidates (input pixels, model classes) → detections in original pixels and Viper classes. */
  private toDetections(kept: Candidate[], lb: Letterbox, cameraId: string): Detection[] {
    const dets: Detection[] = [];
    for (const c of kept) {
      const cls = this.classOf[c.classIndex];
      const box = unletterboxBox(lb, c.x1, c.y1, c.x2, c.y2);
      if (cls === undefined || box === null) continue;
      dets.push({ cameraId, box, score: Math.min(1, Math.max(0, c.score)), cls });
    }
    return dets;
  }

  /** Letterboxed RGB pixels [batch, H, W, 3] → model output (via the preprocessing graph). */
  private async run(pixels: Uint8Array, batch: number): Promise<RunOutput> {
    const { input, output } = this.card;
    try {
      return await this.session.run(input.name, pixels, [batch, input.height, input.width, 3], output.name);
    } catch (err) {
      throw new ModelError({
        what: `inference failed: ${(err as Error).message.split('\n')[0]}`,
        where: this.card.modelPath,
        hint: `provider ${this.executionProvider}, batch ${batch}`,
        cause: err,
      });
    }
  }

  private async warmUp(batch: number): Promise<void> {
    this.checkRunOutput(await this.run(new Uint8Array(batch * this.imageSize), batch), batch);
  }

  /** The output has the card's shape and one entry per image sent (else frames would silently go without). */
  private checkRunOutput(out: RunOutput, batch: number): void {
    const where = `${this.card.modelPath} (card ${this.card.cardPath})`;
    checkOutputDims(out.dims, this.outputDims, this.card, where);
    if (out.dims[0] !== batch || out.candidates.length !== batch) {
      throw new ModelError({
        what: `output "${this.card.output.name}" has a batch of ${out.dims[0]} for ${batch} images in`,
        where,
        hint: 'export the model with its output batch following the input batch (dynamic_axes on both), or with a fixed batch of 1',
      });
    }
  }
}
