/**
 * The fast subset of the scenario suite, run by `npm test`: two bundled scenarios in quick mode (half
 * resolution) through the real workers, checked against their golden files; then the same recordings with a
 * deliberately broken tracker and detector, which must fail with the scenarios, metrics and drops named.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/cli/suite/index.ts';
import { formatTable, type SuiteResult, writeReports } from '../../src/eval/scenarios/index.ts';
import { repoRoot } from '../shared.ts';
import { viperMetadata } from '../testing/recordings.ts';
import { tinyScenario } from '../sim/testing.ts';

const FAST = ['pedestrian_crossing', 'red_light_stop'].map((s) => join(repoRoot, 'scenarios', `${s}.yaml`));
const breakers = join(repoRoot, 'test', 'scenarios', 'breakers.ts');

let dir: string;
let recordingsDir: string;
let good: SuiteResult;
/** Per scenario file, the progress reports of its worker (phase and percent), in order. */
const reports = new Map<string, string[]>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'viper-scenarios-'));
  recordingsDir = join(dir, 'recordings');
  good = await runSuite({
    files: FAST,
    outDir: join(dir, 'good'),
    recordingsDir,
    quick: true,
    jobs: 2,
    onProgress: (file, _name, p) => {
      const list = reports.get(file) ?? [];
      list.push(`${p.phase} ${Math.floor((100 * p.done) / p.total)}`);
      reports.set(file, list);
    },
  });
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('scenario suite, quick subset', () => {
  it('passes every expectation and reproduces the golden metrics (and bytes, from the same recording)', () => {
    expect(good.outcomes.map((o) => [o.scenario, o.status, o.failures])).toEqual([
      ['pedestrian_crossing', 'pass', []],
      ['red_light_stop', 'pass', []],
    ]);
    for (const o of good.outcomes) {
      expect(o.run!.score.checks.length).toBeGreaterThanOrEqual(4);
      expect(o.golden!.changes).toEqual([]);
      expect(o.golden!.flipped).toEqual([]);
      // Oracle runs are deterministic: the same recording gives the same results file, bit for bit.
      expect(
        o.golden!.recordingChanged,
        'recording bytes moved: re-record the goldens (scenarios run --quick --update-golden)',
      ).toBe(false);
      expect(o.golden!.status).toBe('match');
    }
  });

  it("reports each scenario's progress from its worker: simulating (recorded here), then replaying, to 100 %", () => {
    for (const file of FAST) {
      const r = reports.get(file) ?? [];
      const sim = r.filter((x) => x.startsWith('simulate'));
      const rep = r.filter((x) => x.startsWith('replay'));
      expect(sim.at(-1)).toBe('simulate 100');
      expect(rep.at(-1)).toBe('replay 100');
      expect(r.indexOf(rep[0]!)).toBeGreaterThan(r.indexOf(sim.at(-1)!)); // one phase after the other
      expect(rep.length).toBeLessThanOrEqual(101); // at most once per percent
    }
  });

  it('writes JSON (no wall times outside `timing`), JUnit, Markdown and a plot per scenario', async () => {
    const out = join(dir, 'good');
    const paths = await writeReports(good, out);
    const json = JSON.parse(await readFile(paths.json, 'utf8'));
    const { timing, ...rest } = json;
    expect(timing.jobs).toBe(2);
    expect(JSON.stringify(rest)).not.toMatch(/Ms"|wall|elapsed/i);
    expect(rest.scenarios[0].metrics.MOTA).toBeGreaterThan(0.5);
    expect(await readFile(paths.junit, 'utf8')).toMatch(
      /<testsuites name="viper scenarios" tests="\d+" failures="0" errors="0"/,
    );
    const md = await readFile(paths.markdown, 'utf8');
    expect(md).toContain('| pedestrian_crossing | PASS |');
    expect(md).toContain('![red_light_stop over time](plots/red_light_stop.svg)');
    for (const p of paths.plots) expect((await readFile(p, 'utf8')).startsWith('<svg')).toBe(true);
    expect(existsSync(join(out, 'plots', 'pedestrian_crossing.svg'))).toBe(true);
  });

  it('a tracker whose ids are shuffled every 10 frames fails, naming scenarios, metrics and the drop', async () => {
    const broken = await runSuite({
      files: FAST,
      outDir: join(dir, 'shuffled'),
      recordingsDir,
      quick: true,
      jobs: 2,
      stageHook: { module: breakers, export: 'shuffleIds', options: { everyFrames: 10 } },
    });
    expect(broken.outcomes.map((o) => [o.scenario, o.status])).toEqual([
      ['pedestrian_crossing', 'fail'],
      ['red_light_stop', 'fail'],
    ]);
    // The recordings were reused: only perception changed.
    broken.outcomes.forEach((o, i) => {
      expect(o.run!.recording.cached).toBe(true);
      expect(o.run!.recording.sha256).toBe(good.outcomes[i]!.run!.recording.sha256);
    });
    const ped = broken.outcomes[0]!;
    const idsw = ped.golden!.changes.find((c) => c.key === 'IDSW')!;
    expect(idsw.worse).toBe(true);
    expect(idsw.delta).toBeGreaterThanOrEqual(5);
    const idf1 = ped.golden!.changes.find((c) => c.key === 'IDF1')!;
    expect(idf1.delta).toBeLessThan(-0.2);
    expect(ped.failures.some((f) => /^no_id_switch P1 in cam_front: \d+ id switches/.test(f))).toBe(true);
    const table = formatTable(broken);
    expect(table).toMatch(/FAIL pedestrian_crossing: IDSW ≤ 2: \d+ \(needs ≤ 2\)/);
    expect(table).toMatch(
      /FAIL red_light_stop: golden .*red_light_stop\.json: (the recording changed too; )?\d+ metrics moved \(\d+ worse\): HOTA 0\.\d{3} → 0\.\d{3} \(-0\.\d{3}\), .*IDF1 0\.\d{3} → 0\.\d{3} \(-0\.\d{3}\)/,
    );
    expect(table).toContain('0 passed, 2 failed, 0 errors');
  }, 300_000);

  it('a scenario whose expect block alone was edited reuses its recording (the checks are not rendered)', async () => {
    const edited = join(dir, 'pedestrian_crossing.yaml');
    const text = await readFile(FAST[0]!, 'utf8');
    expect(text).toMatch(/\n {4}- \{ metric: MOTA, min: [\d.]+ \}/);
    await writeFile(edited, text.replace(/(\n {4}- \{ metric: MOTA, min: )[\d.]+/, '$10.1'));
    const r = await runSuite({
      files: [edited],
      outDir: join(dir, 'edited'),
      recordingsDir,
      quick: true,
      jobs: 1,
    });
    expect(r.outcomes[0]!.status).toBe('pass');
    expect(r.outcomes[0]!.run!.recording.cached).toBe(true);
  }, 120_000);

  it('a detector whose boxes are shifted by 60% of their width fails on detection and tracking metrics', async () => {
    const broken = await runSuite({
      files: [FAST[0]!],
      outDir: join(dir, 'shifted'),
      recordingsDir,
      quick: true,
      jobs: 1,
      stageHook: { module: breakers, export: 'shiftBoxes', options: { fraction: 0.6 } },
    });
    const o = broken.outcomes[0]!;
    expect(o.status).toBe('fail');
    expect(o.failures.some((f) => /^MOTA ≥ 0.5: -?0\.\d+ \(needs ≥ 0.5\)/.test(f))).toBe(true);
    const ap50 = o.golden!.changes.find((c) => c.key === 'AP50')!;
    expect(ap50.worse).toBe(true);
    expect(ap50.now).toBeLessThan(0.2);
  }, 300_000);

  it('another oracle seed gives other detections, labelled, and is not compared with the golden files', async () => {
    const other = await runSuite({
      files: [FAST[1]!],
      outDir: join(dir, 'seed3'),
      recordingsDir,
      quick: true,
      jobs: 1,
      oracleSeed: 3,
    });
    const o = other.outcomes[0]!;
    const base = good.outcomes.find((x) => x.scenario === o.scenario)!;
    expect(other.detector).toBe('oracle (seed 3)');
    expect(o.golden).toBeUndefined();
    expect(o.run!.results.sha256).not.toBe(base.run!.results.sha256);
    expect(o.run!.score.metrics.AP50).not.toBe(base.run!.score.metrics.AP50);
  }, 300_000);

  it('tuned parameters (--params) are used, labelled, and not compared with the golden files', async () => {
    const tuned = await runSuite({
      files: [FAST[0]!],
      outDir: join(dir, 'params'),
      recordingsDir,
      quick: true,
      jobs: 1,
      // World objects only after 1,000 updates: none in these few seconds, so world IDF1 falls to 0.
      params: { file: 'strict.yaml', values: { fuse: { worldTracker: { minHits: 1000 } } } },
    });
    const o = tuned.outcomes[0]!;
    const base = good.outcomes.find((x) => x.scenario === o.scenario)!;
    expect(tuned.detector).toBe('oracle (params strict.yaml)');
    expect(o.golden).toBeUndefined();
    expect(base.run!.score.metrics['IDF1[world]']).toBeGreaterThan(0.3);
    expect(o.run!.score.metrics['IDF1[world]'] ?? 0).toBe(0);
    // The 2D tracks are the same: only fusion was changed.
    expect(o.run!.score.metrics.IDF1).toBe(base.run!.score.metrics.IDF1);
  }, 300_000);

  it('SORT (--tracker sort) runs, is labelled, and is not compared with the golden files (ByteTrack’s)', async () => {
    const sort = await runSuite({
      files: [FAST[0]!],
      outDir: join(dir, 'sort'),
      recordingsDir,
      quick: true,
      jobs: 1,
      tracker: 'sort',
    });
    const o = sort.outcomes[0]!;
    const base = good.outcomes.find((x) => x.scenario === o.scenario)!;
    expect(sort.detector).toBe('oracle (SORT)');
    expect(o.golden).toBeUndefined();
    expect(o.run!.recording.cached).toBe(true);
    // Another tracker: other tracks (SORT reports a track only after 3 hits, so it scores lower here).
    expect(o.run!.score.metrics.IDF1).not.toBe(base.run!.score.metrics.IDF1);
  }, 300_000);

  it('tiled detection (--tiles, with a model) runs, is recorded in the results, labelled, and not compared', async () => {
    const file = join(dir, 'tiny_tiles.json');
    await writeFile(file, JSON.stringify(tinyScenario({ name: 'tiny_tiles' })));
    const tiled = await runSuite({
      files: [file],
      outDir: join(dir, 'tiles'),
      recordingsDir,
      jobs: 1,
      detector: 'model',
      tiles: { cols: 2, rows: 1, overlap: 0.2 },
      goldenDir: await mkdtemp(join(dir, 'golden-')),
    });
    const o = tiled.outcomes[0]!;
    expect(o.status).not.toBe('error');
    expect(tiled.detector).toBe('model (tiles 2x1)');
    // Compared, the golden file missing from the folder named would be a failure.
    expect(o.golden).toBeUndefined();
    expect(o.failures).toEqual([]);
    expect((await viperMetadata(join(dir, 'tiles', 'tiny_tiles', 'results.mcap'))).tiles).toBe(
      '2x1 overlap 0.2',
    );
  }, 300_000);
});
