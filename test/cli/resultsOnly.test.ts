/**
 * `viper replay --results-only` through the real CLI, and every command that reads a results file on what it
 * writes: eval, compare and export give what they give on a full results file; inspect says where the images
 * are; replaying it again says to replay its recording; feeds write the same bytes as single replays. The CLI's
 * entry point runs in-process (`viperInProcess`), but for a results-only replay and its refusal to be replayed
 * again, which are the real `bin/viper.js`.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { recordScenario } from '../../src/sim/record.ts';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { tinyScenario } from '../sim/testing.ts';
import { viper, viperInProcess } from '../testing/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-results-only-cli-'));
const input = join(dir, 'tiny.mcap');
const full = join(dir, 'full.mcap');
const only = join(dir, 'only.mcap');
/** What a results-only file leaves out of this recording: its images and the 3D ground-truth cubes. */
const LEFT_OUT = ['/cam_back/image', '/cam_front/image', '/ground_truth/scene'];

const replayArgs = (out: string, ...more: string[]) => [
  'replay',
  input,
  '-o',
  out,
  '--detector',
  'oracle',
  '--no-progress',
  ...more,
];

let summary: { leftOut?: { topics: string[]; messages: number; bytes: number } };
beforeAll(async () => {
  await recordScenario(scenarioFromValue(tinyScenario({ duration: 2 }), 'tiny').world, input);
  expect((await viperInProcess(replayArgs(full))).code).toBe(0);
  const r = await viperInProcess(replayArgs(only, '--results-only', '--json'));
  expect(r.code, r.stderr).toBe(0);
  summary = JSON.parse(r.stdout);
});

async function topicsOf(path: string): Promise<string[]> {
  const r = await RecordingReader.open(path);
  const t = r
    .channels()
    .map((c) => c.topic)
    .sort();
  await r.close();
  return t;
}

describe('viper replay --results-only', () => {
  it('is in the help', async () => {
    expect((await viperInProcess(['replay', '--help'])).stdout).toContain('--results-only');
  });

  it('leaves the images out, keeps the rest, and says what it left out', async () => {
    const kept = await topicsOf(only);
    expect(kept).toEqual((await topicsOf(full)).filter((t) => !LEFT_OUT.includes(t)));
    expect(kept).toEqual(expect.arrayContaining(['/tf', '/ground_truth/objects', '/cam_front/calibration']));
    expect(summary.leftOut?.topics).toEqual(LEFT_OUT);
    expect(summary.leftOut?.messages).toBe(30); // 10 frames: two images and one set of cubes each
    const text = (await viperInProcess(replayArgs(join(dir, 'text.mcap'), '--results-only'))).stdout;
    expect(text).toMatch(
      /results only: left out 30 input messages \(.* MB\) on 3 topics \(\/cam_back\/image, \/cam_front\/image, \/ground_truth\/scene\)/,
    );
  });

  it('gives the same bytes twice', () => {
    // The real CLI, against the file written in-process.
    const again = join(dir, 'again.mcap');
    const r = viper(replayArgs(again, '--results-only', '--batch-size', '1'));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(again).equals(readFileSync(only))).toBe(true);
  });

  it('scores as the full results file does, with or without --gt', async () => {
    const scores = async (args: string[]) => {
      const r = await viperInProcess(['eval', ...args, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      delete j.results;
      delete j.groundTruth;
      return j;
    };
    const want = await scores([full]);
    expect(await scores([only])).toEqual(want);
    expect(await scores([only, '--gt', input])).toEqual(want);
  });

  it('compares with the full results file as equal', async () => {
    const c = await viperInProcess(['compare', full, only, '--json']);
    expect(c.code, c.stderr).toBe(0);
    for (const f of JSON.parse(c.stdout).figures) expect(f.delta ?? 0, f.metric).toBe(0);
  });

  it('exports the same MOTChallenge files', async () => {
    const files = async (results: string, out: string) => {
      const r = await viperInProcess(['export', results, '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      return readdirSync(out, { recursive: true, encoding: 'utf8' })
        .sort()
        .map((f) => [f, f.endsWith('.txt') ? readFileSync(join(out, f), 'utf8') : '']);
    };
    expect(await files(only, join(dir, 'mot-only'))).toEqual(await files(full, join(dir, 'mot-full')));
    // Each camera's image count (behind export's untracked-images note) read from what replay counted out.
    const images = async (results: string, out: string) => {
      const r = await viperInProcess(['export', results, '-o', out, '--force', '--json']);
      return (JSON.parse(r.stdout) as { camera: string; images: number | null }[]).map((c) => [
        c.camera,
        c.images,
      ]);
    };
    const counted = await images(only, join(dir, 'mot-only'));
    expect(counted.every(([, n]) => typeof n === 'number' && n > 0)).toBe(true);
    expect(counted).toEqual(await images(full, join(dir, 'mot-full')));
  });

  it('inspect says the images are in the recording; replaying it again says to replay that', async () => {
    const i = await viperInProcess(['inspect', only]);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(
      /cameras: \(no images: a results file \(replay --results-only\), its images are in the recording it was replayed from\) results for cam_back, cam_front/,
    );
    const r = viper(['replay', only, '-o', join(dir, 'again-of-only.mcap'), '--detector', 'oracle']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /results file without images \(replay --results-only\): replay the recording it was made from/,
    );
  });

  it('as feeds: each file is the bytes of replaying its recording alone', async () => {
    const out = join(dir, 'feeds');
    const second = join(dir, 'second.mcap');
    const r0 = await viperInProcess(['replay', input, '-o', second, '--detector', 'none', '--no-progress']);
    expect(r0.code, r0.stderr).toBe(0);
    const r = await viperInProcess([
      'replay',
      input,
      second,
      '-o',
      out,
      '--detector',
      'oracle',
      '--results-only',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const feeds = JSON.parse(r.stdout).feeds as { leftOut?: { topics: string[] } }[];
    expect(feeds.map((f) => f.leftOut?.topics)).toEqual([LEFT_OUT, LEFT_OUT]);
    expect(readFileSync(join(out, 'tiny.results.mcap')).equals(readFileSync(only))).toBe(true);
  });
});
