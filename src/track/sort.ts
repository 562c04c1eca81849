/**
 * SORT (Bewley et al., "Simple Online and Realtime Tracking", ICIP 2016; abewley/sort): one association of all
 * detections by IoU, a track is reported once it has `minHits` consecutive hits (or during the first `minHits`
 * frames), and deleted after `maxAge` frames without a match. Differences from abewley/sort: the Kalman filter
 * is ByteTrack's [cx, cy, a, h] one (SORT uses [u, v, s, r]), and the assignment is the thresholded optimum
 * (SORT solves the unthresholded problem and then drops pairs below the IoU threshold).
 */
import type { Detection, Track2D } from '../contracts/perception.ts';
import { assign } from './assignment.ts';
import type { TrackerConfig } from './config.ts';
import type { KalmanParams } from './kalman.ts';
import { type CameraMotion, overlapCost, STrack } from './strack.ts';

export class SortTracker {
  frameId = 0;
  private nextId = 0;
  private live: STrack[] = [];
  private readonly kp: KalmanParams;

  constructor(private readonly cfg: TrackerConfig) {
    this.kp = { stdWeightPosition: cfg.stdWeightPosition, stdWeightVelocity: cfg.stdWeightVelocity };
  }

  applyCameraMotion(warp: CameraMotion): void {
    for (const t of this.live) t.warp(warp);
  }

  update(dets: readonly Detection[], steps = 1): Track2D[] {
    const cfg = this.cfg;
    this.frameId += steps;
    // Predict: SORT resets the hit streak of a track that missed the previous frame.
    for (const t of this.live) {
      t.predict(this.kp, steps);
      if (t.timeSinceUpdate > 0) t.hitStreak = 0;
      t.timeSinceUpdate += steps;
    }
    const cand = dets.filter((d) => d.score >= cfg.sortScoreThresh).map((d) => STrack.fromDetection(d));
    const cost = overlapCost(this.live, cand, cfg, false, 0);
    const r = assign(cost, this.live.length, cand.length, 1 - cfg.sortIouThresh);
    for (const [i, j] of r.matches) {
      const t = this.live[i]!;
      t.correct(cand[j]!, this.kp);
      t.timeSinceUpdate = 0;
      t.hitStreak += 1;
      t.frameId = this.frameId;
    }
    for (const j of r.unmatchedCols) {
      const t = cand[j]!;
      t.id = ++this.nextId;
      t.initiate(this.kp);
      t.state = 'tracked';
      t.frameId = this.frameId;
      t.startFrame = this.frameId;
      t.hitStreak = 1;
      this.live.push(t);
    }
    const out: Track2D[] = [];
    for (const t of this.live) {
      if (t.timeSinceUpdate < 1 && this.isConfirmed(t))
        out.push(t.toTrack2D(this.frameId, 'confirmed', cfg.outputBox));
    }
    this.live = this.live.filter((t) => t.timeSinceUpdate <= cfg.maxAge);
    return out;
  }

  idle(): boolean {
    return this.live.length === 0;
  }

  tracks(): Track2D[] {
    return this.live.map((t) =>
      t.toTrack2D(
        this.frameId,
        t.timeSinceUpdate > 0 ? 'lost' : this.isConfirmed(t) ? 'confirmed' : 'tentative',
        this.cfg.outputBox,
      ),
    );
  }

  private isConfirmed(t: STrack): boolean {
    return t.hitStreak >= this.cfg.minHits || this.frameId <= this.cfg.minHits;
  }
}
