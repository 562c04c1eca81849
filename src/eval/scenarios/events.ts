/**
 * Event expectations of a scenario's `expect` block, checked on per-frame matches (see frameMatch.ts):
 * - `tracked_within`: from the first frame the actor is ≥ `minVisible` visible (in `camera`, or any camera), a
 *   confirmed track is matched to it within `seconds`;
 * - `no_id_switch`: the track matched to the actor never changes (in `camera`; without one, its world id);
 * - `single_world_id`: in the frames the actor is visible, one world id covers ≥ `minFraction` of them;
 * - `not_detected`: the actor is matched to a track in at most `maxFrames` frames.
 */
import type { EventExpectation } from '../../sim/scenario/expect.ts';
import type { FrameMatches2D } from './frameMatch.ts';
import type { ObjectObs, RunData } from './readRun.ts';

export interface CheckResult {
  kind: 'metric' | 'event';
  /** What was checked, e.g. `MOTA[class=car] ≥ 0.6` or `tracked_within P1 ≤ 0.5 s`. */
  name: string;
  ok: boolean;
  /** The measured value (null when it could not be measured). */
  value: number | null;
  /** One line: the value against the threshold, or why it failed. */
  detail: string;
}

export interface EventContext {
  run: RunData;
  matches2D: FrameMatches2D[];
  /** Null when the results hold no world objects (fusion did not run). */
  matchesWorld: Map<string, ObjectObs>[] | null;
  /** Visibility an actor needs to count as visible for world-id checks. */
  minVisibility: number;
  /**
   * Box height (px) under which a view is don't-care in the metrics: such frames do not count as visible either
   * (an actor 3 px tall is scored by nothing, and a check timed from it blamed the tracker for the detector's reach).
   */
  minHeightPx: number;
}

const fmt = (x: number, d = 2) => (Number.isInteger(x) ? String(x) : x.toFixed(d));

/** `≥ 0.5 visible and ≥ 8 px tall`: what counts as visible to an event check, as its details say it. */
const visibleAs = (min: number, minHeightPx: number) =>
  `≥ ${min} visible${minHeightPx > 0 ? ` and ≥ ${minHeightPx} px tall` : ''}`;

function seconds(run: RunData, k: number): number {
  return Number(run.stampsNs[k]! - run.stampsNs[0]!) / 1e9;
}

/**
 * Frames (indexes) where the actor is visible at least `min` in `camera` (or any camera), in a box at least
 * `minHeightPx` tall there.
 */
function visibleFrames(
  run: RunData,
  actor: string,
  min: number,
  minHeightPx: number,
  camera?: string,
): number[] {
  const out: number[] = [];
  run.gt.forEach((g, k) => {
    const a = g.actors.find((x) => x.id === actor);
    const seen = a?.cameras.some(
      (v) =>
        (camera === undefined || v.cameraId === camera) &&
        v.visibleFraction >= min &&
        v.box.y2 - v.box.y1 >= minHeightPx,
    );
    if (seen) out.push(k);
  });
  return out;
}

/** Track ids matched to the actor, frame by frame (`undefined` where unmatched). */
function matchedIds(
  ctx: EventContext,
  actor: string,
  camera?: string,
  confirmedOnly = false,
): (number | undefined)[] {
  return ctx.matches2D.map((f) => {
    const cams = camera === undefined ? [...f.byCamera.keys()] : [camera];
    for (const c of cams) {
      const t = f.byCamera.get(c)?.get(actor);
      if (t && (!confirmedOnly || t.confirmed)) return t.id;
    }
    return undefined;
  });
}

function switches(ids: readonly (number | undefined)[]): { count: number; matched: number } {
  let last: number | undefined;
  let count = 0;
  let matched = 0;
  for (const id of ids) {
    if (id === undefined) continue;
    matched++;
    if (last !== undefined && id !== last) count++;
    last = id;
  }
  return { count, matched };
}

/** Check one event expectation. */
export function checkEvent(e: EventExpectation, ctx: EventContext): CheckResult {
  const { run } = ctx;
  const where = 'camera' in e && e.camera ? ` in ${e.camera}` : '';
  switch (e.type) {
    case 'tracked_within': {
      const name = `tracked_within ${e.actor}${where} ≤ ${e.seconds} s`;
      const vis = visibleFrames(run, e.actor, e.minVisible, ctx.minHeightPx, e.camera);
      if (vis.length === 0) {
        return {
          kind: 'event',
          name,
          ok: false,
          value: null,
          detail: `${e.actor} is never ${visibleAs(e.minVisible, ctx.minHeightPx)}${where}`,
        };
      }
      const k0 = vis[0]!;
      const ids = matchedIds(ctx, e.actor, e.camera, true);
      const k1 = ids.findIndex((id, k) => k >= k0 && id !== undefined);
      const t0 = seconds(run, k0);
      if (k1 < 0) {
        return {
          kind: 'event',
          name,
          ok: false,
          value: null,
          detail: `${e.actor} ${visibleAs(e.minVisible, ctx.minHeightPx)} from ${fmt(t0)} s, never tracked`,
        };
      }
      const delay = seconds(run, k1) - t0;
      return {
        kind: 'event',
        name,
        ok: delay <= e.seconds + 1e-9,
        value: delay,
        detail: `tracked ${fmt(delay)} s after becoming ${visibleAs(e.minVisible, ctx.minHeightPx)} at ${fmt(t0)} s (needs ≤ ${e.seconds} s)`,
      };
    }
    case 'no_id_switch': {
      const name = `no_id_switch ${e.actor}${e.camera ? where : ' (world id)'}`;
      let ids: (number | undefined)[];
      if (e.camera) ids = matchedIds(ctx, e.actor, e.camera);
      else if (ctx.matchesWorld) ids = ctx.matchesWorld.map((m) => m.get(e.actor)?.id);
      else
        return {
          kind: 'event',
          name,
          ok: false,
          value: null,
          detail: 'no /perception/objects in the results (fusion off): world id not measurable',
        };
      const s = switches(ids);
      if (s.matched === 0)
        return {
          kind: 'event',
          name,
          ok: false,
          value: null,
          detail: e.camera
            ? `${e.actor} is never matched to a track in ${e.camera}`
            : `${e.actor} is never matched to a fused world object (its 2D tracks are not checked here)`,
        };
      return {
        kind: 'event',
        name,
        ok: s.count === 0,
        value: s.count,
        detail: `${s.count} id switches over ${s.matched} matched frames`,
      };
    }
    case 'single_world_id': {
      const name = `single_world_id ${e.actor} ≥ ${e.minFraction}`;
      if (!ctx.matchesWorld) {
        return {
          kind: 'event',
          name,
          ok: false,
          value: null,
          detail: 'no /perception/objects in the results (fusion off)',
        };
      }
      const vis = visibleFrames(run, e.actor, ctx.minVisibility, ctx.minHeightPx);
      if (vis.length === 0) {
        return {
          kind: 'event',
          name,
          ok: false,
          value: null,
          detail: `${e.actor} is never ${visibleAs(ctx.minVisibility, ctx.minHeightPx)}`,
        };
      }
      const counts = new Map<number, number>();
      for (const k of vis) {
        const id = ctx.matchesWorld[k]!.get(e.actor)?.id;
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const [bestId, best] = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [undefined, 0];
      const frac = best / vis.length;
      return {
        kind: 'event',
        name,
        ok: frac >= e.minFraction - 1e-12,
        value: frac,
        detail:
          bestId === undefined
            ? `no fused world object is matched to ${e.actor} in its ${vis.length} visible frames (needs ≥ ${fmt(100 * e.minFraction, 1)}%)`
            : `world id ${bestId} covers ${best}/${vis.length} visible frames (${fmt(100 * frac, 1)}%, ${counts.size} ids; needs ≥ ${fmt(100 * e.minFraction, 1)}%)`,
      };
    }
    case 'not_detected': {
      const name = `not_detected ${e.actor} ≤ ${e.maxFrames} frames`;
      const n = matchedIds(ctx, e.actor).filter((id) => id !== undefined).length;
      return {
        kind: 'event',
        name,
        ok: n <= e.maxFrames,
        value: n,
        detail: `matched to a track in ${n} frames (needs ≤ ${e.maxFrames})`,
      };
    }
  }
}
