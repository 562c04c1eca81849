/**
 * Lane-change check: a `cut_in` whose offset is within the widest road can still take its vehicle off the road it
 * drives on (3.5 m to the right from the rightmost lane ends on the verge, and the car drives on through the
 * scenery). Checked on the built world, where the vehicle's position is known at every time: the lane change is
 * blamed only where its offset takes off the asphalt a pose that is on it without the offset (a route that leaves
 * the road by itself, cutting a corner, is the route's business).
 */
import type { MapSpec } from './schema.ts';
import { placement } from '../world/roads.ts';
import { agentStateAt, egoStateAt, type World } from '../world/world.ts';
import { fail } from './errors.ts';

/** Sampling step of the check, s: a car at 30 m/s moves 7.5 m, far less than any lane change lasts. */
const STEP_S = 0.25;

type Behaviours = World['scenario']['ego']['behaviours'];
type Pose = { x: number; y: number } | null;

export function checkLaneChanges(w: World, where: string): void {
  const s = w.scenario;
  const without = (bs: Behaviours) => bs.filter((b) => b.type !== 'cut_in');
  check(s.map, s.duration, 'ego', 'the ego', s.ego.behaviours, 0, (t, lateral) =>
    egoStateAt(lateral ? w : { ...w, ego: { ...w.ego, behaviours: without(w.ego.behaviours) } }, t),
  );
  s.actors.forEach((a, i) => {
    if (a.class === 'pedestrian') return;
    const k = w.agents.findIndex((g) => g.id === a.id);
    const agent = w.agents[k];
    if (!agent) return;
    check(s.map, s.duration, `actors[${i}]`, `'${a.id}'`, a.behaviours, a.start, (t, lateral) =>
      agentStateAt(lateral ? agent : { ...agent, behaviours: without(agent.behaviours) }, k, t),
    );
  });

  function check(
    map: MapSpec,
    duration: number,
    field: string,
    who: string,
    behaviours: Behaviours,
    start: number,
    poseAt: (t: number, lateral: boolean) => Pose,
  ): void {
    behaviours.forEach((b, j) => {
      if (b.type !== 'cut_in') return;
      // From the lane change on: the offset stays once it is made.
      for (let t = Math.max(b.at, start); t <= duration + 1e-9; t += STEP_S) {
        const st = poseAt(t, true);
        const base = poseAt(t, false);
        if (!st || !base) continue;
        const p = placement(map, st.x, st.y, 'asphalt');
        if (p.outside > 0 && placement(map, base.x, base.y, 'asphalt').outside === 0) {
          const lane = p.road?.laneWidth ?? map.roads[0]!.laneWidth;
          fail(
            `${field}.behaviours[${j}].offset`,
            `the lane change of ${b.offset} m takes ${who} off the road: at ${t.toFixed(2)} s it is ${p.outside.toFixed(1)} m beyond the asphalt${p.road ? ` of '${p.road.id}'` : ''}`,
            `use an offset that ends in a lane (+ to the left, one lane is ${lane} m)`,
            where,
          );
        }
      }
    });
  }
}
