/** A single-camera track (ByteTrack's STrack) and the cost matrices between tracks and detections. */
import type { ViperClass } from '../contracts/classes.ts';
import type { Box2D } from '../contracts/geometry.ts';
import type { Detection, Track2D, TrackState } from '../contracts/perception.ts';
import { boxToXyah, giou, iou, xyahToBox } from '../geometry/box2d.ts';
import type { TrackerConfig } from './config.ts';
import type { GroundObs, GroundState } from './ground.ts';
import {
  type KalmanParams,
  type KalmanState,
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  kalmanWarp,
} from './kalman.ts';

/** Lifecycle as in the reference: new → tracked ⇄ lost → removed. */
type Lifecycle = 'new' | 'tracked' | 'lost' | 'removed';

/**
 * Camera-motion compensation from the previous image to this one: one 2×3 affine [a, b, tx, c, d, ty] for every
 * track, or each track's own from its Kalman box (null: that track is left as it is).
 */
export type CameraMotion = readonly number[] | ((box: Box2D, cls: ViperClass) => readonly number[] | null);

/** The box of a Kalman state's mean [cx, cy, a, h, …]. */
function kalmanBox(kf: KalmanState): Box2D {
  const m = kf.mean;
  return xyahToBox(m[0]!, m[1]!, m[2]!, m[3]!);
}

export class STrack {
  id = 0;
  kf: KalmanState | null = null;
  state: Lifecycle = 'new';
  activated = false;
  frameId = 0;
  startFrame = 0;
  /** Marked removed in an earlier frame (the reference keeps such ids in removed_stracks). */
  everRemoved = false;
  /** SORT bookkeeping. */
  hitStreak = 0;
  timeSinceUpdate = 0;
  /** Last observed box and the Kalman state right after it (kept only with `oru`). */
  lastObs: Box2D | null = null;
  kfAtObs: KalmanState | null = null;
  /** Detection's ground point (detections only, with `groundGate`). */
  g: GroundObs | null = null;
  /** Ground-plane filter of the track and its prediction to the current frame (tracks only, with `groundGate`). */
  ground: GroundState | null = null;
  groundPred: GroundState | null = null;
  /** The ground filter has seen only boxes cut by a side edge (a pedestrian's restarts at its first whole one). */
  groundCutOnly = false;
  /** Detection's colour descriptor / track's moving average of them (with `appearanceWeight`). */
  a: Float32Array | null = null;
  app: Float32Array | null = null;
  /** Summed detection score per class (only once a detection has corrected the track). */
  classVotes: Map<ViperClass, number> | null = null;

  constructor(
    public det: Box2D,
    public score: number,
    public cls: ViperClass,
    public cameraId: string,
  ) {}

  static fromDetection(d: Detection): STrack {
    // Round trip through (x, y, w, h) as the reference does (tlbr → tlwh → tlbr), so the box bits match.
    const w = d.box.x2 - d.box.x1;
    const h = d.box.y2 - d.box.y1;
    return new STrack(
      { x1: d.box.x1, y1: d.box.y1, x2: d.box.x1 + w, y2: d.box.y1 + h },
      d.score,
      d.cls,
      d.cameraId,
    );
  }

  /** Current box: the Kalman mean when there is one, else the detection (reference `tlbr`). */
  box(): Box2D {
    return this.kf ? kalmanBox(this.kf) : this.det;
  }

  initiate(p: KalmanParams): void {
    this.kf = kalmanInitiate(boxToXyah(this.det), p);
  }

  predict(p: KalmanParams, steps: number): void {
    const s = this.kf;
    if (!s) return;
    // The reference zeroes the height velocity of tracks that are not being tracked before predicting.
    if (this.state !== 'tracked') s.mean[7] = 0;
    for (let k = 0; k < steps; k++) kalmanPredict(s, p, 1, s);
  }

  correct(det: STrack, p: KalmanParams): void {
    kalmanUpdate(this.kf!, boxToXyah(det.det), p, this.kf!);
    // The class with the most detection score so far, the first detection's included (the detection's own
    // when every one agrees, as the reference has it); ties keep the current one.
    this.classVotes ??= new Map([[this.cls, this.score]]);
    const votes = this.classVotes;
    votes.set(det.cls, (votes.get(det.cls) ?? 0) + det.score);
    this.det = det.det;
    this.score = det.score;
    for (const [c, v] of votes) if (v > (votes.get(this.cls) ?? 0)) this.cls = c;
  }

  /**
   * Camera-motion compensation: one affine for every track, or each track's own, from its Kalman box (ORU's state
   * after its last observation and that observation, older and elsewhere in the image, each from their own box).
   */
  warp(motion: CameraMotion): void {
    const own = (box: Box2D) => (typeof motion === 'function' ? motion(box, this.cls) : motion);
    if (this.kf) {
      const w = own(this.box());
      if (w) this.kf = kalmanWarp(this.kf, w);
    }
    if (this.kfAtObs) {
      const w = own(kalmanBox(this.kfAtObs));
      if (w) this.kfAtObs = kalmanWarp(this.kfAtObs, w);
    }
    if (this.lastObs) {
      // ORU's last observation moves with the image: centre by the affine, size by √|det|.
      const w = own(this.lastObs);
      if (w) {
        const [a, b, tx, c, d, ty] = w as [number, number, number, number, number, number];
        const [cx, cy, r, h] = boxToXyah(this.lastObs);
        const sc = Math.sqrt(Math.abs(a * d - b * c));
        this.lastObs = xyahToBox(a * cx + b * cy + tx, c * cx + d * cy + ty, r, h * sc);
      }
    }
  }

  toTrack2D(frameId: number, state: TrackState, outputBox: TrackerConfig['outputBox']): Track2D {
    return {
      cameraId: this.cameraId,
      box: outputBox === 'detection' ? { ...this.det } : this.box(),
      score: this.score,
      cls: this.cls,
      trackId: this.id,
      state,
      age: Math.max(0, frameId - this.startFrame),
    };
  }
}

/**
 * Cost matrix (row-major |tracks|×|dets|) of 1 − overlap between track boxes and detection boxes; with
 * `fuseScore`, 1 − overlap·score (ByteTrack's fuse_score). Class-gated entries are +∞.
 */
export function overlapCost(
  tracks: readonly STrack[],
  dets: readonly STrack[],
  cfg: Pick<TrackerConfig, 'cost' | 'iouOffsetPx' | 'classAware' | 'classGroups'> & { buffer?: number },
  fuseScore: boolean,
  offsetPx = cfg.iouOffsetPx,
): Float64Array {
  const out = new Float64Array(tracks.length * dets.length);
  const b = cfg.buffer ?? 0;
  const tb = tracks.map((t) => bufferBox(t.box(), b));
  // Columns may be tracks too (duplicate removal): use their current (Kalman) box, like the reference's `tlbr`.
  const db = dets.map((d) => bufferBox(d.box(), b));
  for (let i = 0; i < tracks.length; i++) {
    const a = tb[i]!;
    const cls = tracks[i]!.cls;
    for (let j = 0; j < dets.length; j++) {
      const d = dets[j]!;
      if (cfg.classAware && !sameClassGroup(cfg.classGroups, d.cls, cls)) {
        out[i * dets.length + j] = Infinity;
        continue;
      }
      const b = db[j]!;
      let sim = cfg.cost === 'giou' ? giou(a, b) : iou(a, b, offsetPx);
      if (fuseScore) sim *= d.score;
      out[i * dets.length + j] = 1 - sim;
    }
  }
  return out;
}

/** Classes that may share a track: equal, or in one of `groups`. */
export function sameClassGroup(
  groups: readonly (readonly ViperClass[])[],
  a: ViperClass,
  b: ViperClass,
): boolean {
  return a === b || groups.some((g) => g.includes(a) && g.includes(b));
}

/** C-BIoU's buffered box: widened by `b` of its width and height on every side (unchanged for b = 0). */
export function bufferBox(box: Box2D, b: number): Box2D {
  if (b === 0) return box;
  const dw = b * (box.x2 - box.x1);
  const dh = b * (box.y2 - box.y1);
  return { x1: box.x1 - dw, y1: box.y1 - dh, x2: box.x2 + dw, y2: box.y2 + dh };
}

/** ByteTrack's joint_stracks: a then b's tracks whose id is not in a. */
export function jointStracks(a: readonly STrack[], b: readonly STrack[]): STrack[] {
  const seen = new Set<number>();
  const out: STrack[] = [];
  for (const t of a) {
    seen.add(t.id);
    out.push(t);
  }
  for (const t of b) {
    if (!seen.has(t.id)) {
      seen.add(t.id);
      out.push(t);
    }
  }
  return out;
}

/** ByteTrack's sub_stracks: a keyed by id (dict semantics: first position, last value) minus b's ids. */
export function subStracks(a: readonly STrack[], b: readonly STrack[]): STrack[] {
  const m = new Map<number, STrack>();
  for (const t of a) m.set(t.id, t);
  for (const t of b) m.delete(t.id);
  return [...m.values()];
}

/** Pairs costing more than `limit` (or NaN) become +∞, in place: a later bonus must not bring them in. */
export function refuseBeyond(cost: Float64Array, limit: number): void {
  for (let k = 0; k < cost.length; k++) if (!(cost[k]! <= limit)) cost[k] = Infinity;
}
