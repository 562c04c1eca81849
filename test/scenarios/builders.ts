/** Builders of decoded runs (RunData) for the scenario checks' unit tests: actors move along x, one camera. */
import type { Box2D } from '../../src/contracts/geometry.ts';
import type { GtActor } from '../../src/contracts/perception.ts';
import type { ObjectObs, RunData, TrackObs } from '../../src/eval/scenarios/readRun.ts';
import type { Expect } from '../../src/sim/scenario/expect.ts';

function box(x: number, w = 20): Box2D {
  return { x1: x, y1: 10, x2: x + w, y2: 60 };
}

/** Ground-truth actor in camera `cam` at pixel x (and world x = px / 10), visible `vis`. */
export function actor(
  id: string,
  px: number,
  vis = 1,
  cls: GtActor['cls'] = 'car',
  cam = 'cam_front',
): GtActor {
  const b = {
    center: [px / 10, 0, 0.8] as [number, number, number],
    size: [4.5, 1.9, 1.6] as [number, number, number],
    yaw: 0,
  };
  return {
    id,
    cls,
    boxWorld: b,
    boxEgo: b,
    velocity: [0, 0, 0],
    cameras: [{ cameraId: cam, box: box(px), visibleFraction: vis }],
  };
}

export function track(id: number, px: number, cls = 'car', confirmed = true, camera = 'cam_front'): TrackObs {
  return { camera, id, cls, box: box(px), score: 0.9, confirmed };
}

export function object(id: number, x: number, cls = 'car'): ObjectObs {
  return { id, cls, x, y: 0 };
}

/** A run of `frames` frames at 10 Hz; `at(k)` gives that frame's actors, tracks and objects. */
export function run(
  frames: number,
  at: (k: number) => { actors?: GtActor[]; tracks?: TrackObs[]; objects?: ObjectObs[] },
): RunData {
  const per = Array.from({ length: frames }, (_, k) => at(k));
  const stampsNs = per.map((_, k) => 1_000_000_000_000n + BigInt(k) * 100_000_000n);
  return {
    stampsNs,
    gt: per.map((p, k) => ({ stampNs: String(stampsNs[k]), actors: p.actors ?? [] })),
    tracks: per.map((p) => p.tracks ?? []),
    objects: per.map((p) => p.objects ?? []),
    hasTracks: true,
    hasObjects: per.some((p) => p.objects !== undefined),
    runMessages: [],
    unlabelled: 0,
    cameras: [],
  };
}

export function expectBlock(e: Partial<Expect>): Expect {
  return { metrics: e.metrics ?? [], events: e.events ?? [] };
}
