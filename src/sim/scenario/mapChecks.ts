/**
 * Map checks: road ids, crossings on their road, and buildings off the asphalt (vehicles drove through a building
 * placed on their lane, half of them showing through its walls).
 */
import { footprintOnAsphalt, roadLength } from '../world/roads.ts';
import { fail } from './errors.ts';
import { DEFAULT_BUILDING_SIZE, type Scenario, type StaticObject, type Vec2 } from './schema.ts';

/** Runs one check, throwing or collecting its error (validate.ts `stepper`). */
export type Step = (check: () => void) => void;

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
