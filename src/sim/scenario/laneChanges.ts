/**
 * Lane-change check: a `cut_in` whose offset is within the widest road can still take its vehicle off the road it
 * drives on (3.5 m to the right from the rightmost lane ends on the verge, and the car drives on through the
 * scenery). Checked on the built world, where the vehicle's position is known at every time.
 */
import { placement } from '../world/roads.ts';
import { agentStateAt, type World } from '../world/world.ts';
import { fail } from './errors.ts';

/** Sampling step of the check, s: a car at 30 m/s moves 7.5 m, far less than any lane change lasts. */
const STEP_S = 0.25;

export function checkLaneChanges(w: World, where: string): void {
  const s = w.scenario;
  s.actors.forEach((a, i) => {
    if (a.class === 'pedestrian') return;
    const k = w.agents.findIndex((g) => g.id === a.id);
    const agent = w.agents[k];
    if (!agent) return;
    a.behaviours.forEach((b, j) => {
      if (b.type !== 'cut_in') return;
      // From the lane change on: the offset stays once it is made.
      for (let t = Math.max(b.at, a.start); t <= s.duration + 1e-9; t += STEP_S) {
        const st = agentStateAt(agent, k, t);
        if (!st) continue;
        const p = placement(s.map, st.x, st.y, 'asphalt');
        if (p.outside > 0) {
          const lane = p.road?.laneWidth ?? s.map.roads[0]!.laneWidth;
          fail(
            `actors[${i}].behaviours[${j}].offset`,
            `the lane change of ${b.offset} m takes '${a.id}' off the road: at ${t.toFixed(2)} s it is ${p.outside.toFixed(1)} m beyond the asphalt${p.road ? ` of '${p.road.id}'` : ''}`,
            `use an offset that ends in a lane (+ to the left, one lane is ${lane} m)`,
            where,
          );
        }
      }
    });
  });
}
