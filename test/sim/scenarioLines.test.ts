/**
 * A mistake in a scenario file's field says where it is as `file:line:column` (the form editors open at the
 * line): semantic checks and schema errors alike, a missing field at the mapping that lacks it, and every mistake
 * of `simulate --check`'s list.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/contracts/errors.ts';
import { ScenarioMistakes } from '../../src/sim/scenario/errors.ts';
import { scenarioFromText } from '../../src/sim/scenario/load.ts';

const text = (actor: string) => `name: lines
duration: 2
rate: 10
seed: 1
map:
  roads:
    - id: main
      points: [[0, 0], [100, 0]]
ego:
  route:
    - { road: main, at: 10 }
    - { road: main, at: 90 }
  speed: 5
actors:
${actor}`;

function refusal(yaml: string, allMistakes = false): ScenarioError {
  try {
    scenarioFromText(yaml, 'mine.yaml', { allMistakes });
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('loaded');
}

describe('scenario mistakes are located', () => {
  it('a schema error at its value (an unknown class)', () => {
    const e = refusal(text('  - id: C1\n    class: tank\n    route: [{ road: main, at: 30 }]\n'));
    expect(e.what).toMatch(/^actors\[0\]\.class: unknown class 'tank'/);
    expect(e.where).toBe('mine.yaml:16:12');
  });

  it('a semantic error at its value, inside a flow mapping (an unknown road)', () => {
    const e = refusal(text('  - id: C1\n    class: car\n    route: [{ road: mian, at: 30 }]\n'));
    expect(e.what).toMatch(/^actors\[0\]\.route\[0\]\.road: unknown road 'mian'/);
    expect(e.where).toBe('mine.yaml:17:21');
  });

  it('a missing field at the mapping that lacks it', () => {
    const e = refusal(text('  - id: C1\n    route: [{ road: main, at: 30 }]\n'));
    expect(e.what).toMatch(/^actors\[0\]\.class: /);
    expect(e.where).toBe('mine.yaml:15:5');
  });

  it("every mistake of simulate --check's list", () => {
    const two =
      '  - id: C1\n    class: car\n    route: [{ road: mian, at: 30 }]\n  - id: C2\n    class: car\n    route: [{ road: nope, at: 50 }]\n';
    const e = refusal(text(two), true);
    expect(e).toBeInstanceOf(ScenarioMistakes);
    expect((e as ScenarioMistakes).all.map((m) => m.where)).toEqual(['mine.yaml:17:21', 'mine.yaml:20:21']);
  });

  it('a mistake that is no field keeps the file alone', () => {
    const e = refusal('name: [unclosed\n');
    expect(e.where).toBe('mine.yaml');
  });
});
