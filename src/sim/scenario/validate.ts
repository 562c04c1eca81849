/**
 * Checks a schema-valid scenario for mistakes zod cannot see: unknown roads, lanes and actors, routes off the
 * map, follow cycles, routes through a parked vehicle, dropouts on cameras the rig lacks, impossible camera intrinsics, expectations naming
 * actors that do not exist or that no camera ever has in view, metric scopes no run measures, and actors
 * spawning on top of each other. Throws the first as a ScenarioError (or, for `--check`, collects them all).
 */
import { resolveWaypoint, roadHalfWidth } from '../world/roads.ts';
import { buildWorld, type World } from '../world/world.ts';
import { ScenarioError } from '../../contracts/errors.ts';
import { fail, namesOf, nearest, ScenarioMistakes } from './errors.ts';
import { FRACTION_METRICS } from './expect.ts';
import { checkExpectInView, checkExpectScopes } from './expectReach.ts';
import { checkCameras, rigCameraIds } from './cameraChecks.ts';
import { checkLaneChanges } from './laneChanges.ts';
import { checkMap, checkRoadPoints } from './mapChecks.ts';
import { checkLimits } from './limits.ts';
import { checkParkedInTheWay } from './obstacles.ts';
import { checkRoutePaths, checkWaypoints, VEHICLES } from './routes.ts';
import { checkSpawns } from './spawns.ts';
import type { Behaviour, Scenario, Speed, Waypoint } from './schema.ts';

/** Above these (m/s) a person on foot or a bicycle is a unit mistake; vehicles have the schema's 70 m/s. */
const PLAUSIBLE_SPEED: Partial<Record<string, number>> = { pedestrian: 10, cyclist: 20 };

/** A time (s) a scenario must reach: refused at or past its end. */
function beforeEnd(s: Scenario, field: string, t: number, where: string): void {
  if (t >= s.duration)
    fail(
      field,
      `${t} s is after the end of the scenario (${s.duration} s)`,
      `use a time before ${s.duration}`,
      where,
    );
}

function checkBehaviours(
  s: Scenario,
  bs: Behaviour[],
  field: string,
  ids: string[],
  where: string,
  self?: string,
): void {
  bs.forEach((b, i) => {
    const f = `${field}.behaviours[${i}]`;
    if (b.type === 'follow' && b.target === self)
      fail(`${f}.target`, `'${self}' cannot follow itself`, 'name the actor ahead of it', where);
    if ('at' in b) beforeEnd(s, `${f}.at`, b.at, where);
    if (b.type === 'cut_in') {
      // A lane change wider than any road leaves the map (350 written for 3.5 m put a car 348 m off the road).
      const widest = Math.max(...s.map.roads.map((r) => 2 * roadHalfWidth(r)));
      if (Math.abs(b.offset) > widest)
        fail(
          `${f}.offset`,
          `a lane change of ${b.offset} m is wider than any road (${widest.toFixed(1)} m)`,
          `offset is in metres, + to the left: one lane is ${s.map.roads[0]!.laneWidth} m`,
          where,
        );
    }
    if (b.type === 'follow' && b.target !== self && !ids.includes(b.target)) {
      const object = s.map.objects.find((o, k) => (o.id ?? `parked_${k}`) === b.target);
      if (object)
        fail(
          `${f}.target`,
          `'${b.target}' is a ${object.type}, which does not drive`,
          `follow an actor or a parked vehicle: ${ids.join(', ')}`,
          where,
        );
      const g = nearest(b.target, ids);
      fail(
        `${f}.target`,
        `unknown actor '${b.target}'`,
        `${g ? `did you mean '${g}'? ` : ''}${namesOf('actors or parked vehicles', ids)}`,
        where,
      );
    }
  });
}

/**
 * A speed for a route that goes nowhere (one point, or every point the same), which stands still there: the speed
 * was ignored unsaid. A waypoint that does not resolve is checkWaypoints' to report.
 */
function standsStill(s: Scenario, route: Waypoint[], speed: Speed, field: string, where: string): void {
  const top = typeof speed === 'number' ? speed : Math.max(...speed.map((q) => q[1]));
  if (top <= 0) return;
  let points: [number, number][];
  try {
    points = route.map((wp) => resolveWaypoint(s.map, wp));
  } catch {
    return;
  }
  const [x0, y0] = points[0]!;
  if (points.every(([x, y]) => Math.hypot(x - x0, y - y0) < 0.01))
    fail(
      `${field}.speed`,
      `${top} m/s with a route that goes nowhere (${route.length === 1 ? 'one point' : `${route.length} points at one place`}), which stands still there`,
      'give the route a second point to move to, or leave speed out (heading turns one that stands)',
      where,
    );
}

/**
 * Semantic validation; returns the built world (so callers do not build it twice). With `all`, every mistake it
 * finds is collected rather than the first thrown (`simulate --check`): each check of an item runs on its own, the
 * world is built only when none failed, and what was found is thrown together as ScenarioMistakes.
 */
export function validateScenario(
  s: Scenario,
  where: string,
  all?: ScenarioError[],
  minViewPx?: number,
): World {
  const step = stepper(all);
  checkRoadPoints(s, where, step);
  // Every later check measures along the roads: a road refused here would have each of them blame something else.
  if (all && all.length > 0) throw new ScenarioMistakes(all);
  step(() => checkLimits(s, where));
  checkMap(s, where, step);
  const ids: string[] = s.map.objects.map((o, i) => o.id ?? `parked_${i}`);
  s.actors.forEach((a, i) => {
    step(() => {
      if (ids.includes(a.id))
        fail(
          `actors[${i}].id`,
          `duplicate id '${a.id}'`,
          'give each actor (and parked object) its own id',
          where,
        );
      ids.push(a.id);
    });
  });
  // What can be followed: the actors and the parked vehicles (road users in the world); buildings, poles and
  // trees have ids too but do not move along a lane (following one dropped the follower from the world).
  const targets = [
    ...s.map.objects.flatMap((o, i) => (o.type.startsWith('parked_') ? [o.id ?? `parked_${i}`] : [])),
    ...s.actors.map((a) => a.id),
  ];
  step(() => checkWaypoints(s, s.ego.route, 'ego', true, where));
  step(() => standsStill(s, s.ego.route, s.ego.speed, 'ego', where));
  step(() => checkBehaviours(s, s.ego.behaviours, 'ego', targets, where));
  s.actors.forEach((a, i) => {
    step(() => {
      // A pedestrian at 30 m/s or a cyclist at 50 was accepted: usually km/h written where m/s is read.
      const top = typeof a.speed === 'number' ? a.speed : Math.max(...a.speed.map((q) => q[1]));
      const most = PLAUSIBLE_SPEED[a.class];
      if (most !== undefined && top > most)
        fail(
          `actors[${i}].speed`,
          `${top} m/s is too fast for a ${a.class} (over ${most} m/s)`,
          `speed is in m/s: ${a.class === 'pedestrian' ? 'a walk is 1.4' : 'a cyclist rides about 5'}`,
          where,
        );
    });
    step(() => checkWaypoints(s, a.route, `actors[${i}]`, VEHICLES.has(a.class), where));
    step(() => standsStill(s, a.route, a.speed, `actors[${i}]`, where));
    step(() =>
      checkBehaviours(
        s,
        a.behaviours,
        `actors[${i}]`,
        targets.filter((x) => x !== a.id),
        where,
        a.id,
      ),
    );
    step(() => {
      beforeEnd(s, `actors[${i}].start`, a.start, where);
    });
  });
  // Follow chains must end (no cycles).
  const next = new Map(s.actors.map((a) => [a.id, a.behaviours.find((b) => b.type === 'follow')]));
  s.actors.forEach((a, i) => {
    step(() => {
      const seen = new Set<string>([a.id]);
      let cur = next.get(a.id);
      if (cur?.type === 'follow' && cur.target === a.id) return; // said above: cannot follow itself
      while (cur?.type === 'follow') {
        if (seen.has(cur.target))
          fail(
            `actors[${i}].behaviours`,
            `'${a.id}' follows itself through a cycle (${[...seen].join(' → ')})`,
            'break the cycle: one actor must lead',
            where,
          );
        seen.add(cur.target);
        cur = next.get(cur.target);
      }
    });
  });
  // The rig's camera ids even when one of its cameras is refused (a zero focal length): the dropouts and
  // expectations that name cameras are checked against them, not against none ("cameras are " and nothing).
  let camIds: string[] = rigCameraIds(s);
  step(() => {
    camIds = checkCameras(s, where);
  });
  s.dropouts.forEach((d, i) => {
    step(() => {
      if (!camIds.includes(d.camera)) {
        const g = nearest(d.camera, camIds);
        fail(
          `dropouts[${i}].camera`,
          `unknown camera '${d.camera}'`,
          `${g ? `did you mean '${g}'? ` : ''}cameras are ${camIds.join(', ')}`,
          where,
        );
      }
      if (!(d.end > d.start))
        fail(
          `dropouts[${i}].end`,
          `ends (${d.end} s) before it starts (${d.start} s)`,
          'make end later than start',
          where,
        );
      beforeEnd(s, `dropouts[${i}].start`, d.start, where);
    });
  });
  s.expect.events.forEach((e, i) => {
    step(() => {
      if (!ids.includes(e.actor)) {
        const g = nearest(e.actor, ids);
        fail(
          `expect.events[${i}].actor`,
          `unknown actor '${e.actor}'`,
          `${g ? `did you mean '${g}'? ` : ''}${namesOf('actors', ids)}`,
          where,
        );
      }
      if ('camera' in e && e.camera && !camIds.includes(e.camera))
        fail(
          `expect.events[${i}].camera`,
          `unknown camera '${e.camera}'`,
          `cameras are ${camIds.join(', ')}`,
          where,
        );
    });
  });
  s.expect.metrics.forEach((m, i) => {
    step(() => {
      if (!FRACTION_METRICS.includes(m.metric)) return;
      for (const bound of ['min', 'max'] as const) {
        const v = m[bound];
        if (v === undefined || v <= 1) continue;
        fail(
          `expect.metrics[${i}].${bound}`,
          `${m.metric} is a fraction from 0 to 1, so ${bound}: ${v} ${bound === 'min' ? 'can never pass' : 'always passes'}`,
          `write it as a fraction: ${bound}: ${v / 100} for ${v} %`,
          where,
        );
      }
    });
    step(() => {
      if (m.camera && m.camera !== 'world' && !camIds.includes(m.camera))
        fail(
          `expect.metrics[${i}].camera`,
          `unknown camera '${m.camera}'`,
          `cameras are ${camIds.join(', ')}, or 'world' for the fused world-frame result`,
          where,
        );
    });
  });
  if (all && all.length > 0) throw new ScenarioMistakes(all); // the world of a scenario with mistakes may not build
  const world = buildWorld(s);
  step(() => checkSpawns(world, where));
  step(() => checkRoutePaths(world, where));
  step(() => checkLaneChanges(world, where));
  step(() => checkParkedInTheWay(world, where));
  step(() => checkExpectScopes(world, where));
  step(() => checkExpectInView(world, where, minViewPx));
  if (all && all.length > 0) throw new ScenarioMistakes(all);
  return world;
}

/**
 * Runs one check: it throws its ScenarioError as it is, or, collecting (`all`), pushes it and goes on; anything
 * else a check throws after an earlier one failed (a lookup of what that one refused) is left unsaid.
 */
function stepper(all: ScenarioError[] | undefined): (check: () => void) => void {
  if (!all) return (check) => check();
  return (check) => {
    const before = all.length;
    try {
      check();
    } catch (err) {
      if (err instanceof ScenarioError) all.push(err);
      else if (before === 0 && all.length === 0) throw err;
    }
  };
}
