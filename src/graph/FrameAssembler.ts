/**
 * Camera-frame assembly: keeps the latest calibration per camera and the recent values of each transform
 * (parent, child) edge, and turns each image into a `CameraFrame` carrying both as they were at the image's
 * stamp: each edge's value with the latest stamp at or before it (a transform's header stamp, else its log time).
 * Static transforms (a `/tf_static` topic) hold at every stamp, as in tf2, including images logged before them. A
 * transform tf2 would refuse (NaN or infinite values, a self transform, an unnamed frame) is left out, so its edge
 * keeps its last usable value. Pure state, no I/O.
 */
import type { Calibration, CameraFrame, Image } from '../contracts/camera.ts';
import type { Transform } from '../contracts/geometry.ts';
import type { TimeNs } from '../contracts/time.ts';
import { usableTransform } from '../geometry/TransformTree.ts';

/** What a recorded message means to the graph (decoded by io/, classified by `interpret.ts`). */
export type Interpreted =
  | {
      kind: 'image';
      cameraId: string;
      /** The image's own (header) stamp, where it has one. */
      stampNs?: TimeNs;
      /** Log time of the message. */
      logNs: TimeNs;
      image: Image;
    }
  | { kind: 'calibration'; calibration: Calibration }
  | {
      kind: 'transforms';
      /** Log time of the message. */
      tNs: TimeNs;
      transforms: Transform[];
      /** Each transform's own stamp (its header's), where it has one. */
      stampsNs?: (TimeNs | undefined)[];
      static?: boolean;
    }
  | { kind: 'other' };

/**
 * Whose clock a source's (header) stamps are on: the log's within 10 s of the log time; another clock (a simulator's
 * `use_sim_time`, a device clock) further off, and the source's times are then its log times. Decided once per
 * source (a camera, a transform edge) and kept: decided per message, a clock about 10 s off flipped between the two
 * timelines frame by frame. A stamp over 20 s off decides nothing (a glitch on a first frame had moved a whole camera
 * to log time): it takes its log time, as every stamp of a sim-time source does. Images and transforms follow the
 * same rule, so they stay on one clock: transforms alone had moved to log time, and a sim-time bag's images found
 * no ego pose (results logged 53 years before their inputs).
 */
type Clock = 'log' | 'other';

function offBy(stampNs: TimeNs, logNs: TimeNs): bigint {
  const d = stampNs - logNs;
  return d < 0n ? -d : d;
}
const STAMP_CLOCK_NS = 10_000_000_000n;

/** Values kept per transform edge: enough to cover rig frames still open while later /tf messages arrive. */
const EDGE_HISTORY = 32;

export class FrameAssembler {
  private readonly calibrations = new Map<string, Calibration>();
  /** Per edge, its recent values in log-time order (bounded). */
  private readonly edges = new Map<string, { tNs: TimeNs; transform: Transform }[]>();
  /** Static edges' latest values (valid at any stamp). */
  private readonly statics = new Map<string, Transform>();
  private readonly cache = new Map<TimeNs, Transform[]>();
  /** Cameras that delivered an image before any calibration (reported once each). */
  readonly uncalibrated = new Set<string>();
  /** Transforms left out as unusable (NaN or infinite values, a self transform, an unnamed frame). */
  unusableTransforms = 0;
  /** Per camera or transform edge with stamps: whose clock they are on, once decided (see `Clock`). */
  private readonly clocks = new Map<string, Clock>();
  /** Sources with a stamp more than 20 s off their log time (none decided on the log's clock since). */
  private readonly farOff = new Set<string>();

  /** The time of a source's message: its stamp where the source is on the log's clock, else its log time. */
  private timeOf(source: string, stampNs: TimeNs | undefined, logNs: TimeNs): TimeNs {
    if (stampNs === undefined) return logNs;
    const d = offBy(stampNs, logNs);
    let clock = this.clocks.get(source);
    if (clock === undefined && d <= 2n * STAMP_CLOCK_NS) {
      clock = d <= STAMP_CLOCK_NS ? 'log' : 'other';
      this.clocks.set(source, clock);
    }
    if (d > 2n * STAMP_CLOCK_NS) this.farOff.add(source);
    return clock === 'log' && d <= 2n * STAMP_CLOCK_NS ? stampNs : logNs;
  }

  /** Cameras whose header stamps are on another clock than the log's: their frames were placed at log time. */
  otherClockCameras(): string[] {
    const out: string[] = [];
    for (const source of new Set([...this.clocks.keys(), ...this.farOff])) {
      if (!source.startsWith('camera\0')) continue;
      const clock = this.clocks.get(source);
      if (clock === 'other' || (clock === undefined && this.farOff.has(source))) out.push(source.slice(7));
    }
    return out.sort();
  }

  constructor(private readonly feedId: string) {}

  /** Feed one interpreted message; returns a camera frame for images. */
  push(msg: Interpreted): CameraFrame | undefined {
    switch (msg.kind) {
      case 'calibration':
        this.calibrations.set(msg.calibration.frameId, msg.calibration);
        this.uncalibrated.delete(msg.calibration.frameId);
        return undefined;
      case 'transforms':
        for (const [i, transform] of msg.transforms.entries()) {
          if (!usableTransform(transform)) {
            this.unusableTransforms++;
            continue;
          }
          const key = `${transform.parent}\u0000${transform.child}`;
          if (msg.static) {
            this.statics.set(key, transform);
            continue;
          }
          let history = this.edges.get(key);
          if (!history) {
            history = [];
            this.edges.set(key, history);
          }
          // Kept in stamp order: a transform received late (log time after its stamp) still holds from its stamp.
          const tNs = this.timeOf(`tf\0${key}`, msg.stampsNs?.[i], msg.tNs);
          let at = history.length;
          while (at > 0 && history[at - 1]!.tNs > tNs) at--;
          history.splice(at, 0, { tNs, transform });
          if (history.length > EDGE_HISTORY) history.shift();
        }
        this.cache.clear();
        return undefined;
      case 'image': {
        const calibration = this.calibrations.get(msg.cameraId) ?? null;
        if (!calibration) this.uncalibrated.add(msg.cameraId);
        const tNs = this.timeOf(`camera\0${msg.cameraId}`, msg.stampNs, msg.logNs);
        return {
          feedId: this.feedId,
          cameraId: msg.cameraId,
          tNs,
          image: msg.image,
          calibration,
          transforms: [],
        };
      }
      default:
        return undefined;
    }
  }

  /** Fill each frame's transforms as they were at its stamp (call when the rig frame closes). */
  resolveTransforms(frames: readonly CameraFrame[]): void {
    for (const f of frames) f.transforms = this.transformsAt(f.tNs);
  }

  /**
   * Every static edge, then every other edge's latest value at or before tNs (edges first seen later are left out;
   * a later one for the same child wins). Shared, never mutated.
   */
  transformsAt(tNs: TimeNs): Transform[] {
    const hit = this.cache.get(tNs);
    if (hit) return hit;
    const out: Transform[] = [...this.statics.values()];
    for (const history of this.edges.values()) {
      let best: Transform | undefined;
      for (const h of history) if (h.tNs <= tNs) best = h.transform;
      // Older than the kept history: the oldest kept value is the best estimate.
      if (!best && history[0] && history.length === EDGE_HISTORY) best = history[0].transform;
      if (best) out.push(best);
    }
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(tNs, out);
    return out;
  }
}
