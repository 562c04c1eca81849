/**
 * The simulated world: ego and actors (scenario actors + parked vehicles from the map) with their motion
 * precomputed, and `worldAt(world, t)` giving every pose at time t. Pure functions of the scenario and seed.
 */
import type { ViperClass } from '../../contracts/classes.ts';
import { createRng } from '../rng.ts';
import type { Behaviour, Rgb, Scenario, Speed, Waypoint } from '../scenario/schema.ts';
import { integrateMotion, type Limits, lateralOffset, type MotionTable, sampleMotion } from './motion.ts';
import { buildPath, type Path, pathAt } from './path.ts';
import { onAsphalt, resolveWaypoint, roadHalfWidth, roadSegments, segmentDistance } from './roads.ts';

const DEG = Math.PI / 180;

/** Body shape drawn by the renderer. */
type Shape = 'sedan' | 'van' | 'truck' | 'bus' | 'pedestrian' | 'cyclist' | 'motorcycle';

export const CLASS_SIZE: Record<ViperClass, [number, number, number]> = {
  car: [4.5, 1.85, 1.5],
  truck: [8.5, 2.5, 3.3],
  bus: [12, 2.55, 3.2],
  pedestrian: [0.7, 0.65, 1.75],
  cyclist: [1.8, 0.6, 1.75],
  motorcycle: [2.1, 0.8, 1.5],
};
const CLASS_SHAPE: Record<ViperClass, Shape> = {
  car: 'sedan',
  truck: 'truck',
  bus: 'bus',
  pedestrian: 'pedestrian',
  cyclist: 'cyclist',
  motorcycle: 'motorcycle',
};
const LIMITS: Record<ViperClass, Limits> = {
  car: { accel: 3, decel: 6 },
  truck: { accel: 2, decel: 5 },
  bus: { accel: 2, decel: 5 },
  pedestrian: { accel: 2, decel: 4 },
  cyclist: { accel: 2, decel: 4 },
  motorcycle: { accel: 4, decel: 7 },
};
const PAINT: Rgb[] = [
  [200, 30, 30],
  [30, 60, 160],
  [230, 230, 230],
  [25, 25, 28],
  [150, 150, 155],
  [20, 110, 60],
  [230, 180, 20],
  [120, 40, 120],
  [90, 60, 40],
  [220, 100, 30],
];
const CLOTHES: Rgb[] = [
  [40, 60, 140],
  [180, 40, 40],
  [30, 30, 30],
  [220, 220, 210],
  [60, 120, 60],
  [200, 160, 40],
  [110, 70, 150],
  [230, 120, 150],
];
const SKIN: Rgb[] = [
  [240, 200, 170],
  [200, 150, 110],
  [140, 95, 65],
  [90, 60, 40],
];

export interface Agent {
  /** Ground-truth id (scenario actor id, or the parked object's id). */
  id: string;
  cls: ViperClass;
  shape: Shape;
  size: [number, number, number];
  color: Rgb;
  /** Pedestrians: [trousers, skin]. */
  color2: Rgb;
  color3: Rgb;
  lights: boolean;
  start: number;
  despawn: boolean;
  path: Path;
  behaviours: Behaviour[];
  motion: MotionTable;
  /** Ground height at (x, y) for this map. */
  ground: (x: number, y: number) => number;
}

const CURB_M = 0.15;

/** Ground height: curb height on a sidewalk band that is not on any road's asphalt, else 0. */
function groundHeight(map: Scenario['map'], x: number, y: number): number {
  if (onAsphalt(map, x, y)) return 0;
  for (const road of map.roads) {
    if (road.sidewalk <= 0) continue;
    const outer = roadHalfWidth(road) + road.sidewalk;
    for (const seg of roadSegments(road)) if (segmentDistance(seg, x, y).d <= outer) return CURB_M;
  }
  return 0;
}

export interface AgentState {
  /** Index into world.agents; the renderer's id buffer stores index + 1. */
  index: number;
  agent: Agent;
  x: number;
  y: number;
  /** Height of the ground under the agent: 0.15 m on a sidewalk (curb height), else 0. */
  z: number;
  yaw: number;
  /** World velocity, m/s. */
  vx: number;
  vy: number;
  speed: number;
  /** Distance travelled (drives the walking cycle and wheel spin). */
  s: number;
}

export interface EgoState {
  x: number;
  y: number;
  yaw: number;
  vx: number;
  vy: number;
}

export interface World {
  scenario: Scenario;
  ego: { path: Path; motion: MotionTable; behaviours: Behaviour[] };
  agents: Agent[];
}

function routePath(s: Scenario, route: Waypoint[], behaviours: Behaviour[], headingDeg: number): Path {
  const pts = route.map((w) => resolveWaypoint(s.map, w));
  const turn = behaviours.find((b) => b.type === 'turn');
  return buildPath(pts, turn?.type === 'turn' ? turn.radius : 0, headingDeg * DEG);
}

/** Build the world: resolve routes, integrate motion (leaders before followers). */
export function buildWorld(s: Scenario): World {
  const night = s.lighting.time !== 'day';
  const ground = (x: number, y: number) => groundHeight(s.map, x, y);
  const agents: Agent[] = [];
  const byId = new Map<string, Agent>();
  const pending = s.actors.map((a, i) => ({ a, i }));
  const rngColours = (i: number) => createRng(s.seed, 1000 + i);
  // Parked vehicles from the map are agents too (they are road users a detector will see).
  s.map.objects.forEach((o, i) => {
    if (!o.type.startsWith('parked_')) return;
    const cls: ViperClass = o.type === 'parked_truck' ? 'truck' : 'car';
    const shape: Shape = o.type === 'parked_van' ? 'van' : o.type === 'parked_truck' ? 'truck' : 'sedan';
    const size: [number, number, number] =
      o.size ??
      (o.type === 'parked_van'
        ? [5.3, 2.05, 2.4]
        : o.type === 'parked_truck'
          ? CLASS_SIZE.truck
          : CLASS_SIZE.car);
    const rng = rngColours(500 + i);
    const path = buildPath([o.position], 0, o.yaw * DEG);
    const parked: Agent = {
      id: o.id ?? `parked_${i}`,
      cls,
      shape,
      size,
      color: o.color ?? rng.pick(PAINT),
      color2: [0, 0, 0],
      color3: [0, 0, 0],
      lights: false,
      start: 0,
      despawn: false,
      path,
      behaviours: [],
      ground,
      motion: integrateMotion({
        path,
        speed: 0,
        behaviours: [],
        start: 0,
        duration: s.duration,
        limits: LIMITS.car,
        halfLength: size[0] / 2,
      }),
    };
    agents.push(parked);
    // A road user may follow it (queue behind a parked van): validate accepts parked ids as targets.
    byId.set(parked.id, parked);
  });
  // Resolve in dependency order so `follow` can read its leader's table.
  let guard = pending.length + 1;
  while (pending.length > 0 && guard-- > 0) {
    for (let k = 0; k < pending.length; k++) {
      const { a, i } = pending[k]!;
      const follow = a.behaviours.find((b) => b.type === 'follow');
      const leader = follow?.type === 'follow' ? byId.get(follow.target) : undefined;
      if (follow?.type === 'follow' && !leader) continue;
      pending.splice(k--, 1);
      const rng = rngColours(i);
      const path = routePath(s, a.route, a.behaviours, a.heading);
      const size = a.size ?? CLASS_SIZE[a.class];
      const speed: Speed = a.speed;
      const leaderFn = leader ? leaderOf(leader) : undefined;
      const agent: Agent = {
        id: a.id,
        cls: a.class,
        shape: CLASS_SHAPE[a.class],
        size,
        color:
          a.color ??
          (a.class === 'pedestrian' || a.class === 'cyclist' ? rng.pick(CLOTHES) : rng.pick(PAINT)),
        color2: rng.pick(CLOTHES),
        color3: rng.pick(SKIN),
        lights: a.lights ?? night,
        start: a.start,
        despawn: a.despawn,
        path,
        behaviours: a.behaviours,
        ground,
        motion: integrateMotion({
          path,
          speed,
          behaviours: a.behaviours,
          start: a.start,
          duration: s.duration,
          limits: LIMITS[a.class],
          halfLength: size[0] / 2,
          ...(leaderFn ? { leader: leaderFn } : {}),
        }),
      };
      agents.push(agent);
      byId.set(a.id, agent);
    }
  }
  // The ego last: no road user reacts to it (none may follow it), and it may follow one of them.
  const egoPath = routePath(s, s.ego.route, s.ego.behaviours, s.ego.heading);
  const egoFollow = s.ego.behaviours.find((b) => b.type === 'follow');
  const egoLeader = egoFollow?.type === 'follow' ? byId.get(egoFollow.target) : undefined;
  const egoMotion = integrateMotion({
    path: egoPath,
    speed: s.ego.speed,
    behaviours: s.ego.behaviours,
    start: 0,
    duration: s.duration,
    limits: LIMITS.car,
    halfLength: s.ego.size[0] / 2,
    ...(egoLeader ? { leader: leaderOf(egoLeader) } : {}),
  });
  return { scenario: s, ego: { path: egoPath, motion: egoMotion, behaviours: s.ego.behaviours }, agents };
}

/** `follow`'s view of its leader: where it is at time t and how fast it goes (null while it does not exist). */
function leaderOf(
  leader: Agent,
): (t: number) => { x: number; y: number; v: number; halfLength: number } | null {
  return (t) => {
    const st = agentStateAt(leader, -1, t);
    return st ? { x: st.x, y: st.y, v: st.speed, halfLength: leader.size[0] / 2 } : null;
  };
}

function poseOnPath(path: Path, motion: MotionTable, behaviours: Behaviour[], t: number) {
  const { s, v } = sampleMotion(motion, t);
  const p = pathAt(path, s);
  const { lat, rate } = lateralOffset(behaviours, t);
  const c = Math.cos(p.yaw);
  const sn = Math.sin(p.yaw);
  const vx = v * c - rate * sn;
  const vy = v * sn + rate * c;
  const yaw = v > 0.3 ? p.yaw + Math.atan2(rate, v) : p.yaw;
  return { x: p.x - sn * lat, y: p.y + c * lat, yaw, vx, vy, v, s };
}

/** One agent's state at time t, or null when it does not exist (before start, after despawn). */
export function agentStateAt(agent: Agent, index: number, t: number): AgentState | null {
  if (t < agent.start) return null;
  const p = poseOnPath(agent.path, agent.motion, agent.behaviours, t);
  if (agent.despawn && agent.path.length > 0 && p.s >= agent.path.length - 1e-6) return null;
  return {
    index,
    agent,
    x: p.x,
    y: p.y,
    z: agent.ground(p.x, p.y),
    yaw: p.yaw,
    vx: p.vx,
    vy: p.vy,
    speed: p.v,
    s: p.s,
  };
}

export function egoStateAt(world: World, t: number): EgoState {
  const p = poseOnPath(world.ego.path, world.ego.motion, world.ego.behaviours, t);
  return { x: p.x, y: p.y, yaw: p.yaw, vx: p.vx, vy: p.vy };
}

/** Every agent that exists at time t. */
export function agentsAt(world: World, t: number): AgentState[] {
  const out: AgentState[] = [];
  world.agents.forEach((a, i) => {
    const st = agentStateAt(a, i, t);
    if (st) out.push(st);
  });
  return out;
}
