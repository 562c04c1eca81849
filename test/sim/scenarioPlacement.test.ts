/**
 * Where the map's objects may stand, and what may stand in a road user's way: each refusal is one line naming the
 * object, where it is and the file.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ScenarioError } from '../../src/contracts/errors.ts';
import { scenarioFromText } from '../../src/sim/scenario/load.ts';
import { tinyScenario } from './testing.ts';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary nested fields of a scenario
type Loose = Record<string, any>;
const mutate = (m: (s: Loose) => void): Loose => {
  const s = structuredClone(tinyScenario()) as Loose;
  m(s);
  return s;
};

/** The ScenarioError a scenario is refused with (one line); fails the test when it loads. */
function refusal(s: Loose): ScenarioError {
  try {
    scenarioFromText(stringify(s), 'mine.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as ScenarioError).message).not.toContain('\n');
    return e as ScenarioError;
  }
  throw new Error('the scenario loaded');
}

const loads = (s: Loose) => expect(() => scenarioFromText(stringify(s), 'mine.yaml')).not.toThrow();
const withObjects = (...objects: Loose[]) => mutate((s) => (s.map.objects = objects));

// tinyScenario's road 'main' runs along y = 0 from x 0 to 200: two 3.5 m lanes (|y| ≤ 3.5), 3 m sidewalks
// (3.5 < |y| ≤ 6.5).
describe('map objects stand where they belong', () => {
  it('a building on the sidewalk is refused, naming it, its position and the file', () => {
    const e = refusal(withObjects({ id: 'HQ', type: 'building', position: [100, 10], size: [20, 8, 10] }));
    expect(e.message).toBe(
      "scenario: map.objects[0]: building 'HQ' at [100, 10] (20 × 8 m) stands on the sidewalk of road 'main' (mine.yaml:16:7) — place it beside the road (beyond its lanes and sidewalk), or make it smaller",
    );
  });

  it('a building on the asphalt says so, an unnamed one by its type', () => {
    expect(refusal(withObjects({ type: 'building', position: [100, 4], size: [20, 8, 10] })).what).toBe(
      "map.objects[0]: a building at [100, 4] (20 × 8 m) reaches onto the asphalt of road 'main'",
    );
  });

  it('a building flush with the sidewalk edge stands beside the road', () => {
    loads(withObjects({ type: 'building', position: [100, 10.5], size: [20, 8, 10] }));
  });

  it('a tree, pole, street light or traffic light may stand on the sidewalk but not in a lane', () => {
    for (const type of ['tree', 'pole', 'streetlight', 'traffic_light']) {
      loads(withObjects({ type, position: [100, -5] }));
      expect(refusal(withObjects({ id: 'X1', type, position: [100, 2] })).what, type).toBe(
        `map.objects[0]: ${type} 'X1' at [100, 2] stands on the asphalt of road 'main', in the way of its traffic`,
      );
    }
  });

  it('a parked vehicle on the road or its sidewalk is accepted; one on the grass is refused with a place to park', () => {
    loads(withObjects({ type: 'parked_car', position: [100, 2.6] }));
    // On the pavement, as the detector's training scenarios park them.
    loads(withObjects({ type: 'parked_car', position: [100, -5.5] }));
    const grass = refusal(withObjects({ type: 'parked_van', position: [100, 20] }));
    expect(grass.what).toBe(
      "map.objects[0]: parked_van 'parked_0' at [100, 20] is 13.0 m beyond the sidewalk of road 'main' (the nearest): parked vehicles stand on a road or its sidewalk",
    );
    expect(grass.hint).toBe(
      "park it on the road by the kerb, e.g. position: [100, 1.75] (the outer lane of 'main' nearest it)",
    );
    expect(refusal(withObjects({ id: 'V1', type: 'parked_car', position: [100, -8] })).what).toContain(
      "parked_car 'V1' at [100, -8] is 1.0 m beyond the sidewalk",
    );
  });
});

describe('traffic-light state', () => {
  it('a state on anything but a traffic light is refused, naming the object', () => {
    const e = refusal(withObjects({ id: 'L1', type: 'pole', position: [100, -5], state: 'green' }));
    expect(e.what).toBe(
      "map.objects[0].state: pole 'L1' is not a traffic light: its state 'green' would do nothing",
    );
    expect(e.hint).toBe('remove state (only a traffic_light has one), or make it type: traffic_light');
    expect(refusal(withObjects({ type: 'parked_car', position: [100, 2.6], state: 'red' })).what).toBe(
      "map.objects[0].state: parked_car 'parked_0' is not a traffic light: its state 'red' would do nothing",
    );
  });

  it('a traffic light takes one, and is red without', () => {
    loads(withObjects({ type: 'traffic_light', position: [100, -5], state: 'green' }));
    loads(withObjects({ type: 'traffic_light', position: [100, -5] }));
  });
});

/** tinyScenario with a van parked in lane 1 of 'main' (x 57.35–62.65), where C1 and the ego drive. */
const vanInLane = (m: (s: Loose) => void = () => {}) =>
  mutate((s) => {
    s.duration = 6;
    s.map.objects = [{ id: 'V1', type: 'parked_van', position: [60, -1.75] }];
    m(s);
  });

describe('parked vehicles in the way', () => {
  it('a car routed through a parked van is refused, naming both and where along the route they meet', () => {
    const e = refusal(vanInLane());
    expect(e.what).toBe(
      "actors[0].route: 'C1' drives into parked_van 'V1' (parked at [60, -1.75]): they meet 15.1 m along its route, between route[0] and route[1], at (55.1, -1.8), t = 3.02 s",
    );
    expect(e.where).toMatch(/^mine\.yaml:\d+:\d+$/); // the field's line and column
    expect(e.hint).toMatch(/stop in time \(a stop behaviour, or follow: V1\)/);
  });

  it('the ego is held to it too, and the leg named is the one where they meet', () => {
    const ego = vanInLane((s) => {
      s.duration = 8;
      s.actors = [s.actors[1]];
    });
    expect(refusal(ego).what).toBe(
      "ego.route: the ego drives into parked_van 'V1' (parked at [60, -1.75]): they meet 35.0 m along its route, between route[0] and route[1], at (55.0, -1.8), t = 7.00 s",
    );
    const legs = vanInLane((s) => {
      s.actors[0].class = 'cyclist';
      s.actors[0].route.splice(1, 0, { road: 'main', at: 45, lane: 1 });
    });
    expect(refusal(legs).what).toMatch(
      /^actors\[0\]\.route: 'C1' drives into .* between route\[1\] and route\[2\]/,
    );
  });

  it('a road user that stops behind it, or a scenario that ends before they meet, is not in the way', () => {
    loads(vanInLane((s) => (s.actors[0].behaviours = [{ type: 'follow', target: 'V1', gap: 3 }])));
    loads(vanInLane((s) => (s.actors[0].behaviours = [{ type: 'stop', at: 1.5 }])));
    loads(vanInLane((s) => (s.duration = 2.5)));
    // Round it in the other lane.
    loads(
      vanInLane(
        (s) =>
          (s.actors[0].route = [
            { road: 'main', at: 40, lane: 1 },
            { road: 'main', at: 50, lane: 1 },
            { road: 'main', at: 55, lane: -1 },
            { road: 'main', at: 66, lane: -1 },
            { road: 'main', at: 71, lane: 1 },
            { road: 'main', at: 190, lane: 1 },
          ]),
      ),
    );
  });

  it('a road user that appears inside a parked vehicle is one mistake, the spawn', () => {
    let all: readonly ScenarioError[] = [];
    try {
      scenarioFromText(stringify(vanInLane((s) => (s.actors[0].route[0].at = 58))), 'mine.yaml', {
        allMistakes: true,
      });
    } catch (e) {
      all = (e as { all?: readonly ScenarioError[] }).all ?? [];
    }
    expect(all.map((e) => e.what)).toEqual([expect.stringContaining("'C1' spawns overlapping 'V1'")]);
  });
});
