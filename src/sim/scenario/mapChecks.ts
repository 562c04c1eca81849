/**
 * Map checks: road ids, crossings on their road, and each map object where it may stand: buildings off the lanes
 * and sidewalks (vehicles drove through a building placed on their lane, half of them showing through its walls),
 * trees, poles and lights off the lanes, parked vehicles on a road.
 */
import {
  footprintOnRoad,
  placement,
  roadHalfWidth,
  roadLength,
  roadSegments,
  segmentDistance,
} from '../world/roads.ts';
import { fail } from './errors.ts';
import { DEFAULT_BUILDING_SIZE, type Road, type Scenario, type StaticObject, type Vec2 } from './schema.ts';

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
      // A light state on a pole or a building was accepted and did nothing: a traffic light meant, or a slip.
      if (o.state !== undefined && o.type !== 'traffic_light')
        fail(
          `map.objects[${i}].state`,
          `${objectName(o, i)} is not a traffic light: its state '${o.state}' would do nothing`,
          'remove state (only a traffic_light has one), or make it type: traffic_light',
          where,
        );
    });
    step(() => checkObjectPlace(s, o, i, where));
  });
}

/**
 * The width (m) of the post or trunk the renderer stands each slim object on (render/scenery.ts): what would
 * stand in a lane. A tree's crown and a street light's arm overhang, as they do over real streets.
 */
const BASE_M = { tree: 0.35, pole: 0.2, streetlight: 0.2, traffic_light: 0.18 } as const;

/** How a map object is named in a message: its type and id (a parked vehicle's default id, as `expect` names it). */
export function objectName(o: StaticObject, i: number): string {
  const id = o.id ?? (o.type.startsWith('parked_') ? `parked_${i}` : undefined);
  return id === undefined ? `a ${o.type.replace('_', ' ')}` : `${o.type} '${id}'`;
}

/**
 * Where a map object may stand. A building beside the road, off its lanes and sidewalks (vehicles and people went
 * through its walls); a tree, pole, street light or traffic light anywhere off the lanes (a sidewalk is where
 * they belong); a parked vehicle on a road, its centre on the asphalt or a sidewalk (by the kerb, in the outer lane
 * or on the pavement, as the detector's training scenarios park them): one on the grass was accepted, far from any
 * traffic it could hide.
 */
function checkObjectPlace(s: Scenario, o: StaticObject, i: number, where: string): void {
  const field = `map.objects[${i}]`;
  const at = `at [${o.position.join(', ')}]`;
  if (o.type === 'building') {
    const size = `(${(o.size ?? DEFAULT_BUILDING_SIZE).slice(0, 2).join(' × ')} m)`;
    const corners = rectangle(o, o.size ?? DEFAULT_BUILDING_SIZE);
    const road = footprintOnRoad(s.map, corners, 'asphalt');
    const walk = road ? undefined : footprintOnRoad(s.map, corners, 'sidewalk');
    if (road || walk)
      fail(
        field,
        road
          ? `${objectName(o, i)} ${at} ${size} reaches onto the asphalt of road '${road.id}'`
          : `${objectName(o, i)} ${at} ${size} stands on the sidewalk of road '${walk!.id}'`,
        'place it beside the road (beyond its lanes and sidewalk), or make it smaller',
        where,
      );
    return;
  }
  if (o.type in BASE_M) {
    const base = BASE_M[o.type as keyof typeof BASE_M];
    const road = footprintOnRoad(s.map, rectangle(o, [base, base]), 'asphalt');
    if (road)
      fail(
        field,
        `${objectName(o, i)} ${at} stands on the asphalt of road '${road.id}', in the way of its traffic`,
        `move it onto the sidewalk or beside the road (road '${road.id}' is ${(2 * roadHalfWidth(road)).toFixed(1)} m wide about its centreline)`,
        where,
      );
    return;
  }
  // A parked vehicle.
  const p = placement(s.map, o.position[0], o.position[1], 'sidewalk');
  if (p.outside > 0 && p.road) {
    const [kx, ky] = kerbLane(p.road, o.position);
    fail(
      field,
      `${objectName(o, i)} ${at} is ${p.outside.toFixed(1)} m beyond the sidewalk of road '${p.road.id}' (the nearest): parked vehicles stand on a road or its sidewalk`,
      `park it on the road by the kerb, e.g. position: [${+kx.toFixed(2)}, ${+ky.toFixed(2)}] (the outer lane of '${p.road.id}' nearest it)`,
      where,
    );
  }
}

/** The centre of a road's outer lane on the side of `pos`, at the point of the road nearest it. */
function kerbLane(road: Road, pos: Vec2): Vec2 {
  let best = { d: Number.POSITIVE_INFINITY, x: 0, y: 0, nx: 0, ny: 0 };
  for (const seg of roadSegments(road)) {
    const { d, s } = segmentDistance(seg, pos[0], pos[1]);
    if (d >= best.d) continue;
    const u = s - seg.s0;
    const x = seg.ax + seg.dx * u;
    const y = seg.ay + seg.dy * u;
    // Left normal (-dy, dx), turned to the side the vehicle is on.
    const side = (pos[0] - x) * -seg.dy + (pos[1] - y) * seg.dx >= 0 ? 1 : -1;
    best = { d, x, y, nx: -seg.dy * side, ny: seg.dx * side };
  }
  const lat = roadHalfWidth(road) - road.laneWidth / 2;
  return [best.x + best.nx * lat, best.y + best.ny * lat];
}

/** A rectangle's corners, in order round it: `size` [length, width] along and across the object's yaw. */
function rectangle(o: StaticObject, size: readonly number[]): Vec2[] {
  const [l, w] = size as [number, number];
  const c = Math.cos((o.yaw * Math.PI) / 180);
  const sn = Math.sin((o.yaw * Math.PI) / 180);
  return [
    [l / 2, w / 2],
    [-l / 2, w / 2],
    [-l / 2, -w / 2],
    [l / 2, -w / 2],
  ].map(([u, v]) => [o.position[0] + u! * c - v! * sn, o.position[1] + u! * sn + v! * c] as Vec2);
}
