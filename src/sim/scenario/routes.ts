/**
 * Route checks: each waypoint on a known road, lane and sidewalk, inside the map, and on a band its user may use;
 * then, on the built world, the path the actor drives or walks between them (`checkRoutePaths`): a leg from one
 * road's lane to a point far along a crossing road had cut 30 m through the scenery with every waypoint on the
 * asphalt, and a turn's rounded corner cuts inside the waypoints' own corner.
 */
import { placement, resolveWaypoint, roadLength, validLanes } from '../world/roads.ts';
import { fail, nearest } from './errors.ts';
import type { Behaviour, Scenario, Vec2, Waypoint } from './schema.ts';
import { type Path, pathAt } from '../world/path.ts';
import type { World } from '../world/world.ts';

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
}

/** Sampling step along a path, m: narrower than any road or sidewalk. */
const PATH_STEP_M = 1;
/** How far a path may stray beyond its band, m (on top of placement's 0.5): a corner cut short at a junction. */
const PATH_SLACK_M = 1.5;

/** Every moving road user's built path (the ego's too) stays on its band: asphalt, or roads and sidewalks. */
export function checkRoutePaths(w: World, where: string): void {
  const s = w.scenario;
  check('ego', s.ego.route, s.ego.behaviours, w.ego.path, true);
  for (const agent of w.agents) {
    const i = s.actors.findIndex((a) => a.id === agent.id);
    if (i < 0) continue; // a parked object: placed by the map checks
    const a = s.actors[i]!;
    check(`actors[${i}]`, a.route, a.behaviours, agent.path, VEHICLES.has(a.class));
  }

  function check(
    field: string,
    route: Waypoint[],
    behaviours: Behaviour[],
    path: Path,
    vehicle: boolean,
  ): void {
    const pts = route.map((wp) => resolveWaypoint(s.map, wp));
    const n = Math.ceil(path.length / PATH_STEP_M);
    for (let k = 1; k < n; k++) {
      const { x, y } = pathAt(path, (path.length * k) / n);
      const p = placement(s.map, x, y, vehicle ? 'asphalt' : 'sidewalk');
      if (p.outside <= PATH_SLACK_M) continue;
      const leg = nearestLeg(pts, x, y);
      const turn = behaviours.find((b) => b.type === 'turn');
      fail(
        `${field}.route[${leg}]`,
        `the ${turn ? 'rounded ' : ''}leg from route[${leg - 1}] leaves the ${vehicle ? 'road' : 'roads and sidewalks'}: (${x.toFixed(1)}, ${y.toFixed(1)}) is ${p.outside.toFixed(1)} m beyond ${vehicle ? 'the asphalt' : 'them'}${p.road ? ` (nearest: '${p.road.id}')` : ''}`,
        turn
          ? `a turn rounds each corner with radius ${turn.radius} m: use a smaller radius, or add a waypoint where the road turns`
          : 'routes go straight from point to point: add a waypoint where the road bends or turns (e.g. at the junction)',
        where,
      );
    }
  }
}

/** The index of the waypoint ending the leg nearest (x, y). */
export function nearestLeg(pts: Vec2[], x: number, y: number): number {
  let best = 1;
  let bestD = Number.POSITIVE_INFINITY;
  for (let i = 1; i < pts.length; i++) {
    const [ax, ay] = pts[i - 1]!;
    const [bx, by] = pts[i]!;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0;
    const d = Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
