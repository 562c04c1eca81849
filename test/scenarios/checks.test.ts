import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/contracts/errors.ts';
import {
  checkMetric,
  compareGolden,
  diffMetrics,
  expandScenarioArgs,
  type Golden,
  type GoldenComparison,
  junitXml,
  match2D,
  metricTable,
  scoreData,
  timelineSvg,
  validateExpect,
} from '../../src/eval/scenarios/index.ts';
import type { SuiteResult } from '../../src/eval/scenarios/types.ts';
import { repoRoot } from '../shared.ts';
import { actor, expectBlock, object, run, track } from './builders.ts';

/** Two cars, tracked perfectly except that C2's track changes id at frame 5. */
const twoCars = (switchAt = 5) =>
  run(10, (k) => ({
    actors: [actor('C1', 10 + k), actor('C2', 100 + k)],
    tracks: [track(1, 10 + k), track(k < switchAt ? 2 : 3, 100 + k)],
    objects: [object(7, (10 + k) / 10), object(k < switchAt ? 8 : 9, (100 + k) / 10)],
  }));

describe('metric table and metric checks', () => {
  it('scores overall, per class, per camera and world, and checks thresholds with the value in the line', () => {
    const t = metricTable(twoCars());
    expect(t.IDSW).toBe(1);
    expect(t.MOTA).toBeCloseTo(1 - 1 / 20, 12);
    expect(t['IDSW[camera=cam_front]']).toBe(1);
    expect(t['MOTA[class=car]']).toBeCloseTo(0.95, 12);
    expect(t['IDSW[world]']).toBe(1);
    const ok = checkMetric({ metric: 'MOTA', min: 0.9 }, t);
    expect(ok).toMatchObject({ ok: true, name: 'MOTA ≥ 0.9' });
    const bad = checkMetric({ metric: 'IDSW', max: 0, class: 'car' }, t);
    expect(bad).toMatchObject({ ok: false, value: 1, name: 'IDSW[class=car] ≤ 0', detail: '1 (needs ≤ 0)' });
    const world = checkMetric({ metric: 'IDF1', min: 0.99, camera: 'world' }, t);
    expect(world.ok).toBe(false);
    expect(world.name).toBe('IDF1[world] ≥ 0.99');
  });

  it('a class absent from the run is a failed check saying it was not measured', () => {
    const c = checkMetric({ metric: 'IDF1', min: 0.5, class: 'pedestrian' }, metricTable(twoCars()));
    expect(c).toMatchObject({ ok: false, value: null });
    expect(c.detail).toMatch(/not measured/);
  });
});

describe('event checks', () => {
  it('tracked_within measures the delay from becoming visible to a confirmed track', () => {
    // P1 is 60% visible from frame 2; a tentative track from frame 3, confirmed from frame 6 (0.4 s later).
    const r = run(10, (k) => ({
      actors: [actor('P1', 50, k >= 2 ? 0.6 : 0.1, 'pedestrian')],
      tracks: k >= 3 ? [track(4, 50, 'pedestrian', k >= 6)] : [],
    }));
    const s = (seconds: number) =>
      scoreData(
        r,
        expectBlock({ events: [{ type: 'tracked_within', actor: 'P1', seconds, minVisible: 0.5 }] }),
        'x',
      ).checks[0]!;
    expect(s(0.5)).toMatchObject({ ok: true });
    expect(s(0.5).value).toBeCloseTo(0.4, 9);
    expect(s(0.3).ok).toBe(false);
    expect(s(0.3).detail).toMatch(/tracked 0.40 s after becoming ≥ 0.5 visible and ≥ 8 px tall at 0.20 s/);
  });

  it('events count an actor visible only from the height the metrics score (8 px): a speck is no one to track yet', () => {
    // P1 is fully visible from frame 0 but 5 px tall until frame 4; tracked (confirmed) and one world id from frame 5.
    const tall = (k: number) => k >= 4;
    const r = run(10, (k) => {
      const a = actor('P1', 50, 1, 'pedestrian');
      if (!tall(k)) a.cameras[0]!.box = { x1: 50, y1: 10, x2: 52, y2: 15 };
      return {
        actors: [a],
        tracks: k >= 5 ? [track(4, 50, 'pedestrian')] : [],
        objects: k >= 5 ? [object(7, 5, 'pedestrian')] : [],
      };
    });
    const [t, w] = scoreData(
      r,
      expectBlock({
        events: [
          { type: 'tracked_within', actor: 'P1', seconds: 0.2, minVisible: 0.5 },
          { type: 'single_world_id', actor: 'P1', minFraction: 0.8 },
        ],
      }),
      'x',
    ).checks;
    expect(t).toMatchObject({ ok: true });
    expect(t!.detail).toMatch(/tracked 0.10 s after becoming ≥ 0.5 visible and ≥ 8 px tall at 0.40 s/);
    expect(w).toMatchObject({ ok: true });
    expect(w!.detail).toContain('world id 7 covers 5/6 visible frames');
    // With the don't-care height off, the speck counts from frame 0, as before.
    const off = scoreData(
      r,
      expectBlock({ events: [{ type: 'tracked_within', actor: 'P1', seconds: 0.2, minVisible: 0.5 }] }),
      'x',
      { minHeightPx: 0 },
    ).checks[0]!;
    expect(off.detail).toMatch(/tracked 0.50 s after becoming ≥ 0.5 visible at 0 s \(/);
  });

  it('no_id_switch counts 2D switches in a camera and world-id switches without one', () => {
    const e = expectBlock({
      events: [
        { type: 'no_id_switch', actor: 'C1', camera: 'cam_front' },
        { type: 'no_id_switch', actor: 'C2', camera: 'cam_front' },
        { type: 'no_id_switch', actor: 'C2' },
      ],
    });
    const [c1, c2, w2] = scoreData(twoCars(), e, 'x').checks;
    expect(c1).toMatchObject({ ok: true, value: 0 });
    expect(c2).toMatchObject({ ok: false, value: 1 });
    expect(w2).toMatchObject({ ok: false, value: 1, name: 'no_id_switch C2 (world id)' });
  });

  it('single_world_id is the share of visible frames covered by the most frequent world id', () => {
    const e = (minFraction: number) =>
      expectBlock({ events: [{ type: 'single_world_id', actor: 'C2', minFraction }] });
    const c = scoreData(twoCars(7), e(0.7), 'x').checks[0]!;
    expect(c).toMatchObject({ ok: true, value: 0.7 });
    expect(c.detail).toContain('world id 8 covers 7/10 visible frames');
    expect(scoreData(twoCars(7), e(0.75), 'x').checks[0]!.ok).toBe(false);
  });

  it('world matching takes the nearest object within the gate; a far one does not count', () => {
    const r = run(4, () => ({
      actors: [actor('C1', 100)],
      tracks: [],
      objects: [object(1, 10 + 3.2), object(2, 10 + 2.5)],
    }));
    const c = scoreData(
      r,
      expectBlock({ events: [{ type: 'single_world_id', actor: 'C1', minFraction: 1 }] }),
      'x',
    );
    expect(c.checks[0]!.detail).toContain('world id 2 covers 4/4');
    const far = run(4, () => ({ actors: [actor('C1', 100)], tracks: [], objects: [object(1, 20)] }));
    const f = scoreData(
      far,
      expectBlock({ events: [{ type: 'single_world_id', actor: 'C1', minFraction: 0.5 }] }),
      'x',
    );
    expect(f.checks[0]).toMatchObject({ ok: false, value: 0 });
  });

  it('not_detected counts the frames an actor is matched', () => {
    const r = run(5, (k) => ({
      actors: [actor('P1', 50, 0.9, 'pedestrian')],
      tracks: k === 2 ? [track(1, 50, 'pedestrian')] : [],
    }));
    const check = (maxFrames: number) =>
      scoreData(r, expectBlock({ events: [{ type: 'not_detected', actor: 'P1', maxFrames }] }), 'x')
        .checks[0]!;
    expect(check(0)).toMatchObject({ ok: false, value: 1 });
    expect(check(1).ok).toBe(true);
  });
});

describe('bad expectations', () => {
  it('an unknown actor or camera is one line naming it and the known ones', () => {
    const r = twoCars();
    const actorErr = () =>
      validateExpect(expectBlock({ events: [{ type: 'no_id_switch', actor: 'C9' }] }), r, 'scenarios/x.yaml');
    expect(actorErr).toThrow(ScenarioError);
    expect(actorErr).toThrow(/expect.events\[0\] \(no_id_switch\) names actor 'C9'.*actors are C1, C2/);
    const camErr = () =>
      validateExpect(
        expectBlock({ metrics: [{ metric: 'MOTA', min: 0.5, camera: 'cam_rear' }] }),
        r,
        'x.yaml',
      );
    expect(camErr).toThrow(/names camera 'cam_rear'.*cameras are cam_front/);
    // A camera of the recording that no actor appears in and no track was drawn in is still a camera (its
    // checks fail on their own terms), not "a camera the recording does not have".
    const withRear = { ...r, cameras: ['cam_front', 'cam_rear'] };
    expect(() =>
      validateExpect(
        expectBlock({ metrics: [{ metric: 'MOTA', min: 0.5, camera: 'cam_rear' }] }),
        withRear,
        'x',
      ),
    ).not.toThrow();
    try {
      actorErr();
    } catch (e) {
      expect((e as Error).message.split('\n')).toHaveLength(1);
    }
  });
});

describe('per-frame matching (properties)', () => {
  const frameArb = fc.array(
    fc.record({
      x: fc.integer({ min: 0, max: 400 }),
      vis: fc.double({ min: 0, max: 1, noNaN: true }),
      tr: fc.boolean(),
      dx: fc.integer({ min: -15, max: 15 }),
    }),
    { maxLength: 6 },
  );
  it('TP + FN = visible ground truth, TP + FP = tracks; exact tracks give no errors', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), (frames) => {
        const r = run(frames.length, (k) => ({
          actors: frames[k]!.map((a, i) => actor(`A${i}`, a.x, a.vis)),
          tracks: frames[k]!.flatMap((a, i) => (a.tr ? [track(i, a.x + a.dx)] : [])),
        }));
        const m = match2D(r, 0.5, 0.25);
        m.forEach((f, k) => {
          expect(f.tp + f.fn).toBe(frames[k]!.filter((a) => a.vis >= 0.25).length);
          expect(f.tp + f.fp).toBe(frames[k]!.filter((a) => a.tr).length);
        });
        const exact = run(frames.length, (k) => ({
          actors: frames[k]!.map((a, i) => actor(`A${i}`, a.x, 1)),
          tracks: frames[k]!.map((a, i) => track(i, a.x)),
        }));
        for (const f of match2D(exact, 0.5, 0.25)) expect([f.fp, f.fn, f.idsw]).toEqual([0, 0, 0]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('golden comparison', () => {
  const golden = (metrics: Record<string, number | null>, ok = true): Golden => ({
    scenario: 's',
    mode: 'quick',
    detector: 'oracle',
    recordingSha256: 'r',
    resultsSha256: JSON.stringify(metrics),
    metrics,
    checks: [{ name: 'IDF1 ≥ 0.8', ok, value: metrics.IDF1 ?? null }],
  });

  it('lists which metrics moved, by how much and whether for the worse; flips of checks too', () => {
    const g = golden({ IDF1: 0.9, IDSW: 1, MOTA: 0.8 });
    const now = golden({ IDF1: 0.7, IDSW: 5, MOTA: 0.85 }, false);
    const c = compareGolden('g.json', g, now, 1e-9);
    expect(c.status).toBe('metrics-changed');
    expect(c.changes.map((x) => [x.key, x.worse])).toEqual([
      ['IDF1', true],
      ['IDSW', true],
      ['MOTA', false],
    ]);
    expect(c.changes[0]!.delta).toBeCloseTo(-0.2, 12);
    expect(c.flipped).toEqual([{ name: 'IDF1 ≥ 0.8', was: true, now: false }]);
    expect(compareGolden('g.json', g, g, 1e-9).status).toBe('match');
    expect(compareGolden('g.json', undefined, g, 1e-9).status).toBe('missing');
  });

  it('diffMetrics: nothing moves against itself; every change is reported once (property)', () => {
    const table = fc.dictionary(
      fc.constantFrom('MOTA', 'IDSW', 'HOTA', 'FN', 'AP'),
      fc.double({ min: -1, max: 100, noNaN: true }),
    );
    fc.assert(
      fc.property(table, table, (a, b) => {
        expect(diffMetrics(a, a)).toEqual([]);
        const d = diffMetrics(a, b);
        const keys = new Set(d.map((x) => x.key));
        expect(keys.size).toBe(d.length);
        for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
          expect(keys.has(k)).toBe(
            a[k] === undefined || b[k] === undefined || Math.abs(a[k]! - b[k]!) > 1e-9,
          );
        }
      }),
    );
  });
});

describe('reports', () => {
  it('the plot is the same SVG for the same timeline and marks ID switches', () => {
    const s = scoreData(twoCars(), expectBlock({}), 'x');
    const a = timelineSvg(s.timeline, 'two cars');
    expect(a).toBe(timelineSvg(s.timeline, 'two cars'));
    expect(a).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(a.match(/<path d="M/g)).toHaveLength(3);
    expect(a).toContain('1 ID switch(es) at 0.5 s');
  });

  it("the plot's time axis has at most about ten labels, however long the scenario", () => {
    const labels = (seconds: number) => {
      const n = seconds * 10 + 1;
      const z = Array.from({ length: n }, () => 0);
      const svg = timelineSvg({ tS: z.map((_, k) => k / 10), tp: z, fp: z, fn: z, idsw: z }, 'long');
      return [...svg.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    };
    expect(labels(8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(labels(180)).toEqual([0, 30, 60, 90, 120, 150, 180]);
    for (const s of [12, 35, 90, 600]) expect(labels(s).length).toBeLessThanOrEqual(11);
  });

  it('JUnit has one case per check and escapes names', () => {
    const score = scoreData(
      twoCars(),
      expectBlock({
        metrics: [
          { metric: 'IDSW', max: 0 },
          { metric: 'MOTA', min: 0.5 },
        ],
      }),
      'x',
    );
    const suite: SuiteResult = {
      mode: 'quick',
      detector: 'oracle',
      settings: { minVisibility: 0.25, minHeightPx: 8, iou: 0.5, matchDistanceM: 2, worldMatchM: 3 },
      passed: 0,
      failed: 1,
      errors: 0,
      outcomes: [
        {
          scenario: 'a<b',
          file: 'f',
          status: 'fail',
          failures: ['IDSW ≤ 0: 1 (needs ≤ 0)'],
          run: { score } as never,
        },
      ],
      timing: { wallMs: 1234, jobs: 1, perScenarioMs: {} },
    };
    const x = junitXml(suite);
    expect(x).toContain('<testsuite name="a&lt;b" tests="2" failures="1" errors="0"');
    // The reason as text too: GitLab shows a failure's text, not its message attribute.
    expect(x).toContain('<failure message="1 (needs ≤ 0)">1 (needs ≤ 0)</failure>');
    // A control character quoted from a file would make the XML invalid: written as \xNN.
    const bell = junitXml({ ...suite, outcomes: [{ ...suite.outcomes[0]!, error: 'bad \u0007 byte' }] });
    expect(bell).toContain('<error message="bad \\x07 byte">bad \\x07 byte</error>');
    // No golden file to compare with is a skipped case, not a passing one.
    const golden: GoldenComparison = {
      path: 'g/a.json',
      status: 'missing',
      recordingChanged: false,
      changes: [],
      flipped: [],
    };
    const y = junitXml({ ...suite, outcomes: [{ ...suite.outcomes[0]!, golden }] });
    expect(y).toContain('tests="3" failures="1" errors="0" skipped="1"');
    expect(y).toMatch(/name="golden"><skipped message="no golden file \(g\/a\.json\)/);
  });
});

describe('scenario arguments', () => {
  const dir = join(repoRoot, 'scenarios');
  it('a folder gives its scenario files only (not the schema or other JSON), sorted; globs and names work', () => {
    const all = expandScenarioArgs([], dir);
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(all.every((f) => f.endsWith('.yaml'))).toBe(true);
    expect([...all].sort()).toEqual(all);
    expect(expandScenarioArgs([join(dir, '*_street.yaml')], dir)).toEqual([join(dir, 'night_street.yaml')]);
    expect(expandScenarioArgs(['night_street', join(dir, 'night_street.yaml')], dir)).toEqual([
      join(dir, 'night_street.yaml'),
    ]);
    expect(() => expandScenarioArgs(['nope_*.yaml'], dir)).toThrow(/no scenario file matches 'nope_\*.yaml'/);
    // A path names its own place: no bundled names offered.
    expect(() => expandScenarioArgs(['/tmp/nowhere/x.yaml'], dir)).toThrow(
      /\(\/tmp\/nowhere\/x\.yaml\) — give scenario files/,
    );
    // A misspelt name gets the nearest bundled one, and the names to choose from.
    expect(() => expandScenarioArgs(['nigth_street'], dir)).toThrow(
      /did you mean 'night_street'\? give a name \(camera_dropout, .*urban_intersection\)/,
    );
  });
});
