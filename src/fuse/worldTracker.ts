/**
 * The world-frame tracker: fuses ground measurements from every camera of a rig into objects with stable ids.
 * One step reads: predict → keep bindings → associate per camera → group new measurements across cameras →
 * update → spawn → merge → prune. A binding remembers which world object each (camera, 2D track) fed, so an object
 * keeps its id while a camera tracks it; when it enters the next camera, the new 2D track is associated by
 * Mahalanobis distance to the predicted position and inherits the id (hand-off); between cameras or through
 * short gaps the object coasts on its velocity for up to `maxCoastS`.
 */
import type { ViperClass } from '../contracts/classes.ts';
import type { Vec3 } from '../contracts/geometry.ts';
import type { WorldObject } from '../contracts/perception.ts';
import { nsToSec, type TimeNs } from '../contracts/time.ts';
import { wrapAngleMinusPiIncluded } from '../geometry/angle.ts';
import { assign } from '../track/assignment.ts';
import type { GroundMeasurement } from './measure.ts';
import { CLASS_GROUPS, CLASS_SIZE_PRIORS } from './priors.ts';
import {
  mahalanobis2,
  type WorldState,
  worldInitiate,
  worldInnovation,
  worldPredict,
  worldUpdate,
} from './worldKalman.ts';

export interface WorldTrackerConfig {
  /** Frame of the objects (the measurements' world frame). */
  frameId: string;
  /** Chi-square gate (2 dof) for associating a measurement with an object: 9.21 = 99 %. */
  gateChi2: number;
  /** Looser gate that keeps an existing (camera, track) → object binding. */
  bindingGateChi2: number;
  /** Two objects closer than this (χ², both covariances) and not seen by a common camera now are merged. */
  mergeGateChi2: number;
  /** White-acceleration noise of the motion model, m/s². */
  accelStd: number;
  /** Initial velocity standard deviation, m/s. */
  initVelStd: number;
  /** Updates (rig frames with a measurement) before an object is reported. */
  minHits: number;
  /** An object not measured for longer than this is deleted (s). */
  maxCoastS: number;
  /** Speed above which the heading follows the velocity (m/s). */
  minSpeedForYawMps: number;
  /** Smoothing factor of the heading towards the velocity direction, per update (0–1). */
  yawGain: number;
  /** Association across classes: 'strict' same class, 'group' (car/truck/bus; cyclist/motorcycle), 'none'. */
  classGate: 'strict' | 'group' | 'none';
}

export const DEFAULT_WORLD_TRACKER: WorldTrackerConfig = {
  frameId: 'odom',
  gateChi2: 9.21,
  bindingGateChi2: 25,
  mergeGateChi2: 4,
  accelStd: 3,
  // Road users move at 10–30 m/s in odom; a tight prior around 0 makes a new object lag its car by 3–5 m for
  // the first second (overtaking scenario), enough to lose the hand-off gate.
  initVelStd: 15,
  minHits: 2,
  // A camera that stops delivering for 2 s (camera_dropout) must not cost the objects it alone saw their ids.
  maxCoastS: 2.5,
  minSpeedForYawMps: 1,
  yawGain: 0.5,
  classGate: 'group',
};

interface WorldTrack {
  id: number;
  kf: WorldState;
  groundZ: number;
  yaw: number;
  classScore: Map<ViperClass, number>;
  hits: number;
  lastSeenNs: TimeNs;
  sources: { cameraId: string; trackId: number }[];
  /** Cameras whose measurements updated the object in this frame. */
  frameCams: string[];
}

export interface WorldTracker {
  /** Fuse one rig frame's measurements at time tNs; returns reported objects. `egoYaw` seeds new headings. */
  update(measurements: readonly GroundMeasurement[], tNs: TimeNs, egoYaw?: number): WorldObject[];
  readonly size: number;
}

export function createWorldTracker(config: Partial<WorldTrackerConfig> = {}): WorldTracker {
  const cfg: WorldTrackerConfig = { ...DEFAULT_WORLD_TRACKER, ...config };
  let tracks: WorldTrack[] = [];
  let nextId = 0;
  let lastNs: TimeNs | undefined;
  const bindings: Bindings = new Map();
  const newId = () => ++nextId;

  return {
    get size() {
      return tracks.length;
    },
    update(measurements, tNs, egoYaw = 0) {
      const dtS = lastNs === undefined ? 0 : Math.max(0, nsToSec(tNs - lastNs));
      lastNs = tNs;
      predict(tracks, dtS, cfg);
      const assigned: Assigned = new Map();
      const free = keepBindings(finiteSorted(measurements), tracks, bindings, assigned, cfg);
      const leftover = associatePerCamera(free, tracks, assigned, cfg);
      const groups = groupAcrossCameras(leftover, cfg);
      updateAssigned(assigned, bindings, tNs, cfg);
      spawn(groups, tracks, bindings, tNs, egoYaw, newId, cfg);
      tracks = merge(tracks, bindings, cfg);
      tracks = prune(tracks, bindings, tNs, cfg);
      return tracks
        .filter((t) => t.hits >= cfg.minHits)
        .map((t) => toWorldObject(t, classOf(t), cfg.frameId));
    },
  };
}

/** `${cameraId}\0${trackId}` → object id and when it last fed it. */
type Bindings = Map<string, { id: number; tNs: TimeNs }>;
/** The measurements that feed each existing object in this frame, in the order they were taken. */
type Assigned = Map<WorldTrack, GroundMeasurement[]>;

function classOk(cfg: WorldTrackerConfig, a: ViperClass, b: ViperClass): boolean {
  return (
    cfg.classGate === 'none' || (cfg.classGate === 'strict' ? a === b : CLASS_GROUPS[a] === CLASS_GROUPS[b])
  );
}

/** The class with the highest accumulated score (the first of equals; 'car' when none). */
function classOf(t: WorldTrack): ViperClass {
  let best: ViperClass = 'car';
  let bestScore = -1;
  for (const [c, s] of t.classScore) {
    if (s > bestScore) {
      best = c;
      bestScore = s;
    }
  }
  return best;
}

function bindingKey(m: GroundMeasurement): string {
  return `${m.cameraId}\u0000${m.trackId}`;
}

/** Assign `m` to `t` for this frame. */
function take(assigned: Assigned, t: WorldTrack, m: GroundMeasurement): void {
  let list = assigned.get(t);
  if (!list) {
    list = [];
    assigned.set(t, list);
  }
  list.push(m);
  t.frameCams.push(m.cameraId); // one measurement per camera per object
}

/** predict: move every object to this frame's time and clear its per-frame sources. */
function predict(tracks: readonly WorldTrack[], dtS: number, cfg: WorldTrackerConfig): void {
  for (const t of tracks) {
    worldPredict(t.kf, dtS, cfg.accelStd, t.kf);
    t.sources = [];
    t.frameCams = [];
  }
}

/** The finite measurements, by camera, then 2D track id. */
function finiteSorted(measurements: readonly GroundMeasurement[]): GroundMeasurement[] {
  // A non-finite measurement (NaN pose or calibration upstream) would turn every object it touches into NaN.
  return measurements
    .filter(finiteMeasurement)
    .sort((a, b) => (a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : a.trackId - b.trackId));
}

/**
 * keep bindings: a 2D track keeps feeding its object while it stays within the loose gate. Returns the
 * measurements left free.
 */
function keepBindings(
  sorted: readonly GroundMeasurement[],
  tracks: readonly WorldTrack[],
  bindings: Bindings,
  assigned: Assigned,
  cfg: WorldTrackerConfig,
): GroundMeasurement[] {
  const byId = new Map(tracks.map((t) => [t.id, t]));
  const free: GroundMeasurement[] = [];
  for (const m of sorted) {
    const b = bindings.get(bindingKey(m));
    const t = b ? byId.get(b.id) : undefined;
    if (t && !t.frameCams.includes(m.cameraId) && classOk(cfg, classOf(t), m.cls)) {
      const { nu, S } = worldInnovation(t.kf, m.position, m.cov);
      if (mahalanobis2(nu, S) <= cfg.bindingGateChi2) {
        take(assigned, t, m);
        continue;
      }
    }
    free.push(m);
  }
  return free;
}

/**
 * associate per camera (sorted), optimal assignment on Mahalanobis distance within the gate. Returns the
 * measurements no object took.
 */
function associatePerCamera(
  free: readonly GroundMeasurement[],
  tracks: readonly WorldTrack[],
  assigned: Assigned,
  cfg: WorldTrackerConfig,
): GroundMeasurement[] {
  const cams = [...new Set(free.map((m) => m.cameraId))];
  const trackCls = tracks.map(classOf);
  const leftover: GroundMeasurement[] = [];
  for (const cam of cams) {
    const ms = free.filter((m) => m.cameraId === cam);
    const cost = new Float64Array(ms.length * tracks.length);
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i]!;
      for (let j = 0; j < tracks.length; j++) {
        const t = tracks[j]!;
        let c = Infinity;
        if (classOk(cfg, trackCls[j]!, m.cls) && !t.frameCams.includes(cam)) {
          const P = t.kf.P;
          c = mahalanobis2Raw(
            m.position[0] - t.kf.x[0]!,
            m.position[1] - t.kf.x[1]!,
            P[0]! + m.cov[0],
            P[1]! + m.cov[1],
            P[4]! + m.cov[2],
            P[5]! + m.cov[3],
          );
        }
        cost[i * tracks.length + j] = c;
      }
    }
    const r = assign(cost, ms.length, tracks.length, cfg.gateChi2);
    for (const [i, j] of r.matches) take(assigned, tracks[j]!, ms[i]!);
    for (const i of r.unmatchedRows) leftover.push(ms[i]!);
  }
  return leftover;
}

/** group leftovers across cameras (overlapping views): greedy, nearest compatible group within the gate. */
function groupAcrossCameras(
  leftover: readonly GroundMeasurement[],
  cfg: WorldTrackerConfig,
): GroundMeasurement[][] {
  const groups: GroundMeasurement[][] = [];
  for (const m of leftover) {
    let best: GroundMeasurement[] | undefined;
    let bestD = cfg.gateChi2;
    for (const g of groups) {
      if (g.some((x) => x.cameraId === m.cameraId) || !classOk(cfg, g[0]!.cls, m.cls)) continue;
      const f = g[0]!;
      const S = [f.cov[0] + m.cov[0], f.cov[1] + m.cov[1], f.cov[2] + m.cov[2], f.cov[3] + m.cov[3]];
      const d = mahalanobis2([m.position[0] - f.position[0], m.position[1] - f.position[1]], S);
      if (d <= bestD) {
        bestD = d;
        best = g;
      }
    }
    if (best) best.push(m);
    else groups.push([m]);
  }
  return groups;
}

/** update: each object with the measurements it took, then its hits, last-seen time and heading. */
function updateAssigned(assigned: Assigned, bindings: Bindings, tNs: TimeNs, cfg: WorldTrackerConfig): void {
  for (const [t, ms] of assigned) {
    for (const m of ms) {
      worldUpdate(t.kf, m.position, m.cov, t.kf);
      t.groundZ += 0.3 * (m.position[2] - t.groundZ);
      t.classScore.set(m.cls, (t.classScore.get(m.cls) ?? 0) + m.score);
      t.sources.push({ cameraId: m.cameraId, trackId: m.trackId });
      bindings.set(bindingKey(m), { id: t.id, tNs });
    }
    t.hits += 1;
    t.lastSeenNs = tNs;
    const vx = t.kf.x[2]!;
    const vy = t.kf.x[3]!;
    if (Math.hypot(vx, vy) >= cfg.minSpeedForYawMps) {
      t.yaw = wrapAngleMinusPiIncluded(
        t.yaw + cfg.yawGain * wrapAngleMinusPiIncluded(Math.atan2(vy, vx) - t.yaw),
      );
    }
  }
}

/** spawn: one new object per group, appended to `tracks`, updated with each of the group's measurements. */
function spawn(
  groups: readonly GroundMeasurement[][],
  tracks: WorldTrack[],
  bindings: Bindings,
  tNs: TimeNs,
  egoYaw: number,
  newId: () => number,
  cfg: WorldTrackerConfig,
): void {
  for (const g of groups) {
    const first = g[0]!;
    const t: WorldTrack = {
      id: newId(),
      kf: worldInitiate(first.position, first.cov, cfg.initVelStd),
      groundZ: first.position[2],
      yaw: egoYaw,
      classScore: new Map(),
      hits: 1,
      lastSeenNs: tNs,
      sources: [],
      frameCams: g.map((m) => m.cameraId),
    };
    for (let k = 0; k < g.length; k++) {
      const m = g[k]!;
      if (k > 0) worldUpdate(t.kf, m.position, m.cov, t.kf);
      t.classScore.set(m.cls, (t.classScore.get(m.cls) ?? 0) + m.score);
      t.sources.push({ cameraId: m.cameraId, trackId: m.trackId });
      bindings.set(bindingKey(m), { id: t.id, tNs });
    }
    tracks.push(t);
  }
}

/**
 * merge: two objects that are one (e.g. born from two cameras that each saw part of it, or a coasting object and
 * its successor): within the merge gate of each other and not fed by a common camera in this frame. The older
 * absorbs the younger; returns the objects left.
 */
function merge(tracks: WorldTrack[], bindings: Bindings, cfg: WorldTrackerConfig): WorldTrack[] {
  const dead = new Set<WorldTrack>();
  const cls = new Map(tracks.map((t) => [t, classOf(t)]));
  for (let i = 0; i < tracks.length; i++) {
    const a = tracks[i]!; // tracks are in id order: a is the older
    for (let j = i + 1; j < tracks.length && !dead.has(a); j++) {
      const b = tracks[j]!;
      if (dead.has(b)) continue;
      const Pa = a.kf.P;
      const Pb = b.kf.P;
      const d = mahalanobis2Raw(
        b.kf.x[0]! - a.kf.x[0]!,
        b.kf.x[1]! - a.kf.x[1]!,
        Pa[0]! + Pb[0]!,
        Pa[1]! + Pb[1]!,
        Pa[4]! + Pb[4]!,
        Pa[5]! + Pb[5]!,
      );
      if (d > cfg.mergeGateChi2 || !classOk(cfg, cls.get(a)!, cls.get(b)!)) continue;
      if (a.frameCams.some((c) => b.frameCams.includes(c))) continue;
      worldUpdate(a.kf, [b.kf.x[0]!, b.kf.x[1]!], [Pb[0]!, Pb[1]!, Pb[4]!, Pb[5]!], a.kf);
      a.hits = Math.max(a.hits, b.hits);
      if (b.lastSeenNs > a.lastSeenNs) a.lastSeenNs = b.lastSeenNs;
      a.sources.push(...b.sources);
      a.frameCams.push(...b.frameCams);
      for (const [c, v] of b.classScore) a.classScore.set(c, (a.classScore.get(c) ?? 0) + v);
      for (const bd of bindings.values()) if (bd.id === b.id) bd.id = a.id;
      dead.add(b);
    }
  }
  return dead.size > 0 ? tracks.filter((t) => !dead.has(t)) : tracks;
}

/** prune: objects unseen too long, tentative objects that missed a frame, stale bindings. Returns the objects left. */
function prune(
  tracks: readonly WorldTrack[],
  bindings: Bindings,
  tNs: TimeNs,
  cfg: WorldTrackerConfig,
): WorldTrack[] {
  const maxCoastNs = BigInt(Math.round(cfg.maxCoastS * 1e9));
  const kept = tracks.filter(
    (t) => tNs - t.lastSeenNs <= maxCoastNs && (t.hits >= cfg.minHits || t.lastSeenNs === tNs),
  );
  const alive = new Set(kept.map((t) => t.id));
  for (const [k, b] of bindings) if (!alive.has(b.id) || tNs - b.tNs > maxCoastNs) bindings.delete(k);
  return kept;
}

function toWorldObject(t: WorldTrack, cls: ViperClass, frameId: string): WorldObject {
  const size: Vec3 = [...CLASS_SIZE_PRIORS[cls]];
  return {
    id: t.id,
    cls,
    frameId,
    box: { center: [t.kf.x[0]!, t.kf.x[1]!, t.groundZ + size[2] / 2], size, yaw: t.yaw },
    velocity: [t.kf.x[2]!, t.kf.x[3]!, 0],
    positionCovariance: [t.kf.P[0]!, t.kf.P[1]!, t.kf.P[4]!, t.kf.P[5]!],
    sources: t.sources,
  };
}

function finiteMeasurement(m: GroundMeasurement): boolean {
  return m.position.every(Number.isFinite) && m.cov.every(Number.isFinite);
}

/** νᵀ S⁻¹ ν for ν = (a, b), S = [[s00, s01], [s10, s11]], without allocating. */
function mahalanobis2Raw(a: number, b: number, s00: number, s01: number, s10: number, s11: number): number {
  const det = s00 * s11 - s01 * s10;
  if (!(det > 0)) return Infinity;
  return (s11 * a * a - (s01 + s10) * a * b + s00 * b * b) / det;
}
