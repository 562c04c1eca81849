/**
 * Parked vehicles in the way: the ego or an actor whose motion carries it into a parked vehicle (a car routed
 * along the lane a van is parked in drove through it, both drawn inside each other and counted as two boxes in
 * one place). Checked on the built world, along the motion as it is driven or walked within the scenario: a road
 * user that stops in time (`stop`, `follow` the parked vehicle, a speed profile down to 0, a route that ends
 * before it, or the scenario ending first) is not in the way. Only static obstacles: moving actors meeting each
 * other are the simulation's business (actors do not avoid each other), and overlaps at a spawn are checkSpawns'.
 * Vehicles and the ego only: people are not held to it yet, as 11 of the detector's 220 training scenarios have a
 * pedestrian walk through a vehicle parked on the pavement (models/viper-det/recipe/gen_scenarios.py).
 */
import { MOTION_DT_S, type MotionTable, sampleMotion } from '../world/motion.ts';
import { resolveWaypoint } from '../world/roads.ts';
import { agentStateAt, egoStateAt, type World } from '../world/world.ts';
import { fail } from './errors.ts';
import { objectName } from './mapChecks.ts';
import { nearestLeg, VEHICLES } from './routes.ts';
import type { Behaviour, Waypoint } from './schema.ts';
import { rectsOverlap } from './spawns.ts';

/**
 * Sampling step along a road user's motion, m: under half the narrowest road user (a cyclist, 0.6 m), so that a
 * pass through a parked vehicle is always seen at some step.
 */
const SAMPLE_M = 0.25;

interface Obstacle {
  id: string;
  name: string;
  x: number;
  y: number;
  /** [x, y, yaw, halfLength, halfWidth] for rectsOverlap. */
  rect: number[];
  /** Bounding-circle radius, m. */
  r: number;
}

interface Mover {
  field: string;
  who: string;
  route: Waypoint[];
  behaviours: Behaviour[];
  motion: MotionTable;
  size: readonly number[];
  /** Appears at this time, s. */
  start: number;
  poseAt: (t: number) => { x: number; y: number; yaw: number; s: number } | null;
}

export function checkParkedInTheWay(w: World, where: string): void {
  const s = w.scenario;
  const parkedCount = w.agents.length - s.actors.length;
  if (parkedCount === 0) return;
  const obstacles: Obstacle[] = w.agents.slice(0, parkedCount).map((a, i) => {
    const st = agentStateAt(a, i, 0)!;
    const k = s.map.objects.findIndex((o, j) => (o.id ?? `parked_${j}`) === a.id);
    return {
      id: a.id,
      name: objectName(s.map.objects[k]!, k),
      x: st.x,
      y: st.y,
      rect: [st.x, st.y, st.yaw, a.size[0] / 2, a.size[1] / 2],
      r: Math.hypot(a.size[0], a.size[1]) / 2,
    };
  });
  const movers: Mover[] = [
    {
      field: 'ego',
      who: 'the ego',
      route: s.ego.route,
      behaviours: s.ego.behaviours,
      motion: w.ego.motion,
      size: s.ego.size,
      start: 0,
      // The ego's state has no distance along its route: its motion table has.
      poseAt: (t) => ({ ...egoStateAt(w, t), s: sampleMotion(w.ego.motion, t).s }),
    },
  ];
  s.actors.forEach((a, i) => {
    if (!VEHICLES.has(a.class)) return;
    const k = w.agents.findIndex((g) => g.id === a.id);
    const agent = w.agents[k];
    if (!agent) return;
    movers.push({
      field: `actors[${i}]`,
      who: `'${a.id}'`,
      route: a.route,
      behaviours: a.behaviours,
      motion: agent.motion,
      size: agent.size,
      start: a.start,
      poseAt: (t) => agentStateAt(agent, k, t),
    });
  });
  for (const m of movers) check(m);

  function check(m: Mover): void {
    const steps = Math.floor(s.duration / MOTION_DT_S + 1e-9);
    const v = topSpeed(m);
    const stride = v > 0 ? Math.max(1, Math.floor(SAMPLE_M / (v * MOTION_DT_S))) : steps + 1;
    const reach = Math.hypot(m.size[0]!, m.size[1]!) / 2;
    // Pairs already overlapping when the mover appears: a spawn overlap, reported by checkSpawns.
    const atSpawn = new Set<number>();
    // From its start, every stride, and the scenario's last step.
    let prev = -1;
    for (let k = Math.ceil(m.start / MOTION_DT_S - 1e-9); k < steps + stride; k += stride) {
      const i = Math.min(k, steps);
      const p = m.poseAt(i * MOTION_DT_S);
      if (!p) continue;
      for (let j = 0; j < obstacles.length; j++) {
        if (atSpawn.has(j) || !overlaps(p, obstacles[j]!)) continue;
        if (prev < 0) atSpawn.add(j);
        else meet(obstacles[j]!, prev, i);
      }
      prev = i;
    }

    function overlaps(p: { x: number; y: number; yaw: number }, o: Obstacle): boolean {
      const r = reach + o.r;
      if ((p.x - o.x) ** 2 + (p.y - o.y) ** 2 > r * r) return false;
      return rectsOverlap([p.x, p.y, p.yaw, m.size[0]! / 2, m.size[1]! / 2], o.rect);
    }

    /** Refuses the first step in (from, to] at which the mover overlaps `o` (it does at `to`). */
    function meet(o: Obstacle, from: number, to: number): never {
      let i = from + 1;
      let p = m.poseAt(i * MOTION_DT_S);
      while (i < to && !(p && overlaps(p, o))) p = m.poseAt(++i * MOTION_DT_S);
      p = p!;
      const leg = nearestLeg(
        m.route.map((wp) => resolveWaypoint(s.map, wp)),
        p.x,
        p.y,
      );
      fail(
        `${m.field}.route`,
        `${m.who} drives into ${o.name} (parked at [${o.x}, ${o.y}]): they meet ${p.s.toFixed(1)} m along its route, between route[${leg - 1}] and route[${leg}], at (${p.x.toFixed(1)}, ${p.y.toFixed(1)}), t = ${(i * MOTION_DT_S).toFixed(2)} s`,
        `move the parked vehicle out of its way, route round it (a waypoint in another lane), end the route before it, or stop in time (a stop behaviour, or follow: ${o.id})`,
        where,
      );
    }
  }
}

/** The fastest a road user moves, m/s: along its path plus across it in a lane change (smoothstep peak 1.5×). */
function topSpeed(m: Mover): number {
  let v = 0;
  for (const x of m.motion.v) v = Math.max(v, x);
  for (const b of m.behaviours) if (b.type === 'cut_in') v += (1.5 * Math.abs(b.offset)) / b.duration;
  return v;
}
