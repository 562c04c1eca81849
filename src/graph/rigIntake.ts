/**
 * The message side of a replay: each message read is counted and interpreted, its camera frame assembled and held in
 * the LagBuffer until frames are back in stamp order, then aligned into rig frames. Every message goes on to the
 * ordered writer in read order; each rig frame reserves its results' slot there when it closes, right after the
 * inputs read before it.
 */
import type { CameraFrame, RigFrame } from '../contracts/camera.ts';
import { RecordingError } from '../contracts/errors.ts';
import type { TimeNs } from '../contracts/time.ts';
import type { RecordingReader } from '../io/index.ts';
import type { RecordedMessage } from '../io/types.ts';
import { FrameAssembler } from './FrameAssembler.ts';
import { interpretMessage } from './interpret.ts';
import { LagBuffer } from './LagBuffer.ts';
import type { OrderedWriter, Slot } from './OrderedWriter.ts';
import type { ResultsSink } from './ResultsSink.ts';
import { RigAligner } from './RigAligner.ts';
import type { RigResult } from './stage.ts';

/** A closed rig frame on its way to the stages, with the writer slot its results go into. */
export interface PendingRig {
  rig: RigFrame;
  slot: Slot<RigResult>;
}

/** What a replay counts as it goes (for its summary). */
interface ReplayStats {
  messagesRead: number;
  cameraFrames: number;
  rigFrames: number;
  missing: Record<string, number>;
  issues: number;
  issueKinds: Record<string, number>;
  lastNs: TimeNs;
  badMessages: string[];
  /** Messages on image channels that could not be used (an encoding Viper does not read, a malformed message). */
  badImages: number;
  /** The first image that could not be used or decoded, and why (what and where, no hint). */
  firstImageFailure?: string;
  /** Image topics whose images are no camera Viper perceives (depth images, encodings it does not read): topic → why. */
  notCameras: Map<string, string>;
  /**
   * Copies of a camera's frame not perceived (`duplicate-frame`), by camera, the topic whose frame was used and
   * the topic of the copy (the same topic for a frame recorded twice at one log time): how many.
   */
  duplicates: Map<string, { cameraId: string; used: string; copy: string; frames: number }>;
  /** Per camera, why its calibration cannot project (the first `bad-calibration` issue's message). */
  badCalibrations: Map<string, string>;
}

/**
 * A recording whose camera images all failed, each unusable (webp, an encoding Viper does not read) or
 * undecodable (every JPEG corrupt): a run that perceives nothing is an error, not a summary of zeros that exits 0.
 * Undefined when at least one image was perceived (the others are counted as issues) or none was there to fail.
 */
export function noUsableImage(stats: ReplayStats, input: string): RecordingError | undefined {
  const decode = stats.issueKinds.decode ?? 0;
  const failed = stats.cameraFrames === 0 ? stats.badImages : decode >= stats.cameraFrames ? decode : 0;
  if (failed === 0) return undefined;
  const first = stats.firstImageFailure;
  return new RecordingError({
    what: `none of its ${failed} camera images could be used${first === undefined ? '' : ` (the first: ${first})`}`,
    where: input,
    hint: 'nothing was perceived',
  });
}

export function countIssue(stats: ReplayStats, kind: string): void {
  stats.issues++;
  stats.issueKinds[kind] = (stats.issueKinds[kind] ?? 0) + 1;
}

interface RigIntakeOptions {
  /** Camera alignment tolerance (default 20 ms). */
  alignToleranceNs?: TimeNs;
  /** How long (log time) frames wait to be put back in stamp order (default 300 ms; see LagBuffer). */
  maxCameraLagNs?: TimeNs;
  /** Called after each message read, for progress display. */
  onProgress?: (p: { messagesRead: number; rigFrames: number }) => void;
  /** Called first when a rig frame closes (wall-clock latency). */
  onClose?: (rig: RigFrame) => void;
}

/** Frames received up to this much later than their rig's other cameras still join it (LagBuffer). */
const DEFAULT_MAX_CAMERA_LAG_NS = 300_000_000n;

/**
 * A message held until the lag buffer lets it go (see LagBuffer). `guess`: the first frame of a channel whose camera
 * was guessed from its topic, settled when the frame is aligned; `notCamera`: the guess of a channel whose images
 * are no camera (a depth image), given up when the message is let go.
 */
type Held = {
  m: RecordedMessage;
  frame?: CameraFrame;
  guess?: { guess: string; actual: string };
  notCamera?: string;
};

export class RigIntake {
  readonly stats: ReplayStats = {
    messagesRead: 0,
    cameraFrames: 0,
    rigFrames: 0,
    missing: {},
    issues: 0,
    issueKinds: {},
    lastNs: 0n,
    badMessages: [],
    badImages: 0,
    notCameras: new Map(),
    duplicates: new Map(),
    badCalibrations: new Map(),
  };
  readonly assembler: FrameAssembler;
  readonly aligner: RigAligner;
  /** Rig frames closed and not yet taken into a batch. */
  inBatcher = 0;
  private readonly imageChannels: Set<number>;
  /** Camera ids guessed from topic names until each topic's first frame names its camera (frame_id). */
  private readonly guesses: Map<number, string>;
  /** Per camera, its last frame's stamp, channel (and its topic) and log time. */
  private readonly lastFrames = new Map<
    string,
    { tNs: TimeNs; channelId: number; topic: string; logTimeNs: TimeNs }
  >();
  private readonly lag: LagBuffer<Held>;
  /**
   * A complete rig frame waits until the log time moves past its stamps: messages at the same log time sort by
   * topic, so `/tf` at time t arrives after the `/cam_*` images at t, and the frame needs it.
   */
  private complete: RigFrame | undefined;

  constructor(
    feedId: string,
    private readonly sink: ResultsSink,
    private readonly reader: RecordingReader,
    private readonly ordered: OrderedWriter<RecordedMessage, RigResult>,
    private readonly opts: RigIntakeOptions = {},
  ) {
    this.assembler = new FrameAssembler(feedId);
    this.guesses = sink.imageChannelCameras();
    this.imageChannels = new Set(this.guesses.keys());
    this.aligner = new RigAligner(feedId, {
      cameras: sink.imageCameras(),
      toleranceNs: opts.alignToleranceNs ?? 20_000_000n,
    });
    this.lag = new LagBuffer<Held>(opts.maxCameraLagNs ?? DEFAULT_MAX_CAMERA_LAG_NS);
  }

  /** One message read: count it, interpret it, hold it; returns the rig frames that closed. */
  read(m: RecordedMessage): PendingRig[] {
    const stats = this.stats;
    stats.messagesRead++;
    stats.lastNs = m.logTimeNs;
    this.opts.onProgress?.({ messagesRead: stats.messagesRead, rigFrames: stats.rigFrames });
    const interpreted = interpretMessage(m, this.reader, (spellings) =>
      this.sink.noteSpellings(m, spellings),
    );
    if (interpreted.kind === 'bad') {
      countIssue(stats, 'bad-message');
      if (this.imageChannels.has(m.channel.id)) {
        stats.badImages++;
        stats.firstImageFailure ??= interpreted.brief;
      }
      if (stats.badMessages.length < 5) stats.badMessages.push(interpreted.message);
    }
    if (interpreted.kind === 'notCamera') {
      if (!stats.notCameras.has(interpreted.topic)) stats.notCameras.set(interpreted.topic, interpreted.why);
      const notCamera = this.guesses.get(m.channel.id);
      this.guesses.delete(m.channel.id);
      this.lag.push({ m, notCamera }, m.logTimeNs, m.logTimeNs);
      return this.act(this.lag.release(m.logTimeNs));
    }
    const frame = interpreted.kind === 'bad' ? undefined : this.assembler.push(interpreted);
    const guessed = frame && this.guesses.get(m.channel.id);
    let guess: Held['guess'];
    if (frame && guessed !== undefined) {
      this.guesses.delete(m.channel.id);
      guess = { guess: guessed, actual: frame.cameraId };
    }
    // A copy of a camera's last frame (same stamp, from another topic of that camera or recorded twice at one
    // log time) is passed through but not perceived: the results hold one frame per camera and stamp.
    const last = frame && this.lastFrames.get(frame.cameraId);
    if (
      frame &&
      last?.tNs === frame.tNs &&
      (last.channelId !== m.channel.id || last.logTimeNs === m.logTimeNs)
    ) {
      countIssue(stats, 'duplicate-frame');
      const key = `${frame.cameraId}\0${last.topic}\0${m.channel.topic}`;
      const d = stats.duplicates.get(key);
      if (d) d.frames++;
      else
        stats.duplicates.set(key, {
          cameraId: frame.cameraId,
          used: last.topic,
          copy: m.channel.topic,
          frames: 1,
        });
      this.lag.push({ m, guess }, m.logTimeNs, m.logTimeNs);
    } else if (frame) {
      this.lastFrames.set(frame.cameraId, {
        tNs: frame.tNs,
        channelId: m.channel.id,
        topic: m.channel.topic,
        logTimeNs: m.logTimeNs,
      });
      stats.cameraFrames++;
      this.lag.push({ m, frame, guess }, frame.tNs < m.logTimeNs ? frame.tNs : m.logTimeNs, m.logTimeNs);
    } else {
      this.lag.push({ m }, m.logTimeNs, m.logTimeNs);
    }
    return this.act(this.lag.release(m.logTimeNs));
  }

  /** At the end of the input: everything still held, the waiting complete rig frame, then the aligner's last one. */
  flush(): PendingRig[] {
    return [...this.act(this.lag.flush()), ...this.releaseComplete(), ...this.closeRig(this.aligner.flush())];
  }

  /** What to do with each message the lag buffer lets go: align a frame, pass an input on. */
  private act(held: Held[]): PendingRig[] {
    const out: PendingRig[] = [];
    for (const { m, frame, guess, notCamera } of held) {
      if (this.complete && m.logTimeNs > latestStamp(this.complete)) out.push(...this.releaseComplete());
      if (guess) this.aligner.resolveGuess(guess.guess, guess.actual);
      if (notCamera !== undefined) this.aligner.giveUpGuess(notCamera);
      if (!frame) {
        this.ordered.message(m);
        continue;
      }
      const step = this.aligner.push(frame);
      if (step.closedBefore) out.push(...this.releaseComplete(), ...this.closeRig(step.closedBefore));
      this.ordered.message(m);
      if (step.closedAfter) {
        out.push(...this.releaseComplete());
        this.complete = step.closedAfter;
      }
    }
    return out;
  }

  private releaseComplete(): PendingRig[] {
    const rig = this.complete;
    this.complete = undefined;
    return this.closeRig(rig);
  }

  private closeRig(rig: RigFrame | undefined): PendingRig[] {
    if (!rig) return [];
    this.opts.onClose?.(rig);
    this.assembler.resolveTransforms(rig.frames);
    this.stats.rigFrames++;
    for (const cam of rig.missing) this.stats.missing[cam] = (this.stats.missing[cam] ?? 0) + 1;
    this.inBatcher++;
    return [{ rig, slot: this.ordered.reserve() }];
  }
}

function latestStamp(rig: RigFrame): TimeNs {
  let t = rig.tNs;
  for (const f of rig.frames) if (f.tNs > t) t = f.tNs;
  return t;
}
