/**
 * Size limits checked before anything is built or rendered. Scenery, ground tiles and window grids grow with
 * the map's extent, road length and object sizes, so a number a person can type (a road to x = 1e7, a 1e308 m
 * building) would otherwise exhaust memory minutes into a run. The limits sit far above the bundled scenarios
 * (maps ≤ 820 m, objects ≤ 40 m, six 640×360 cameras).
 */
import { buildRig } from '../rig.ts';
import { frameCount } from '../simulate.ts';
import { mapExtent, roadLength } from '../world/roads.ts';
import { fail } from './errors.ts';
import { Scenario } from './schema.ts';

/** Width and height of the map (given extent, or the roads' bounding box), m: 10 km keeps scenery < 0.5 GB. */
const MAX_MAP_M = 10_000;
/** All roads together, m (lane marks, curbs and auto scenery are laid along them). */
const MAX_ROAD_M = 50_000;
/** Any side of a static object, m (a 2 km building alone takes ~0.6 GB of window quads). */
const MAX_OBJECT_M = 500;
/** Any side of an actor or the ego, m (an articulated truck is ~25 m). */
const MAX_ACTOR_M = 50;
/** The schema's longest duration (s) and highest rate (Hz), for the hint of a scenario with no frame. */
const MAX_DURATION_S = Scenario.shape.duration.maxValue ?? Number.POSITIVE_INFINITY;
const MAX_RATE_HZ = Scenario.shape.rate.unwrap().maxValue ?? Number.POSITIVE_INFINITY;
/** Pixels rendered per frame over all cameras: six 4096×4096 cameras (~1.9 GB resident). */
const MAX_FRAME_PIXELS = 6 * 4096 * 4096;

export function checkLimits(s: Scenario, where: string): void {
  const n = frameCount(s);
  if (n < 1)
    fail(
      'duration',
      `${s.duration} s at ${s.rate} Hz gives no frame`,
      `make duration × rate at least 1 (e.g. ${frameFix(s.duration, s.rate)})`,
      where,
    );
  const [x0, y0, x1, y1] = mapExtent(s.map);
  const given = s.map.extent !== undefined;
  const m = given ? 0 : 60;
  const w = x1 - x0 - 2 * m;
  const h = y1 - y0 - 2 * m;
  if (!(w <= MAX_MAP_M && h <= MAX_MAP_M))
    fail(
      given ? 'map.extent' : 'map.roads',
      `the map is ${fmt(w)} × ${fmt(h)} m${given ? '' : ' (the roads’ bounding box)'}, over the ${MAX_MAP_M} m limit`,
      `keep the map within ${MAX_MAP_M / 1000} km on each side`,
      where,
    );
  const total = s.map.roads.reduce((a, r) => a + roadLength(r), 0);
  if (!(total <= MAX_ROAD_M))
    fail(
      'map.roads',
      `the roads are ${fmt(total)} m long in all, over the ${MAX_ROAD_M} m limit`,
      'use fewer or shorter roads',
      where,
    );
  s.map.objects.forEach((o, i) => {
    if (o.size && !o.size.every((d) => d <= MAX_OBJECT_M))
      fail(
        `map.objects[${i}].size`,
        `[${o.size.map(fmt).join(', ')}] m is over the ${MAX_OBJECT_M} m limit`,
        `use sizes up to ${MAX_OBJECT_M} m`,
        where,
      );
  });
  const big = (sz: readonly number[] | undefined) => sz !== undefined && !sz.every((d) => d <= MAX_ACTOR_M);
  if (big(s.ego.size))
    fail(
      'ego.size',
      `[${s.ego.size.map(fmt).join(', ')}] m is over the ${MAX_ACTOR_M} m limit`,
      `use sizes up to ${MAX_ACTOR_M} m`,
      where,
    );
  s.actors.forEach((a, i) => {
    if (big(a.size))
      fail(
        `actors[${i}].size`,
        `[${a.size!.map(fmt).join(', ')}] m is over the ${MAX_ACTOR_M} m limit`,
        `use sizes up to ${MAX_ACTOR_M} m`,
        where,
      );
  });
  const cams = buildRig(s.rig);
  const px = cams.reduce((a, c) => a + c.width * c.height, 0);
  if (px > MAX_FRAME_PIXELS)
    fail(
      s.rig.cameras ? 'rig.cameras' : 'rig',
      `${cams.length} cameras render ${(px / 1e6).toFixed(1)} Mpx a frame, over the ${(MAX_FRAME_PIXELS / 1e6).toFixed(1)} Mpx limit`,
      'use fewer cameras or smaller images (six 4096×4096 at most)',
      where,
    );
}

/**
 * Changes that give a scenario at least one frame within the schema's bounds (duration ≤ 600 s, rate ≤ 60 Hz):
 * `rate: 0.001` had been told "duration: 1000", which the schema refuses.
 */
function frameFix(duration: number, rate: number): string {
  const longer = Math.max(1, Math.ceil(1 / rate));
  const faster = Math.max(1, Math.ceil(1 / duration));
  const fixes = [
    ...(faster <= MAX_RATE_HZ ? [`rate: ${faster}`] : []),
    ...(longer <= MAX_DURATION_S ? [`duration: ${longer}`] : []),
  ];
  return fixes.length > 0 ? fixes.join(', or ') : 'duration: 1 and rate: 10';
}

function fmt(v: number): string {
  return Math.abs(v) < 1e6 ? String(Math.round(v * 10) / 10) : v.toExponential(1);
}
