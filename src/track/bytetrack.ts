/**
 * ByteTrack (Zhang et al., "ByteTrack: Multi-Object Tracking by Associating Every Detection Box", ECCV 2022),
 * following ifzhang/ByteTrack yolox/tracker/byte_tracker.py step by step so that the same detections give the
 * same tracks and ids. One step reads: split → predict → associate high → associate low → unconfirmed →
 * spawn → prune → merge lists → remove duplicates. Differences from the reference are deliberate and
 * configurable: the id counter lives in the instance, association can be class-gated, IoU can be GIoU.
 */
import type { Detection, Track2D } from '../contracts/perception.ts';
import { assign } from './assignment.ts';
import { appearanceCost, appearanceVeto, blendColours, coloursApart } from './appearance.ts';
import { groundKind, maxTimeLost, type TrackerConfig } from './config.ts';
import { boxToXyah } from '../geometry/box2d.ts';
import { type KalmanParams, kalmanGatingDistance, kalmanPredict, kalmanUpdate } from './kalman.ts';
import { type GroundObs, groundPredict } from './ground.ts';
import { groundApart, groundCost, groundNoise, observeGround } from './groundTracks.ts';
import {
  type CameraMotion,
  jointStracks,
  overlapCost,
  STrack,
  sameClassGroup,
  subStracks,
} from './strack.ts';

/** One frame's ground points (one per detection, null where none) and the frame's time in seconds. */
interface GroundFrame {
  points: readonly (GroundObs | null)[];
  tS: number;
}

export class ByteTracker {
  frameId = 0;
  private nextId = 0;
  private tracked: STrack[] = [];
  private lost: STrack[] = [];
  private readonly kp: KalmanParams;
  private readonly detThresh: number;
  private readonly maxLost: number;
  /** This frame's time (s) while ground points are in use, else null. */
  private groundT: number | null = null;
  /** The last frame time (s) the ground filters were run at. */
  private lastGroundT: number | null = null;

  constructor(private readonly cfg: TrackerConfig) {
    this.kp = { stdWeightPosition: cfg.stdWeightPosition, stdWeightVelocity: cfg.stdWeightVelocity };
    this.detThresh = cfg.trackThresh + cfg.newTrackMargin;
    this.maxLost = maxTimeLost(cfg);
  }

  /** Camera-motion compensation before `update`: every track's Kalman state warped by one affine or its own. */
  applyCameraMotion(warp: CameraMotion): void {
    for (const t of this.tracked) t.warp(warp);
    for (const t of this.lost) t.warp(warp);
  }

  /** One frame; `steps` frames elapsed since the previous call (1 in the reference). */
  update(
    dets: readonly Detection[],
    steps = 1,
    ground?: GroundFrame,
    colours?: readonly (Float32Array | null)[],
  ): Track2D[] {
    const cfg = this.cfg;
    // Ground time must move forward: stamps that repeat or go back would stop the filter predicting (its
    // covariance shrinking until it vetoes its own pedestrian) or give it negative process noise. Such frames
    // are left ungated and do not update the ground filters.
    const useGround =
      ground !== undefined &&
      cfg.groundGate > 0 &&
      (this.lastGroundT === null || ground.tS > this.lastGroundT);
    this.groundT = useGround ? ground.tS : null;
    if (useGround) this.lastGroundT = ground.tS;
    const useColours = colours !== undefined && cfg.appearanceWeight > 0;
    this.frameId += steps;
    const frameId = this.frameId;
    const activated: STrack[] = [];
    const refind: STrack[] = [];
    const lostNew: STrack[] = [];
    const removedNew: STrack[] = [];

    // Split: high-score (> τ_high) and low-score (τ_low < s < τ_high) detections, input order kept.
    const high: STrack[] = [];
    const low: STrack[] = [];
    dets.forEach((d, i) => {
      const list =
        d.score > cfg.trackThresh ? high : d.score > cfg.lowThresh && d.score < cfg.trackThresh ? low : null;
      if (!list) return;
      const s = STrack.fromDetection(d);
      // The detection's ground point, for the classes whose ground motion is modelled (`groundGate`).
      if (useGround && groundKind(this.cfg, d.cls) !== null) s.g = ground.points[i] ?? null;
      if (useColours && cfg.appearanceClasses.includes(d.cls)) s.a = colours[i] ?? null;
      list.push(s);
    });

    const unconfirmed: STrack[] = [];
    const trackedActive: STrack[] = [];
    for (const t of this.tracked) (t.activated ? trackedActive : unconfirmed).push(t);

    // First association: confirmed + lost tracks (Kalman-predicted) against high-score detections.
    const pool = jointStracks(trackedActive, this.lost);
    for (const t of pool) t.predict(this.kp, steps);
    if (useGround) {
      for (const t of pool)
        t.groundPred = t.ground
          ? groundPredict(t.ground, ground.tS, groundNoise(this.cfg, t.cls).accel)
          : null;
    }
    let cost = overlapCost(pool, high, cfg, cfg.fuseScore);
    if (useGround) groundCost(cfg, cost, pool, high, cfg.matchThresh);
    if (useColours) appearanceCost(cost, pool, high, cfg.matchThresh, cfg);
    const first = assign(cost, pool.length, high.length, cfg.matchThresh);
    for (const [it, id] of first.matches) {
      const t = pool[it]!;
      if (t.state === 'tracked') {
        this.updateTrack(t, high[id]!);
        activated.push(t);
      } else {
        this.reActivate(t, high[id]!);
        refind.push(t);
      }
    }

    // Second association: remaining tracked (not lost) tracks against low-score detections, plain IoU.
    const rTracked = first.unmatchedRows.map((i) => pool[i]!).filter((t) => t.state === 'tracked');
    cost = overlapCost(rTracked, low, cfg, false);
    if (useGround) groundCost(cfg, cost, rTracked, low, cfg.secondMatchThresh);
    if (useColours) appearanceCost(cost, rTracked, low, cfg.secondMatchThresh, cfg);
    const second = assign(cost, rTracked.length, low.length, cfg.secondMatchThresh);
    for (const [it, id] of second.matches) {
      const t = rTracked[it]!;
      if (t.state === 'tracked') {
        this.updateTrack(t, low[id]!);
        activated.push(t);
      } else {
        this.reActivate(t, low[id]!);
        refind.push(t);
      }
    }
    for (const it of second.unmatchedRows) {
      const t = rTracked[it]!;
      if (t.state !== 'lost') {
        if (this.exited(t)) {
          t.state = 'removed';
          removedNew.push(t);
          continue;
        }
        t.state = 'lost';
        lostNew.push(t);
      }
    }

    // Motion-gated recovery (off in the reference): the tracks both associations left unmatched (lost before or
    // just now) against the high-score detections the first one left over, by the Mahalanobis distance of the
    // detection from the track's Kalman prediction; a just-lost track recovered here stays tracked.
    let left = first.unmatchedCols.map((i) => high[i]!);
    if (cfg.recoverGate > 0) {
      const rLost = first.unmatchedRows.map((i) => pool[i]!).filter((t) => t.state === 'lost');
      // DeepSORT's matching cascade: the tracks missed for the fewest frames choose first.
      const ages = [...new Set(rLost.map((t) => frameId - t.frameId))].sort((a, b) => a - b);
      for (const age of ages) {
        if (left.length === 0) break;
        const level = rLost.filter((t) => frameId - t.frameId === age);
        cost = this.gatingCost(level, left);
        if (useGround) groundCost(cfg, cost, level, left, Infinity, 0);
        if (useColours && cfg.appearanceGate > 0) appearanceVeto(cost, level, left, cfg.appearanceGate);
        const rec = assign(cost, level.length, left.length, cfg.recoverGate);
        for (const [it, id] of rec.matches) {
          const t = level[it]!;
          const k = lostNew.indexOf(t);
          if (k >= 0) {
            lostNew.splice(k, 1);
            this.updateTrack(t, left[id]!);
            activated.push(t);
            continue;
          }
          this.reActivate(t, left[id]!);
          refind.push(t);
        }
        left = rec.unmatchedCols.map((i) => left[i]!);
      }
    }

    // Unconfirmed (one-frame) tracks against the high-score detections left over.
    cost = overlapCost(
      unconfirmed,
      left,
      { ...cfg, buffer: cfg.unconfirmedBuffer ?? cfg.buffer },
      cfg.fuseScore,
    );
    const third = assign(cost, unconfirmed.length, left.length, cfg.unconfirmedMatchThresh);
    for (const [it, id] of third.matches) {
      this.updateTrack(unconfirmed[it]!, left[id]!);
      activated.push(unconfirmed[it]!);
    }
    for (const it of third.unmatchedRows) {
      const t = unconfirmed[it]!;
      t.state = 'removed';
      removedNew.push(t);
    }

    // Spawn: leftover detections with score ≥ det_thresh start tracks (activated at once only in frame 1).
    for (const id of third.unmatchedCols) {
      const t = left[id]!;
      if (t.score < this.detThresh) continue;
      t.id = ++this.nextId;
      t.initiate(this.kp);
      t.state = 'tracked';
      t.activated = frameId === 1;
      t.frameId = frameId;
      t.startFrame = frameId;
      this.observe(t);
      if (this.groundT !== null) observeGround(this.cfg, t, t, this.groundT);
      this.observeColours(t, t);
      activated.push(t);
    }

    // Prune: lost longer than the buffer, or (with `imageWidth`) predicted out through the side edge its last
    // box touched: an object that has left the view cannot be seen again there, only mistaken for one entering.
    const gone = new Set<STrack>();
    for (const t of this.lost) {
      const exited = t.state === 'lost' && this.exited(t);
      if (frameId - t.frameId > this.maxLost || exited) {
        t.state = 'removed';
        removedNew.push(t);
        if (exited) gone.add(t);
      }
    }

    // Merge lists exactly as the reference (including its order of operations).
    let tracked = this.tracked.filter((t) => t.state === 'tracked');
    tracked = jointStracks(tracked, activated);
    tracked = jointStracks(tracked, refind);
    let lost = subStracks(this.lost, tracked);
    lost.push(...lostNew);
    // The reference filters before it marks this frame's removals, so a track pruned now stays in `lost` (and in
    // the next frame's first association) one more frame; kept for the buffer, not for a track that has exited.
    lost = lost.filter((t) => !t.everRemoved && !gone.has(t));
    for (const t of removedNew) t.everRemoved = true;
    [this.tracked, this.lost] = this.removeDuplicates(tracked, lost);

    return this.tracked
      .filter((t) => t.activated)
      .map((t) => t.toTrack2D(frameId, 'confirmed', cfg.outputBox));
  }

  idle(): boolean {
    return this.tracked.length === 0 && this.lost.length === 0;
  }

  /** All live tracks with their state: confirmed, tentative (not yet activated) or lost. */
  tracks(): Track2D[] {
    const out: Track2D[] = [];
    for (const t of this.tracked) {
      out.push(t.toTrack2D(this.frameId, t.activated ? 'confirmed' : 'tentative', this.cfg.outputBox));
    }
    for (const t of this.lost) {
      if (t.state === 'lost') out.push(t.toTrack2D(this.frameId, 'lost', this.cfg.outputBox));
    }
    return out;
  }

  private updateTrack(t: STrack, det: STrack): void {
    t.frameId = this.frameId;
    t.correct(det, this.kp);
    t.state = 'tracked';
    t.activated = true;
    this.observe(t);
    if (this.groundT !== null) observeGround(this.cfg, t, det, this.groundT);
    this.observeColours(t, det);
  }

  private reActivate(t: STrack, det: STrack): void {
    const gap = this.frameId - t.frameId;
    const last = t.lastObs;
    if (this.cfg.oru && gap > 1 && t.kfAtObs && last) {
      // OC-SORT's observation-centric re-update: back to the state at the last observation, then one
      // predict + update per frame of the gap with boxes interpolated between the last and the new observation.
      const kf = { mean: t.kfAtObs.mean.slice(), cov: t.kfAtObs.cov.slice() };
      const z0 = boxToXyah(last);
      const z1 = boxToXyah(det.det);
      for (let k = 1; k < gap; k++) {
        kalmanPredict(kf, this.kp, 1, kf);
        const f = k / gap;
        kalmanUpdate(
          kf,
          z0.map((v, i) => v + f * (z1[i]! - v)),
          this.kp,
          kf,
        );
      }
      kalmanPredict(kf, this.kp, 1, kf);
      t.kf = kf;
    }
    t.correct(det, this.kp);
    t.state = 'tracked';
    t.activated = true;
    t.frameId = this.frameId;
    this.observe(t);
    if (this.groundT !== null) observeGround(this.cfg, t, det, this.groundT);
    this.observeColours(t, det);
  }

  /** The track's colour average takes the matched detection's descriptor in. */
  private observeColours(t: STrack, det: STrack): void {
    if (det.a) t.app = blendColours(t === det ? null : t.app, det.a, this.cfg.appearanceMomentum);
  }

  /** ORU's bookkeeping (only with `oru`): the track's last observed box and its Kalman state right after it. */
  private observe(t: STrack): void {
    if (!this.cfg.oru || !t.kf) return;
    t.lastObs = t.det;
    if (t.kfAtObs) {
      t.kfAtObs.mean.set(t.kf.mean);
      t.kfAtObs.cov.set(t.kf.cov);
    } else t.kfAtObs = { mean: t.kf.mean.slice(), cov: t.kf.cov.slice() };
  }

  /** Recovery cost: squared Mahalanobis distance from the Kalman prediction, +∞ above the gate or across classes. */
  private gatingCost(tracks: readonly STrack[], dets: readonly STrack[]): Float64Array {
    const m = dets.length;
    const out = new Float64Array(tracks.length * m);
    const z = dets.map((d) => boxToXyah(d.det));
    for (let i = 0; i < tracks.length; i++) {
      const t = tracks[i]!;
      for (let j = 0; j < m; j++) {
        if ((this.cfg.classAware && !sameClassGroup(this.cfg.classGroups, dets[j]!.cls, t.cls)) || !t.kf) {
          out[i * m + j] = Infinity;
          continue;
        }
        const d2 = kalmanGatingDistance(t.kf, z[j]!, this.kp);
        out[i * m + j] = d2 <= this.cfg.recoverGate ? d2 : Infinity;
      }
    }
    return out;
  }

  /**
   * Field-of-view exit (off unless `imageWidth` is set): the last box touches the image's left or right edge
   * (not both) and the Kalman state predicts the box centre beyond that edge in the next frame.
   */
  private exited(t: STrack): boolean {
    const W = this.cfg.imageWidth;
    if (!(W > 0) || !t.kf) return false;
    const left = t.det.x1 <= 1;
    const right = t.det.x2 >= W - 1;
    if (left === right) return false;
    const cx = t.kf.mean[0]! + t.kf.mean[4]!;
    return left ? cx < 0 : cx > W;
  }

  /** remove_duplicate_stracks: tracked/lost pairs closer than duplicateThresh in IoU distance; keep the older. */
  private removeDuplicates(a: STrack[], b: STrack[]): [STrack[], STrack[]] {
    if (a.length === 0 || b.length === 0) return [a, b];
    const d = overlapCost(a, b, { ...this.cfg, cost: 'iou', buffer: 0 }, false);
    const dupA = new Set<number>();
    const dupB = new Set<number>();
    for (let p = 0; p < a.length; p++) {
      for (let q = 0; q < b.length; q++) {
        if (!(d[p * b.length + q]! < this.cfg.duplicateThresh)) continue;
        const gT = this.groundT;
        if (gT !== null && groundApart(this.cfg, a[p]!, b[q]!, gT)) continue;
        if (coloursApart(a[p]!, b[q]!, this.cfg)) continue;
        const timeP = a[p]!.frameId - a[p]!.startFrame;
        const timeQ = b[q]!.frameId - b[q]!.startFrame;
        if (timeP > timeQ) dupB.add(q);
        else dupA.add(p);
      }
    }
    return [a.filter((_, i) => !dupA.has(i)), b.filter((_, i) => !dupB.has(i))];
  }
}
