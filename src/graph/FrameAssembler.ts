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
 * Whether a source's (header) stamps are on the log's clock: within 10 s of the log time. Stamps further off are
 * another clock (a simulator's `use_sim_time`, a device clock), and the source's times are its log times instead.
 * Decided once per source (a camera, a transform edge) from its first stamp, and kept: decided per message, a
 * clock about 10 s off flipped between the two, 10 s apart, frame by frame. Images and transforms follow the same
 * rule, so they stay on one clock: transforms alone had moved to log time, and a sim-time bag's images found no
 * ego pose (results logged 53 years before their inputs).
 */
export function onLogClock(stampNs: TimeNs, logNs: TimeNs): boolean {
  const d = stampNs - logNs;
  return !(d > STAMP_CLOCK_NS || d < -STAMP_CLOCK_NS);
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
  /** Cameras whose header stamps were on another clock than the log's (placed at their log times). */
  readonly otherClock = new Set<string>();
  /** Per camera or transform edge with stamps, whether they are on the log's clock (`onLogClock`, decided once). */
  private readonly clocks = new Map<string, boolean>();

  /**
   * The time of a source's message: its stamp where the source's stamps are on the log's clock, else log time. A
   * source on the log's clock still gives a lone stamp far off (twice the rule's 10 s: a glitch, not a clock about
   * 10 s off, which must not flip) its log time.
   */
  private timeOf(source: string, stampNs: TimeNs | undefined, logNs: TimeNs): TimeNs {
    if (stampNs === undefined) return logNs;
    let same = this.clocks.get(source);
    if (same === undefined) {
      same = onLogClock(stampNs, logNs);
      this.clocks.set(source, same);
    }
    if (!same) return logNs;
    const d = stampNs - logNs;
    return d > 2n * STAMP_CLOCK_NS || d < -2n * STAMP_CLOCK_NS ? logNs : stampNs;
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
        const source = `camera\0${msg.cameraId}`;
        const tNs = this.timeOf(source, msg.stampNs, msg.logNs);
        if (this.clocks.get(source) === false) this.otherClock.add(msg.cameraId);
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
