/**
 * `viper compare`: two replays of one recording side by side, every figure the one `viper eval` gives for each,
 * and replays of different recordings refused. The CLI's entry point runs in-process (`viperInProcess`), but for a
 * comparison and a refusal by the real `bin/viper.js`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildStages } from '../../src/graph/buildStages.ts';
import { replay } from '../../src/graph/replay.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { copyRecording } from '../testing/recordings.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-compare-'));
const rec = join(dir, 'ped.mcap');
const a = join(dir, 'bytetrack.results.mcap');
const b = join(dir, 'sort.results.mcap');

beforeAll(async () => {
  await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
  for (const [out, tracker] of [
    [a, 'bytetrack'],
    [b, 'sort'],
  ]) {
    const r = await viperInProcess([
      'replay',
      rec,
      '-o',
      out!,
      '--detector',
      'oracle',
      '--tracker',
      tracker!,
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

interface Figure {
  metric: string;
  unit: string;
  a: number | null;
  b: number | null;
  delta: number | null;
  better: string;
}

it("gives each run's eval figures and the change from A to B", async () => {
  const r = viper(['compare', a, b, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const figures = new Map((JSON.parse(r.stdout).figures as Figure[]).map((f) => [f.metric, f]));
  const evalA = JSON.parse((await viperInProcess(['eval', a, '--json'])).stdout);
  const evalB = JSON.parse((await viperInProcess(['eval', b, '--json'])).stdout);
  for (const [metric, of] of [
    ['2D HOTA', (e: typeof evalA) => e.tracking.overall.HOTA.HOTA],
    ['2D IDF1', (e: typeof evalA) => e.tracking.overall.Identity.IDF1],
    ['2D FN', (e: typeof evalA) => e.tracking.overall.CLEAR.CLR_FN],
    ['AP50', (e: typeof evalA) => e.detection.mAP50],
    ['world AMOTA', (e: typeof evalA) => e.bev.amota.AMOTA],
    ['cam_front IDF1', (e: typeof evalA) => e.tracking.perCamera.cam_front.Identity.IDF1],
  ] as const) {
    const f = figures.get(metric)!;
    expect([f.a, f.b], metric).toEqual([of(evalA), of(evalB)]);
    expect(f.delta).toBeCloseTo(of(evalB) - of(evalA), 12);
  }
  // Fewer misses are better, a higher IDF1 is better: the mark follows the figure's direction.
  const fn = figures.get('2D FN')!;
  expect(fn.better).toBe(fn.delta! < 0 ? 'b' : fn.delta! > 0 ? 'a' : '=');
  const idf1 = figures.get('2D IDF1')!;
  expect(idf1.better).toBe(idf1.delta! > 0 ? 'b' : idf1.delta! < 0 ? 'a' : '=');
  // The same run twice: nothing changes.
  const itself = await viperInProcess(['compare', a, a, '--json']);
  const same = JSON.parse(itself.stdout).figures as Figure[];
  expect(same.every((f) => f.better === '=' && (f.delta === null || f.delta === 0))).toBe(true);
  // Said: a file compared with itself had read as two runs that happened to agree.
  expect(itself.stderr).toContain('note: A and B are the same file');
  const text = (await viperInProcess(['compare', a, b])).stdout;
  expect(text).toMatch(/\n {2}2D HOTA +\d+\.\d +\d+\.\d +[-+]?\d+\.\d/);
  // Scored with the suite's sizes by default; a suite run with --min-height 25 is compared at 25.
  const at25 = JSON.parse((await viperInProcess(['compare', a, b, '--json', '--min-height', '25'])).stdout)
    .figures as Figure[];
  expect(at25.find((f) => f.metric === '2D HOTA')!.a).not.toBe(figures.get('2D HOTA')!.a);
  // How each was run, from its metadata: what A and B differ in.
  expect(text).toMatch(/^A .* \(oracle, \w+/);
  expect(JSON.parse(r.stdout).settings.a).toMatch(/^oracle, /);
});

describe('a run without fusion, with a parameter file that changes one setting', () => {
  const c = join(dir, 'tuned-nofuse.results.mcap');
  const params = join(dir, 'tuned.yaml');

  beforeAll(async () => {
    // `viper params` with one value edited: the file repeats every other default.
    const defaults = (await viperInProcess(['params'])).stdout;
    expect(defaults).toMatch(/^ {2}matchThresh: 0\.95$/m);
    writeFileSync(params, defaults.replace(/^ {2}matchThresh: 0\.95$/m, '  matchThresh: 0.9'));
    const r = await viperInProcess([
      'replay',
      rec,
      '-o',
      c,
      '--detector',
      'oracle',
      '--no-fuse',
      '--params',
      params,
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('--json: fractions are labelled "fraction" (not "%"), and a figure one run lacks favours neither (null)', async () => {
    const r = await viperInProcess(['compare', a, c, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const figures = JSON.parse(r.stdout).figures as Figure[];
    const hota = figures.find((f) => f.metric === '2D HOTA')!;
    expect(hota.unit).toBe('fraction');
    expect(hota.a).toBeGreaterThan(0);
    expect(hota.a).toBeLessThanOrEqual(1);
    expect(figures.find((f) => f.metric === '2D IDSW')!.unit).toBe('count');
    expect(new Set(figures.map((f) => f.unit))).toEqual(new Set(['fraction', 'count']));
    // B has no fused objects: its world figures are missing, and '=' had read as a tie.
    const world = figures.filter((f) => f.metric.startsWith('world '));
    expect(world.length).toBeGreaterThan(0);
    for (const f of world) {
      expect(f.a, f.metric).not.toBeNull();
      expect([f.b, f.delta, f.better], f.metric).toEqual([null, null, null]);
    }
    // The table prints the fractions as percentages, and marks no row a side lacks.
    const text = (await viperInProcess(['compare', a, c])).stdout;
    expect(text).toMatch(new RegExp(`\n {2}2D HOTA +${(100 * hota.a!).toFixed(1)} `));
    expect(text).toMatch(/\n {2}world HOTA +\d+\.\d +- +-\n/);
  });

  it('names only the parameters the file changed from their defaults; --json keeps the whole file', async () => {
    // It printed the file whole, ~1.5 KB of one-line JSON of defaults.
    const text = (await viperInProcess(['compare', a, c])).stdout;
    const [lineA, lineB] = text.split('\n');
    expect(lineA).toBe(`A ${a} (oracle, bytetrack)`);
    expect(lineB).toBe(`B ${c} (oracle, bytetrack, no fusion, params tracker.matchThresh=0.9)`);
    const j = JSON.parse((await viperInProcess(['compare', a, c, '--json'])).stdout);
    expect(j.settings.b).toBe('oracle, bytetrack, no fusion, params tracker.matchThresh=0.9');
    expect(j.params).toEqual({ a: null, b: parse(readFileSync(params, 'utf8')) });
  });
});

it('names the recorded settings A and B differ in beyond the label (runs that differed in --track-thresh alone read alike)', async () => {
  const t = join(dir, 'thresh.results.mcap');
  const r = await viperInProcess([
    'replay',
    rec,
    '-o',
    t,
    '--detector',
    'oracle',
    '--track-thresh',
    '0.4',
    '--no-progress',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const [lineA, lineB] = (await viperInProcess(['compare', a, t])).stdout.split('\n');
  expect(lineA).toBe(`A ${a} (oracle, bytetrack, trackThresh default)`);
  expect(lineB).toBe(`B ${t} (oracle, bytetrack, trackThresh 0.4)`);
}, 60_000);

it('refuses replays of different recordings on one line', async () => {
  const other = join(dir, 'night.mcap');
  await simulateSmall('night_street', other, { duration: 2 });
  const c = join(dir, 'night.results.mcap');
  expect(
    (await viperInProcess(['replay', other, '-o', c, '--detector', 'oracle', '--no-progress'])).code,
  ).toBe(0);
  const r = viper(['compare', a, c]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(
    /^error: input: A and B were replayed from different recordings .* — compare two replays of one recording/,
  );
}, 120_000);

it('refuses a replay stopped part-way (it would score as missing what it never replayed)', async () => {
  const partial = join(dir, 'partial.results.mcap');
  const { stages } = await buildStages({ detector: 'oracle', tracker: 'bytetrack' }, rec);
  const control = { stopped: false };
  await replay({
    input: rec,
    output: partial,
    stages,
    control,
    onProgress: (p) => {
      if (p.rigFrames >= 10) control.stopped = true;
    },
  });
  const c = await viperInProcess(['compare', a, partial]);
  expect(c.code).toBe(2);
  expect(c.stderr).toMatch(
    /^error: input: B is an interrupted replay: it covers only the start of its recording/,
  );
  // scenarios score judges a whole run: its checks passed on the first second of the scenario.
  const s = await viperInProcess([
    'scenarios',
    'score',
    partial,
    '--scenario',
    'scenarios/pedestrian_crossing.yaml',
  ]);
  expect(s.code, s.stdout).toBe(2);
  expect(s.stderr).toMatch(/^error: input: an interrupted replay: it covers only the start of its recording/);
  // eval scores it, and says over what.
  const e = await viperInProcess(['eval', partial, '--json']);
  expect(e.code, e.stderr).toBe(0);
  expect(JSON.parse(e.stdout).notes.join('\n')).toMatch(
    /an interrupted replay: it covers only the start of its recording; scored over what it holds \(\d/,
  );
  expect(JSON.parse((await viperInProcess(['eval', a, '--json'])).stdout).notes.join('\n')).not.toMatch(
    /interrupted/,
  );
}, 60_000);

it('refuses the results of a recording whose simulation was cut short (a whole replay of a part of the scenario)', async () => {
  const cut = join(dir, 'cut.mcap');
  await simulateSmall('pedestrian_crossing', cut, { duration: 3.5, stopAfterFrames: 12 });
  const res = join(dir, 'cut.results.mcap');
  const r = await viperInProcess(['replay', cut, '-o', res, '--detector', 'oracle', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  const want =
    /results of an interrupted recording: it covers only the start of its scenario \(12 of 35 frames\)/;
  const s = await viperInProcess([
    'scenarios',
    'score',
    res,
    '--scenario',
    'scenarios/pedestrian_crossing.yaml',
  ]);
  expect(s.code, s.stdout).toBe(2);
  expect(s.stderr).toMatch(new RegExp(`^error: input: ${want.source}`));
  const c = await viperInProcess(['compare', res, a]);
  expect(c.code).toBe(2);
  expect(c.stderr).toMatch(new RegExp(`^error: input: A is ${want.source}`));
  const e = await viperInProcess(['eval', res, '--json']);
  expect(e.code, e.stderr).toBe(0);
  expect(JSON.parse(e.stdout).notes.join('\n')).toMatch(want);
}, 60_000);

it('eval --recover of results with a damaged chunk in the middle: its stamps are left out, not scored as missed', async () => {
  // The results re-written in 256 KiB chunks, one in the middle then damaged.
  const chunked = join(dir, 'chunked.results.mcap');
  await copyRecording(a, chunked, 256 * 1024);
  const b = readFileSync(chunked);
  const chunks: number[] = [];
  for (let off = 8; b[off] !== 0x0f && off < b.length; off += 1 + 8 + Number(b.readBigUInt64LE(off + 1)))
    if (b[off] === 0x06) chunks.push(off);
  expect(chunks.length).toBeGreaterThanOrEqual(5);
  const at = chunks[Math.floor(chunks.length / 2)]! + 300;
  b[at] = b[at]! ^ 0xff;
  const damaged = join(dir, 'damaged-chunk.results.mcap');
  writeFileSync(damaged, b);
  // Against the intact recording's ground truth, which does hold those stamps.
  const whole = JSON.parse((await viperInProcess(['eval', chunked, '--gt', rec, '--json'])).stdout);
  const r = await viperInProcess(['eval', damaged, '--gt', rec, '--recover', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const part = JSON.parse(r.stdout);
  expect(part.notes.join('\n')).toMatch(
    /damaged chunk skipped.*the stamps of the chunks skipped are not scored/,
  );
  // Fewer ground-truth boxes scored, and no more of them missed than in the whole run.
  const gts = (e: typeof whole) => e.tracking.overall.CLEAR.CLR_TP + e.tracking.overall.CLEAR.CLR_FN;
  expect(gts(part)).toBeLessThan(gts(whole));
  expect(part.tracking.overall.CLEAR.CLR_FN).toBeLessThanOrEqual(whole.tracking.overall.CLEAR.CLR_FN);
});
