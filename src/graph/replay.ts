/**
 * Deterministic replay: recording → RxJS perception graph → results MCAP.
 *
 *   pullSource ─▶ interpret + assemble camera frames ─▶ align rig ─▶ batchRigs ─▶ stages (pipelined) ─▶ sink
 *
 * The source pulls only while the ordered writer has room, so memory is bounded for any file size. Every input
 * message is passed through to the output, and each rig frame's outputs follow the inputs read before it closed,
 * so the output bytes depend on the input and the config only — not on batch size, queue size or speed.
 */
import { basename } from 'node:path';
import { concatMap, from, lastValueFrom, map, mergeMap, tap, defaultIfEmpty, type Observable } from 'rxjs';
import type { CameraFrame, RigFrame } from '../contracts/camera.ts';
import type { TimeNs } from '../contracts/time.ts';
import type { RecordedMessage } from '../io/types.ts';
import { RecordingReader, RecordingWriter } from '../io/index.ts';
import { batchRigs } from './batchRigs.ts';
import { FrameAssembler } from './FrameAssembler.ts';
import { LagBuffer } from './LagBuffer.ts';
import { checkChannels, checkHasCameras, interpretMessage } from './interpret.ts';
import { OrderedWriter, type Slot } from './OrderedWriter.ts';
import { createPacer } from './pacer.ts';
import { Gate, type PullControl, pullSource } from './pullSource.ts';
import { type LiveMirror, ResultsSink } from './ResultsSink.ts';
import { RigAligner } from './RigAligner.ts';
import { StagePipeline } from './stagePipeline.ts';
import { emptyResult, type RigResult, type Stage } from './stage.ts';

export interface ReplayOptions {
  input: string;
  output: string;
  stages: Stage[];
  /** Items queued for writing before the source waits (default 64). */
  queueSize?: number;
  /** Rig frames per stage batch (default 6). */
  maxBatch?: number;
  /** Log-time window of one batch (default 1 s). */
  batchWindowNs?: TimeNs;
  /** Camera alignment tolerance (default 20 ms). */
  alignToleranceNs?: TimeNs;
  /**
   * How long (log time) frames wait to be put back in stamp order before they are aligned, so that a camera
   * received up to this much later than the others still joins its rig frames (default 300 ms; see LagBuffer).
   */
  maxCameraLagNs?: TimeNs;
  /** Chunk compression of the results file (default zstd). */
  compression?: 'zstd' | 'lz4' | 'none';
  /** `input` already opened by `openChecked` (replay closes it); opened here when absent. */
  reader?: RecordingReader;
  /** Salvage the intact part of a damaged recording. */
  recover?: boolean;
  /** Playback speed (× log time) for live viewing; undefined = as fast as possible. Never changes the output. */
  speed?: number;
  /** Mirror every written message to a live server (`replay --serve`). */
  live?: LiveMirror;
  /** Facts recorded in the results file's `viper` metadata (model, tracker, …). */
  metadata?: Record<string, string>;
  /** Called once the input is open, with its summary (for progress totals). */
  onStart?: (s: { messageCount: number; startNs: TimeNs; endNs: TimeNs }) => void;
  /** Called once the results file is created (from then on a failure leaves it finalized and readable). */
  onOutput?: () => void;
  /** Called after each message read, for progress display. */
  onProgress?: (p: { messagesRead: number; logTimeNs: TimeNs; rigFrames: number }) => void;
  /** Set `stopped` to end the replay early (SIGINT); the output is still finalized. */
  control?: PullControl;
}

export interface ReplaySummary {
  input: string;
  output: string;
  messagesRead: number;
  messagesWritten: number;
  cameraFrames: number;
  rigFrames: number;
  cameras: string[];
  /** Per camera: rig frames in which it was missing. */
  missing: Record<string, number>;
  uncalibratedCameras: string[];
  issues: number;
  issueKinds: Record<string, number>;
  /** First few undecodable messages (topic, time, why). */
  badMessages: string[];
  startNs: TimeNs;
  endNs: TimeNs;
  interrupted: boolean;
  /** Wall-clock ms from a rig frame closing to its outputs being written (display only, not in the file). */
  latencyMs: { p50: number; p95: number; max: number } | null;
  recovery?: { damaged: boolean; reason?: string; bytesLost: number };
  /** Input messages on `/perception/…` (an earlier run's results) left out: replaced by this run's stages. */
  earlierResultsDropped: number;
  stages: Record<string, Record<string, unknown>>;
}

/**
 * Batches in the stages at once: two let the detector decode one batch while the other's inference and the
 * tracker run; more would only hold more frames in memory on the cores there are.
 */
const PIPELINE_DEPTH = 2;

interface PendingRig {
  rig: RigFrame;
  slot: Slot<RigResult>;
}

export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  // No output to finalize yet, but the stages (a detector and its threads, a shared detector's lease) and the
  // input are this call's to close if it cannot start.
  const closeStages = async () => {
    for (const s of opts.stages) await s.close?.().catch(() => undefined);
  };
  let reader: RecordingReader;
  try {
    reader = opts.reader ?? (await openChecked(opts.input, opts.recover ?? false, opts.stages.length > 0));
  } catch (err) {
    await closeStages();
    throw err;
  }
  const summaryIn = reader.summary();
  opts.onStart?.(summaryIn);
  let writer: RecordingWriter;
  try {
    writer = await RecordingWriter.create(opts.output, { compression: opts.compression ?? 'zstd' });
  } catch (err) {
    await closeStages();
    await reader.close();
    throw err;
  }
  opts.onOutput?.();
  const sink = new ResultsSink(writer, reader, opts.live, opts.stages.length > 0);
  const feedId = feedName(opts.input);
  const assembler = new FrameAssembler(feedId);
  // Camera ids guessed from topic names until each topic's first frame names its camera (frame_id).
  const guesses = sink.imageChannelCameras();
  const aligner = new RigAligner(feedId, {
    cameras: sink.imageCameras(),
    toleranceNs: opts.alignToleranceNs ?? 20_000_000n,
  });
  const queueSize = Math.max(1, opts.queueSize ?? 64);
  const control = opts.control ?? { stopped: false };
  const stats = {
    messagesRead: 0,
    cameraFrames: 0,
    rigFrames: 0,
    missing: {} as Record<string, number>,
    issues: 0,
    issueKinds: {} as Record<string, number>,
    lastNs: 0n as TimeNs,
    badMessages: [] as string[],
  };

  /** Per camera, its last frame's stamp, channel and log time. */
  const lastFrames = new Map<string, { tNs: TimeNs; channelId: number; logTimeNs: TimeNs }>();
  let rigsInBatcher = 0;
  // Wall-clock latency per rig frame (closed → written), for the summary only: never written to the file.
  const closedAt = new Map<number, number>();
  const latenciesMs: number[] = [];
  const ordered = new OrderedWriter<RecordedMessage, RigResult>(
    (m) => sink.writeInput(m),
    async (r) => {
      await sink.writeRig(r);
      const opened = closedAt.get(r.rig.seq);
      if (opened !== undefined) {
        latenciesMs.push(performance.now() - opened);
        closedAt.delete(r.rig.seq);
      }
    },
    () => gate.notify(),
  );
  // Read on while the writer has room, or while a partly filled batch still needs input to close; after a write
  // failure, read once more so that the graph stops on it (below) rather than waiting for room for ever.
  const gate = new Gate(() => ordered.failed || ordered.pending < queueSize || rigsInBatcher > 0);

  const closeRig = (rig: RigFrame | undefined): PendingRig[] => {
    if (!rig) return [];
    closedAt.set(rig.seq, performance.now());
    assembler.resolveTransforms(rig.frames);
    stats.rigFrames++;
    for (const cam of rig.missing) stats.missing[cam] = (stats.missing[cam] ?? 0) + 1;
    rigsInBatcher++;
    return [{ rig, slot: ordered.reserve() }];
  };
  // A complete rig frame waits until the log time moves past its stamps: messages at the same log time sort
  // by topic, so `/tf` at time t arrives after the `/cam_*` images at t, and the frame needs it.
  let complete: RigFrame | undefined;
  const releaseComplete = (): PendingRig[] => {
    const rig = complete;
    complete = undefined;
    return closeRig(rig);
  };

  // What to do with each message once the lag buffer lets it go (see LagBuffer): align a frame, pass an input on.
  // `guess`: the first frame of a channel whose camera was guessed from its topic, settled when the frame is aligned.
  type Held = { m: RecordedMessage; frame?: CameraFrame; guess?: { guess: string; actual: string } };
  const lag = new LagBuffer<Held>(opts.maxCameraLagNs ?? DEFAULT_MAX_CAMERA_LAG_NS);
  const act = (held: Held[]): PendingRig[] => {
    const out: PendingRig[] = [];
    for (const { m, frame, guess } of held) {
      if (complete && m.logTimeNs > latestStamp(complete)) out.push(...releaseComplete());
      if (guess) aligner.resolveGuess(guess.guess, guess.actual);
      if (!frame) {
        ordered.message(m);
        continue;
      }
      const step = aligner.push(frame);
      if (step.closedBefore) out.push(...releaseComplete(), ...closeRig(step.closedBefore));
      ordered.message(m);
      if (step.closedAfter) {
        out.push(...releaseComplete());
        complete = step.closedAfter;
      }
    }
    return out;
  };

  const rigs$: Observable<PendingRig> = pullSource(
    reader.messages(),
    gate,
    control,
    opts.speed ? createPacer(opts.speed, control) : undefined,
  ).pipe(
    mergeMap((m) => {
      if (ordered.failed) throw new WriteFailed();
      stats.messagesRead++;
      stats.lastNs = m.logTimeNs;
      opts.onProgress?.({
        messagesRead: stats.messagesRead,
        logTimeNs: m.logTimeNs,
        rigFrames: stats.rigFrames,
      });
      const interpreted = interpretMessage(m, reader);
      if (interpreted.kind === 'bad') {
        stats.issues++;
        stats.issueKinds['bad-message'] = (stats.issueKinds['bad-message'] ?? 0) + 1;
        if (stats.badMessages.length < 5) stats.badMessages.push(interpreted.message);
      }
      const frame = interpreted.kind === 'bad' ? undefined : assembler.push(interpreted);
      const guessed = frame && guesses.get(m.channel.id);
      let guess: Held['guess'];
      if (frame && guessed !== undefined) {
        guesses.delete(m.channel.id);
        guess = { guess: guessed, actual: frame.cameraId };
      }
      // A copy of a camera's last frame (same stamp, from another topic of that camera or recorded twice at one
      // log time) is passed through but not perceived: the results hold one frame per camera and stamp.
      const last = frame && lastFrames.get(frame.cameraId);
      if (
        frame &&
        last?.tNs === frame.tNs &&
        (last.channelId !== m.channel.id || last.logTimeNs === m.logTimeNs)
      ) {
        stats.issues++;
        stats.issueKinds['duplicate-frame'] = (stats.issueKinds['duplicate-frame'] ?? 0) + 1;
        lag.push({ m, guess }, m.logTimeNs, m.logTimeNs);
      } else if (frame) {
        lastFrames.set(frame.cameraId, { tNs: frame.tNs, channelId: m.channel.id, logTimeNs: m.logTimeNs });
        stats.cameraFrames++;
        lag.push({ m, frame, guess }, frame.tNs < m.logTimeNs ? frame.tNs : m.logTimeNs, m.logTimeNs);
      } else {
        lag.push({ m }, m.logTimeNs, m.logTimeNs);
      }
      return act(lag.release(m.logTimeNs));
    }),
  );

  const flushTail = (): Observable<PendingRig> =>
    from([...act(lag.flush()), ...releaseComplete(), ...closeRig(aligner.flush())]);

  const stagePipeline = new StagePipeline(opts.stages);
  const pipeline$ = concatWithTail(rigs$, flushTail).pipe(
    batchRigs<PendingRig>(
      { maxBatch: opts.maxBatch ?? 6, windowNs: opts.batchWindowNs ?? 1_000_000_000n },
      (p) => p.rig.tNs,
    ),
    tap((batch) => {
      rigsInBatcher -= batch.length;
      gate.notify();
    }),
    mergeMap(
      (batch) =>
        from(stagePipeline.run(batch.map((p) => emptyResult(p.rig)))).pipe(
          map((results) => {
            results.forEach((r, i) => {
              for (const issue of r.issues) {
                stats.issues++;
                stats.issueKinds[issue.kind] = (stats.issueKinds[issue.kind] ?? 0) + 1;
              }
              batch[i]!.slot.fill(r);
            });
            ordered.drain();
            return results.length;
          }),
        ),
      PIPELINE_DEPTH,
    ),
    defaultIfEmpty(0),
  );

  let failure: unknown;
  try {
    await lastValueFrom(pipeline$);
    await ordered.settled();
  } catch (err) {
    // WriteFailed only stops the graph: the writer's own error, thrown by settled() below, is the one to report.
    if (!(err instanceof WriteFailed)) failure = err;
  } finally {
    // Whatever happened, finalize what was written so the output stays readable.
    try {
      await ordered.settled();
    } catch (err) {
      failure ??= err;
    }
    // A failed replay closes its stages only once the other batch in flight has left them.
    await stagePipeline.settled();
    for (const s of opts.stages) await s.close?.().catch(() => undefined);
    try {
      await sink.close({ ...opts.metadata, interrupted: String(control.stopped) });
    } catch (err) {
      failure ??= err;
    }
  }
  const recovery = reader.recovery();
  await reader.close();
  if (failure) throw failure;
  return {
    input: opts.input,
    output: opts.output,
    messagesRead: stats.messagesRead,
    messagesWritten: sink.messagesWritten,
    earlierResultsDropped: sink.earlierResultsDropped,
    cameraFrames: stats.cameraFrames,
    rigFrames: stats.rigFrames,
    cameras: [...aligner.rigCameras],
    missing: stats.missing,
    uncalibratedCameras: [...assembler.uncalibrated].sort(),
    issues: stats.issues + assembler.unusableTransforms,
    issueKinds: {
      ...stats.issueKinds,
      ...(assembler.unusableTransforms > 0 ? { 'unusable-transform': assembler.unusableTransforms } : {}),
    },
    badMessages: stats.badMessages.slice(0, 5),
    startNs: summaryIn.startNs,
    endNs: stats.lastNs,
    interrupted: control.stopped,
    latencyMs: percentiles(latenciesMs),
    ...(recovery
      ? { recovery: { damaged: recovery.damaged, reason: recovery.reason, bytesLost: recovery.bytesLost } }
      : {}),
    stages: Object.fromEntries(opts.stages.map((s) => [s.name, s.describe?.() ?? {}])),
  };
}

/** Stops the graph once the ordered writer has failed (its error is reported, not this). */
class WriteFailed extends Error {}

/** The feed id of a recording: its file name without `.mcap`. */
export function feedName(input: string): string {
  return basename(input).replace(/\.mcap$/i, '');
}

/**
 * Open a recording and check it (readable, every channel decodable; with `perceive`, going through stages, it must
 * have cameras), so bad input is refused before stages are built or outputs created. Pass the reader to `replay`
 * (which then owns it) to open the file once.
 */
export async function openChecked(
  input: string,
  recover: boolean,
  perceive: boolean,
): Promise<RecordingReader> {
  const reader = await RecordingReader.open(input, { recover });
  try {
    checkChannels(reader);
    if (perceive) checkHasCameras(reader);
    return reader;
  } catch (err) {
    await reader.close();
    throw err;
  }
}

function percentiles(xs: number[]): { p50: number; p95: number; max: number } | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), max: Math.round(s[s.length - 1]! * 10) / 10 };
}

/** Frames received up to this much later than their rig's other cameras still join it (LagBuffer). */
const DEFAULT_MAX_CAMERA_LAG_NS = 300_000_000n;

function latestStamp(rig: RigFrame): TimeNs {
  let t = rig.tNs;
  for (const f of rig.frames) if (f.tNs > t) t = f.tNs;
  return t;
}

/** Emit everything from `head`, then, once it completes, whatever `tail()` gives (evaluated late). */
function concatWithTail<T>(head: Observable<T>, tail: () => Observable<T>): Observable<T> {
  return from([0, 1]).pipe(concatMap((i) => (i === 0 ? head : tail())));
}
