/**
 * Per-frame matching of ground-truth actors to tracks, for event checks and plots over time:
 * - 2D, per camera: IoU ≥ `iou`, optimal assignment with TrackEval's continuity rule (a pair matched in the
 *   previous frame is preferred, +1000 on its score), so an id switch is counted the way CLEAR counts it;
 * - world: ground-plane centre distance ≤ max(`distanceM`, half the actor's footprint diagonal) — a camera
 *   sees a bus's near face, metres from its centre — with the same continuity rule, closer pairs preferred.
 * - don't-care (2D, `minHeightPx`): as the metrics score (`applyDontCare`), tracks matched to ground truth
 *   shorter than `minHeightPx` are left out of the counts, and so are unmatched tracks shorter than it; such
 *   actors are neither TP nor FN and their matches do not count towards id switches. They still appear in
 *   `byCamera`, so that event checks see that the actor was tracked.
 * Pure: takes the decoded run, returns per frame `actor → track id` maps.
 */
import { linearSumAssignment } from '../assignment.ts';
import { dontCareFrame } from '../dontCare.ts';
import { groupBy } from '../rows.ts';
import { trackEvalIouMatrix } from '../sequence.ts';
import type { ObjectObs, RunData, TrackObs } from './readRun.ts';

/** Frame k: camera → (actor id → matched track), and the counts of that frame. */
export interface FrameMatches2D {
  byCamera: Map<string, Map<string, TrackObs>>;
  tp: number;
  fp: number;
  fn: number;
  idsw: number;
}

const CONTINUITY_BONUS = 1000;

/**
 * 2D matches of every frame. Ground-truth views count when `visibleFraction ≥ minVisibility` (TP / FN /
 * matching) and are at least `minHeightPx` tall (shorter ones are don't-care, see the module doc); IDSW
 * counts a change of the track an actor was last matched to in that camera.
 */
export function match2D(run: RunData, iou: number, minVisibility: number, minHeightPx = 0): FrameMatches2D[] {
  const prev = new Map<string, Map<string, number>>(); // camera → actor → track id matched in the last frame
  const last = new Map<string, Map<string, number>>(); // camera → actor → track id last matched, ever
  return run.gt.map((g, k) => {
    const frame: FrameMatches2D = { byCamera: new Map(), tp: 0, fp: 0, fn: 0, idsw: 0 };
    const tracksByCam = groupBy(run.tracks[k] ?? [], (t) => t.camera);
    const cams = new Set<string>(tracksByCam.keys());
    for (const a of g.actors) for (const v of a.cameras) cams.add(v.cameraId);
    for (const cam of [...cams].sort()) {
      const everyone = g.actors.flatMap((a) => {
        const v = a.cameras.find((c) => c.cameraId === cam);
        if (!v || v.visibleFraction < minVisibility || v.box.x2 <= v.box.x1 || v.box.y2 <= v.box.y1)
          return [];
        return [{ id: a.id, box: v.box }];
      });
      const all = tracksByCam.get(cam) ?? [];
      // Don't-care first (TrackEval's preprocessing): tracks on short ground truth, and short unmatched
      // tracks, leave the scoring; short actors leave it too.
      const dc = dontCareFrame(
        everyone.map((a) => a.box),
        everyone.map((a) => a.box.y2 - a.box.y1 < minHeightPx),
        all.map((t) => t.box),
        { threshold: iou, minHeightPx },
      );
      const ignoredMatches = new Map<string, TrackObs>();
      dc.matchedGt.forEach((i, j) => {
        if (!dc.keep[j] && i !== null) ignoredMatches.set(everyone[i]!.id, all[j]!);
      });
      const actors = everyone.filter((a) => !(a.box.y2 - a.box.y1 < minHeightPx));
      const tracks = all.filter((_, j) => dc.keep[j]);
      const sim = trackEvalIouMatrix(
        actors.map((a) => a.box),
        tracks.map((t) => t.box),
      );
      const p = prev.get(cam) ?? new Map<string, number>();
      const score = new Float64Array(sim.length);
      for (let i = 0; i < actors.length; i++) {
        for (let j = 0; j < tracks.length; j++) {
          const s = sim[i * tracks.length + j]!;
          score[i * tracks.length + j] =
            s >= iou - 1e-12 ? s + (p.get(actors[i]!.id) === tracks[j]!.id ? CONTINUITY_BONUS : 0) : 0;
        }
      }
      const asg = linearSumAssignment({ rows: actors.length, cols: tracks.length, data: score }, true);
      const matched = new Map<string, TrackObs>();
      const l = last.get(cam) ?? new Map<string, number>();
      asg.rows.forEach((i, n) => {
        const j = asg.cols[n]!;
        if (score[i * tracks.length + j]! <= 0) return;
        const a = actors[i]!.id;
        const t = tracks[j]!;
        matched.set(a, t);
        if (l.has(a) && l.get(a) !== t.id) frame.idsw++;
        l.set(a, t.id);
      });
      last.set(cam, l);
      prev.set(cam, new Map([...matched].map(([a, t]) => [a, t.id])));
      frame.tp += matched.size;
      frame.fn += actors.length - matched.size;
      frame.fp += tracks.length - matched.size;
      for (const [a, t] of ignoredMatches) matched.set(a, t);
      frame.byCamera.set(cam, matched);
    }
    return frame;
  });
}

/**
 * World matches of every frame: actor id → fused object, for actors visible (≥ `minVisibility` in some
 * camera) and objects within the gate of its centre (see the module doc).
 */
export function matchWorld(run: RunData, distanceM: number, minVisibility: number): Map<string, ObjectObs>[] {
  let prev = new Map<string, number>();
  return run.gt.map((g, k) => {
    const actors = g.actors.filter((a) => a.cameras.some((v) => v.visibleFraction >= minVisibility));
    const objects = run.objects[k] ?? [];
    const score = new Float64Array(actors.length * objects.length);
    actors.forEach((a, i) => {
      const gate = Math.max(distanceM, Math.hypot(a.boxWorld.size[0], a.boxWorld.size[1]) / 2);
      objects.forEach((o, j) => {
        const d = Math.hypot(a.boxWorld.center[0] - o.x, a.boxWorld.center[1] - o.y);
        // Positive score for a match, larger when closer; continuity first, as in 2D.
        score[i * objects.length + j] =
          d <= gate ? 1 + (gate - d) / gate + (prev.get(a.id) === o.id ? CONTINUITY_BONUS : 0) : 0;
      });
    });
    const asg = linearSumAssignment({ rows: actors.length, cols: objects.length, data: score }, true);
    const out = new Map<string, ObjectObs>();
    asg.rows.forEach((i, n) => {
      const j = asg.cols[n]!;
      if (score[i * objects.length + j]! > 0) out.set(actors[i]!.id, objects[j]!);
    });
    prev = new Map([...out].map(([a, o]) => [a, o.id]));
    return out;
  });
}
