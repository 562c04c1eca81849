/**
 * Map checks: road ids, crossings on their road, and buildings off the asphalt (vehicles drove through a building
 * placed on their lane, half of them showing through its walls).
 */
import { footprintOnAsphalt, roadLength } from '../world/roads.ts';
import { fail } from './errors.ts';
import { DEFAULT_BUILDING_SIZE, type Scenario, type StaticObject, type Vec2 } from './schema.ts';

/** Runs one check, throwing or collecting its error (validate.ts `stepper`). */
type Step = (check: () => void) => void;

/**
 * The least distance between consecutive points of a road's centreline, m: closer ones are one point written
 * twice (or a slip of the decimal point). A road of [[0, 0], [0, 0]] was accepted as 0 m long, and every check
 * after it blamed something else ("62 m is past the end of road 'main' (0.0 m)", "Infinity m from any road").
 */
const MIN_ROAD_SEGMENT_M = 0.1;

/**
 * Each road's consecutive points at least MIN_ROAD_SEGMENT_M apart. Checked before anything else: every later
 * check measures along the roads (validate.ts stops there when one is refused).
 */
export function checkRoadPoints(s: Scenario, where: string, step: Step): void {
  s.map.roads.forEach((r, i) => {
    step(() => {
      for (let k = 1; k < r.points.length; k++) {
        const [ax, ay] = r.points[k - 1]!;
        const [bx, by] = r.points[k]!;
        const d = Math.hypot(bx - ax, by - ay);
        if (d >= MIN_ROAD_SEGMENT_M) continue;
        fail(
          `map.roads[${i}].points[${k}]`,
          `[${bx}, ${by}] is ${d === 0 ? 'the same point as' : `${+d.toPrecision(2)} m from`} points[${k - 1}]: road '${r.id}' needs consecutive points at least ${MIN_ROAD_SEGMENT_M} m apart`,
          r.points.length === 2
            ? 'give the road two different ends, e.g. points: [[0, 0], [200, 0]] (metres)'
            : `remove points[${k}], or move it along the road`,
          where,
        );
      }
    });
  });
}

export function checkMap(s: Scenario, where: string, step: Step): void {
  const roadIds = new Set<string>();
  s.map.roads.forEach((r, i) => {
    step(() => {
      if (roadIds.has(r.id))
        fail(`map.roads[${i}].id`, `duplicate road id '${r.id}'`, 'give each road its own id', where);
      roadIds.add(r.id);
    });
  });
  s.map.crossings.forEach((c, i) => {
    step(() => {
      const road = s.map.roads.find((r) => r.id === c.road);
      if (!road)
        fail(
          `map.crossings[${i}].road`,
          `unknown road '${c.road}'`,
          `roads are ${[...roadIds].join(', ')}`,
          where,
        );
      if (c.at > roadLength(road))
        fail(
          `map.crossings[${i}].at`,
          `${c.at} m is past the end of road '${road.id}' (${roadLength(road).toFixed(1)} m)`,
          'use a distance along the road',
          where,
        );
    });
  });
  s.map.objects.forEach((o, i) => {
    step(() => {
      if (o.type === 'building' && footprintOnAsphalt(s.map, buildingFootprint(o)))
        fail(
          `map.objects[${i}]`,
          `a building at [${o.position.join(', ')}] (${(o.size ?? DEFAULT_BUILDING_SIZE).slice(0, 2).join(' × ')} m) reaches onto a road's asphalt`,
          'place it beside the road (beyond its lanes and sidewalk), or make it smaller',
          where,
        );
    });
  });
}

/** A building's footprint corners, in order round it: `size` [length, width] along and across its yaw. */
function buildingFootprint(o: StaticObject): Vec2[] {
  const [l, w] = o.size ?? DEFAULT_BUILDING_SIZE;
  const c = Math.cos((o.yaw * Math.PI) / 180);
  const sn = Math.sin((o.yaw * Math.PI) / 180);
  return [
    [l / 2, w / 2],
    [-l / 2, w / 2],
    [-l / 2, -w / 2],
    [l / 2, -w / 2],
  ].map(([u, v]) => [o.position[0] + u! * c - v! * sn, o.position[1] + u! * sn + v! * c] as Vec2);
}
