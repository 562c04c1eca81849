/**
 * The ground-plane cues of ByteTrack's associations (`groundGate`, `groundWeight`, the edge gate; see ground.ts for
 * the filter itself): a track's ground filter update, the gate and ground-fit term of a cost matrix, and the
 * duplicate exception. Functions of the tracker's configuration and the frame's ground time, kept apart from
 * bytetrack.ts so that the reference's steps stay readable there.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { groundKind, type TrackerConfig } from './config.ts';
import { EDGE_MARGIN_PX, groundDistance, groundInit, groundPredict, groundUpdate } from './ground.ts';
import { refuseBeyond, type STrack } from './strack.ts';

/** The ground filter's process noise and initial velocity spread for a class. */
export function groundNoise(cfg: TrackerConfig, cls: STrack['cls']): { accel: number; vel: number } {
  return groundKind(cfg, cls) === 'edge'
    ? { accel: cfg.groundEdgeAccelStd, vel: cfg.groundEdgeVelStd }
    : { accel: cfg.groundAccelStd, vel: cfg.groundVelStd };
}

/** Ground filter update of `t` with the matched detection's ground point at time `tS` (s). */
export function observeGround(cfg: TrackerConfig, t: STrack, det: STrack, tS: number): void {
  const z = det.g;
  if (!z) return;
  const noise = groundNoise(cfg, t.cls);
  const pred = t.ground
    ? t.groundPred?.tS === tS
      ? t.groundPred
      : groundPredict(t.ground, tS, noise.accel)
    : null;
  if (!pred) {
    t.groundCutOnly = z.clipped === true;
  } else if (t.groundCutOnly && !z.clipped && groundKind(cfg, t.cls) === 'all') {
    // A pedestrian seen so far only cut by a side edge (a sliver may not show the whole height, so its range
    // can be metres off and the filter learns a false speed from it) restarts from its first whole box.
    t.groundCutOnly = false;
    t.ground = groundInit(z, noise.vel, tS);
    return;
  }
  t.ground = pred ? groundUpdate(pred, z) : groundInit(z, noise.vel, tS);
}

/**
 * The box touches the image's left or right edge (within the margin of ground.ts). Needs `imageWidth` (the
 * track stage sets it per camera); without it only the detection side of the edge gate acts.
 */
function atSideEdge(cfg: TrackerConfig, box: Box2D): boolean {
  const W = cfg.imageWidth;
  return W > 0 && (box.x1 <= EDGE_MARGIN_PX || box.x2 >= W - EDGE_MARGIN_PX);
}

/**
 * Ground-plane gate: a pair of a track with a ground filter and a detection with a ground point gets cost +∞
 * when the point lies beyond `groundGate` (squared Mahalanobis distance d²) from the track's predicted one.
 * With `weight` > 0, a pedestrian pair (`groundClasses`) inside the gate and within `limit` costs
 * weight · (1 − d² / groundGate) less: where two tracks' boxes overlap a detection alike (two pedestrians
 * crossing), the one whose ground point fits takes it. The limit is left as it is and pairs beyond it are
 * refused before the bonus, so the pairs the assignment may accept are those the overlap cost accepts, and
 * pairs without a ranked ground distance (other classes, no ground point) cost what they did.
 */
export function groundCost(
  cfg: TrackerConfig,
  cost: Float64Array,
  tracks: readonly STrack[],
  dets: readonly STrack[],
  limit: number,
  weight = cfg.groundWeight,
): void {
  const m = dets.length;
  const gate = cfg.groundGate;
  if (weight > 0) refuseBeyond(cost, limit);
  for (let i = 0; i < tracks.length; i++) {
    const p = tracks[i]!.groundPred;
    if (!p) continue;
    // Edge-gated classes: only where the detection or the track's last box is cut by a side edge, and as a
    // veto only (their ground points, from boxes cut by the edge, are too rough to rank pairs by).
    const kind = groundKind(cfg, tracks[i]!.cls);
    const edgeOnly = kind === 'edge' && !atSideEdge(cfg, tracks[i]!.det);
    const w = kind === 'all' ? weight : 0;
    for (let j = 0; j < m; j++) {
      const z = dets[j]!.g;
      const k = i * m + j;
      if (!z || (edgeOnly && !z.clipped) || cost[k] === Infinity) continue;
      const d2 = groundDistance(p, z);
      cost[k] = d2 > gate ? Infinity : cost[k]! - w * (1 - d2 / gate);
    }
  }
}

/**
 * Two tracks whose ground filters place them farther apart than the ground gate at time `tS` are not duplicates,
 * however their boxes overlap: a track born from a detection that the gate refused to a lost track must not be
 * removed as that lost track's duplicate.
 */
export function groundApart(cfg: TrackerConfig, a: STrack, b: STrack, tS: number): boolean {
  if (groundKind(cfg, a.cls) !== 'all' || groundKind(cfg, b.cls) !== 'all') return false;
  const sa = a.ground?.tS === tS ? a.ground : a.groundPred;
  const sb = b.ground?.tS === tS ? b.ground : b.groundPred;
  if (!sa || !sb || sa.tS !== tS || sb.tS !== tS) return false;
  const P = sa.cov;
  return (
    groundDistance(sb, { x: sa.mean[0], y: sa.mean[1], cov: [P[0]!, P[1]!, P[4]!, P[5]!] }) > cfg.groundGate
  );
}
