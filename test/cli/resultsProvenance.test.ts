/**
 * Results say what they were made from: the recording's metadata records travel into the results file (inspect
 * shows them), so `scenarios score` refuses another scenario's expect block, and `eval` refuses to score text
 * tracks against a recording (or the reverse) with a line that says so. The CLI's entry point runs in-process
 * (`viperInProcess`), but for a refusal and the model's replay (ONNX Runtime) by the real `bin/viper.js`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { repoRoot } from '../shared.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { copyRecording, viperMetadata } from '../testing/recordings.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-provenance-'));
const rec = join(dir, 'ped.mcap');
const results = join(dir, 'ped.results.mcap');

beforeAll(async () => {
  await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
  const r = await viperInProcess(['replay', rec, '-o', results, '--detector', 'oracle', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

function oneLine(r: { code: number | null; stderr: string }): string {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
}

it("carries the recording's metadata records, its own run's last", async () => {
  const names = async (path: string) => {
    const r = await RecordingReader.open(path);
    try {
      return (await r.metadata()).map((m) => [m.name, m.metadata.name]);
    } finally {
      await r.close();
    }
  };
  expect(await names(rec)).toEqual([['scenario', 'pedestrian_crossing']]);
  expect(await names(results)).toEqual([
    ['scenario', 'pedestrian_crossing'],
    ['viper', undefined],
  ]);
  // Replayed again: still one 'viper' record, this run's.
  const again = join(dir, 'again.mcap');
  expect(
    (await viperInProcess(['replay', results, '-o', again, '--detector', 'oracle', '--no-progress'])).code,
  ).toBe(0);
  expect(await names(again)).toEqual(await names(results));
  const text = (await viperInProcess(['inspect', results])).stdout;
  expect(text).toMatch(
    /\n {2}metadata scenario: duration=3\.5, name=pedestrian_crossing, rate=10, seed=\d+\n/,
  );
  expect(text).toMatch(/\n {2}metadata viper: detector=oracle, .*tracker=bytetrack/);
});

it("scenarios score refuses another scenario's expect block", () => {
  const line = oneLine(viper(['scenarios', 'score', results, '--scenario', 'scenarios/night_street.yaml']));
  expect(line).toBe(
    `error: input: results of scenario 'pedestrian_crossing' checked against scenario 'night_street' (${results} vs scenarios/night_street.yaml) — pass the scenario they were simulated from (pedestrian_crossing) with --scenario`,
  );
});

it('scenarios score takes a bundled scenario by name, as scenarios run does, and ends with a summary line', async () => {
  const r = await viperInProcess(['scenarios', 'score', results, '--scenario', 'pedestrian_crossing']);
  expect([0, 1], r.stderr).toContain(r.code);
  expect(r.stdout.trim().split('\n').at(-1)).toMatch(
    /^(PASS|FAIL) pedestrian_crossing: \d+ of \d+ checks passed$/,
  );
});

it('eval refuses text tracks against a recording, and a results file against text', async () => {
  const mot = join(dir, 'mot');
  expect((await viperInProcess(['export', results, '-o', mot])).code).toBe(0);
  const txt = join(mot, 'cam_front.txt');
  expect(oneLine(await viperInProcess(['eval', txt, '--gt', rec]))).toMatch(
    /^error: config: the results are mot text and --gt .*ped\.mcap is an MCAP recording \(viper eval\) — text tracks are scored against text labels/,
  );
  expect(oneLine(await viperInProcess(['eval', results, '--gt', txt]))).toMatch(
    /^error: config: the results are an MCAP file and --gt .*cam_front\.txt is not \(viper eval\)/,
  );
});

it('model results record which model exactly: its sha256, card file and thresholds', async () => {
  // The first 0.3 s of the recording (three rig frames): what is recorded does not depend on how many frames ran.
  const short = join(dir, 'ped.short.mcap');
  const reader0 = await RecordingReader.open(rec);
  const t0 = reader0.summary().startNs;
  await reader0.close();
  await copyRecording(rec, short, 1 << 20, (_topic, t) => t < t0 + 300_000_000n);
  const out = join(dir, 'ped.model.mcap');
  const r = viper(['replay', short, '-o', out, '--no-fuse', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  const meta = await viperMetadata(out);
  expect(meta).toMatchObject({ detector: 'model', model: 'viper-det', modelCard: 'viper-det.card.json' });
  const onnx = join(repoRoot, 'models', 'viper-det', 'viper-det.onnx');
  expect(meta.modelSha256).toBe(createHash('sha256').update(readFileSync(onnx)).digest('hex'));
  expect(JSON.parse(meta.modelThresholds!)).toMatchObject({ score: 0.35, iou: 0.5 });
  expect(meta.tiles).toBeUndefined();
  const tiled = join(dir, 'ped.tiled.mcap');
  expect(viper(['replay', short, '-o', tiled, '--no-fuse', '--no-progress', '--tiles', '2x1']).code).toBe(0);
  expect((await viperMetadata(tiled)).tiles).toBe('2x1 overlap 0.2');
}, 120_000);
