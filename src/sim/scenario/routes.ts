/**
 * Route checks: each waypoint on a known road, lane and sidewalk, inside the map, and on a band its user may use;
 * then the straight legs between them, which the actor drives or walks (a leg from one road's lane to a point far
 * along a crossing road had cut 30 m through the scenery, every waypoint on the asphalt).
 */
import { placement, resolveWaypoint, roadLength, validLanes } from '../world/roads.ts';
import { fail, nearest } from './errors.ts';
import type { Scenario, Waypoint } from './schema.ts';

/** Actor classes that drive on the asphalt (the rest walk on sidewalks and crossings too). */
export const VEHICLES = new Set(['car', 'truck', 'bus', 'motorcycle', 'cyclist']);

export function checkWaypoints(
  s: Scenario,
  route: Waypoint[],
  field: string,
  vehicle: boolean,
  where: string,
): void {
  const roadIds = s.map.roads.map((r) => r.id);
  const [x0, y0, x1, y1] = s.map.extent ?? [-Infinity, -Infinity, Infinity, Infinity];
  route.forEach((wp, i) => {
    const f = `${field}.route[${i}]`;
    if (!Array.isArray(wp)) {
      const road = s.map.roads.find((r) => r.id === wp.road);
      if (!road) {
        const g = nearest(wp.road, roadIds);
        fail(
          `${f}.road`,
          `unknown road '${wp.road}'`,
          `${g ? `did you mean '${g}'? ` : ''}roads are ${roadIds.join(', ')}`,
          where,
        );
      }
      const len = roadLength(road);
      if (wp.at < 0 || wp.at > len)
        fail(
          `${f}.at`,
          `${wp.at} m is off road '${road.id}' (length ${len.toFixed(1)} m)`,
          `use 0 to ${len.toFixed(1)}`,
          where,
        );
      if (wp.lane !== undefined && !validLanes(road).includes(wp.lane)) {
        fail(
          `${f}.lane`,
          `lane ${wp.lane} does not exist on road '${road.id}'`,
          `use one of ${validLanes(road).join(', ')}`,
          where,
        );
      }
      if (wp.lane !== undefined && wp.side)
        fail(
          f,
          `gives both lane ${wp.lane} and side '${wp.side}' (the side wins: the point is on the sidewalk)`,
          'keep one: lane for a vehicle on the road, side for a person on the sidewalk',
          where,
        );
      if (wp.side && road.sidewalk === 0)
        fail(
          `${f}.side`,
          `road '${road.id}' has no sidewalk`,
          'give the road a sidewalk width or use a lane',
          where,
        );
    }
    const [x, y] = resolveWaypoint(s.map, wp);
    if (x < x0 || x > x1 || y < y0 || y > y1) {
      fail(
        f,
        `point (${x.toFixed(1)}, ${y.toFixed(1)}) is outside the map extent [${x0}, ${y0}, ${x1}, ${y1}]`,
        'move the point inside map.extent or grow the extent',
        where,
      );
    }
    const p = placement(s.map, x, y, vehicle ? 'asphalt' : 'sidewalk');
    if (p.outside > 0) {
      fail(
        f,
        `route is off the map: (${x.toFixed(1)}, ${y.toFixed(1)}) is ${p.outside.toFixed(1)} m from ${vehicle ? 'any road' : 'any road or sidewalk'}${p.road ? ` (nearest: '${p.road.id}')` : ''}`,
        vehicle
          ? 'put vehicle routes on a road, e.g. { road: main, at: 20, lane: 1 }'
          : 'put people on a road, sidewalk or crossing, e.g. { road: main, at: 20, side: right }',
        where,
      );
    }
  });
  checkLegs(s, route, field, vehicle, where);
}

/** Sampling step along a leg, m: narrower than any road or sidewalk. */
const LEG_STEP_M = 1;
/** How far a leg may stray beyond its band, m (on top of placement's 0.5): a corner cut short at a junction. */
const LEG_SLACK_M = 1.5;

function checkLegs(s: Scenario, route: Waypoint[], field: string, vehicle: boolean, where: string): void {
  const pts = route.map((wp) => resolveWaypoint(s.map, wp));
  for (let i = 1; i < pts.length; i++) {
    const [ax, ay] = pts[i - 1]!;
    const [bx, by] = pts[i]!;
    const n = Math.ceil(Math.hypot(bx - ax, by - ay) / LEG_STEP_M);
    for (let k = 1; k < n; k++) {
      const x = ax + ((bx - ax) * k) / n;
      const y = ay + ((by - ay) * k) / n;
      const p = placement(s.map, x, y, vehicle ? 'asphalt' : 'sidewalk');
      if (p.outside > LEG_SLACK_M)
        fail(
          `${field}.route[${i}]`,
          `the leg from route[${i - 1}] leaves the ${vehicle ? 'road' : 'roads and sidewalks'}: (${x.toFixed(1)}, ${y.toFixed(1)}) is ${p.outside.toFixed(1)} m beyond ${vehicle ? 'the asphalt' : 'them'}${p.road ? ` (nearest: '${p.road.id}')` : ''}`,
          'routes go straight from point to point: add a waypoint where the road bends or turns (e.g. at the junction)',
          where,
        );
    }
  }
}
