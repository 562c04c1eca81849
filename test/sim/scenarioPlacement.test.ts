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
      "scenario: map.objects[0]: building 'HQ' at [100, 10] (20 × 8 m) stands on the sidewalk of road 'main' (mine.yaml) — place it beside the road (beyond its lanes and sidewalk), or make it smaller",
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
