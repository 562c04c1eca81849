/**
 * Spawn checks: no actor or parked vehicle may appear overlapping the ego or another one (a collision the
 * renderer would draw and ground truth would count twice).
 */
import { agentStateAt, type AgentState, egoStateAt, type World } from '../world/world.ts';
import { fail } from './errors.ts';

/** Oriented-rectangle overlap (separating axis test on the 4 edge normals). */
export function rectsOverlap(a: number[], b: number[]): boolean {
  // a, b: [x, y, yaw, halfLength, halfWidth]
  const corners = (r: number[]) => {
    const c = Math.cos(r[2]!);
    const s = Math.sin(r[2]!);
    return [
      [1, 1],
      [1, -1],
      [-1, -1],
      [-1, 1],
    ].map(([u, v]) => [r[0]! + u! * r[3]! * c - v! * r[4]! * s, r[1]! + u! * r[3]! * s + v! * r[4]! * c]);
  };
  const ca = corners(a);
  const cb = corners(b);
  for (const r of [a, b]) {
    for (const ang of [r[2]!, r[2]! + Math.PI / 2]) {
      const ax = Math.cos(ang);
      const ay = Math.sin(ang);
      const pa = ca.map((p) => p[0]! * ax + p[1]! * ay);
      const pb = cb.map((p) => p[0]! * ax + p[1]! * ay);
      if (Math.max(...pa) <= Math.min(...pb) || Math.max(...pb) <= Math.min(...pa)) return false;
    }
  }
  return true;
}

export function checkSpawns(w: World, where: string): void {
  const s = w.scenario;
  const parkedCount = w.agents.length - s.actors.length;
  const field = (i: number) =>
    i < parkedCount
      ? `map.objects (parked '${w.agents[i]!.id}')`
      : `actors[${s.actors.findIndex((a) => a.id === w.agents[i]!.id)}]`;
  const n = w.agents.length;
  const radius = w.agents.map((a) => Math.hypot(a.size[0], a.size[1]) / 2);
  // Each agent's state at each spawn time, computed once (pairs meet at the later of their two starts).
  const cache = new Map<number, (AgentState | null | undefined)[]>();
  const stateAt = (i: number, t: number): AgentState | null => {
    let row = cache.get(t);
    if (!row) {
      row = new Array(n);
      cache.set(t, row);
    }
    if (row[i] === undefined) row[i] = agentStateAt(w.agents[i]!, i, t);
    return row[i]!;
  };
  for (let i = 0; i < n; i++) {
    const ai = w.agents[i]!;
    const ego = egoStateAt(w, ai.start);
    const si = stateAt(i, ai.start);
    if (!si) continue;
    const ri = [si.x, si.y, si.yaw, ai.size[0] / 2, ai.size[1] / 2];
    if (rectsOverlap(ri, [ego.x, ego.y, ego.yaw, s.ego.size[0] / 2, s.ego.size[1] / 2])) {
      fail(
        field(i),
        `'${ai.id}' spawns overlapping the ego at t = ${ai.start} s`,
        'move its first route point or start it later',
        where,
      );
    }
    for (let j = 0; j < i; j++) {
      const aj = w.agents[j]!;
      const t = Math.max(ai.start, aj.start);
      const a = stateAt(i, t);
      const b = stateAt(j, t);
      if (!a || !b) continue;
      // Bounding circles first: thousands of actors make millions of pairs.
      const r = radius[i]! + radius[j]!;
      if ((a.x - b.x) ** 2 + (a.y - b.y) ** 2 > r * r) continue;
      if (
        rectsOverlap(
          [a.x, a.y, a.yaw, ai.size[0] / 2, ai.size[1] / 2],
          [b.x, b.y, b.yaw, aj.size[0] / 2, aj.size[1] / 2],
        )
      ) {
        fail(
          field(i),
          `'${ai.id}' spawns overlapping '${aj.id}' at t = ${t} s`,
          'move one of them apart or give them different start times',
          where,
        );
      }
    }
  }
}
