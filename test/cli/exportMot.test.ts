/**
 * `viper export`: a results file's 2D tracks as MOTChallenge text per camera, read back by the same reader
 * `viper eval` uses: every track box of every annotations message, at its frame, and nothing else. The CLI's entry
 * point runs in-process (`viperInProcess`), but for an export and a refusal by the real `bin/viper.js`.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { annotationsToRows } from '../../src/eval/index.ts';
import { RecordingReader, readMotChallenge } from '../../src/io/index.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { copyRecording } from '../testing/recordings.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-export-'));
const rec = join(dir, 'ped.mcap');
const results = join(dir, 'ped.results.mcap');

beforeAll(async () => {
  await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
  const r = await viperInProcess([
    'replay',
    rec,
    '-o',
    results,
    '--detector',
    'oracle',
    '--no-fuse',
    '--no-progress',
  ]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

it('writes each camera’s track boxes, frame by frame, as the annotations hold them', async () => {
  const out = join(dir, 'mot');
  const r = viper(['export', results, '-o', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const cams = JSON.parse(r.stdout) as {
    camera: string;
    file: string;
    frames: number;
    trackBoxes: number;
    images: number;
  }[];
  expect(cams.map((c) => c.camera)).toEqual([
    'cam_back',
    'cam_back_left',
    'cam_back_right',
    'cam_front',
    'cam_front_left',
    'cam_front_right',
  ]);
  // The annotations of cam_front, frame by frame, from the results file itself.
  const reader = await RecordingReader.open(results);
  const expected: string[] = [];
  let frame = 0;
  try {
    for await (const m of reader.messages({ topics: ['/perception/cam_front/annotations'] })) {
      frame++;
      for (const row of annotationsToRows(reader.decoder(m.channel.id)(m.data), 'cam_front').rows)
        expected.push(`${frame} ${row.id} ${row.box.x1} ${row.box.y1} ${row.box.x2 - row.box.x1}`);
    }
  } finally {
    await reader.close();
  }
  const front = cams.find((c) => c.camera === 'cam_front')!;
  expect(front.frames).toBe(frame);
  expect(front.images).toBe(frame); // every image was tracked: no frame numbers shifted
  expect(expected.length).toBeGreaterThan(20);
  const got = readMotChallenge(readFileSync(front.file, 'utf8')).map(
    (x) => `${x.frame} ${x.id} ${x.x} ${x.y} ${x.w}`,
  );
  expect(got).toEqual(expected);
  expect(front.trackBoxes).toBe(expected.length);
  // Scored against itself through viper eval: perfect.
  const self = await viperInProcess(['eval', front.file, '--gt', front.file, '--json']);
  expect(JSON.parse(self.stdout).tracking.overall.CLEAR.MOTA).toBe(1);
}, 120_000);

it('writes the ground truth it carries as gt/<camera>.txt: scored as text, the suite’s own figures for that camera', async () => {
  const out = join(dir, 'with-gt');
  const r = await viperInProcess(['export', results, '-o', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const front = (
    JSON.parse(r.stdout) as { camera: string; file: string; groundTruth?: { file: string; boxes: number } }[]
  ).find((c) => c.camera === 'cam_front')!;
  expect(front.groundTruth?.file).toBe(join(out, 'gt', 'cam_front.txt'));
  expect(front.groundTruth!.boxes).toBeGreaterThan(20);
  // MOTChallenge ground truth: frame, id, box, consider 1, class 1 (a target), visibility.
  expect(readFileSync(front.groundTruth!.file, 'utf8')).toMatch(
    /^1,1,[\d.]+,[\d.]+,[\d.]+,[\d.]+,1,1,[\d.]+,-1\n/,
  );
  const text = JSON.parse(
    (
      await viperInProcess([
        'eval',
        front.file,
        '--gt',
        front.groundTruth!.file,
        '--min-height',
        '8',
        '--json',
      ])
    ).stdout,
  ).tracking.overall;
  const mcap = JSON.parse((await viperInProcess(['eval', results, '--json'])).stdout).tracking.perCamera
    .cam_front;
  for (const [group, key] of [
    ['CLEAR', 'MOTA'],
    ['CLEAR', 'CLR_FP'],
    ['CLEAR', 'CLR_FN'],
    ['CLEAR', 'IDSW'],
    ['Identity', 'IDF1'],
  ] as const)
    expect(text[group][key], `${group}.${key}`).toBe(mcap[group][key]);
  expect(text.HOTA.HOTA).toEqual(mcap.HOTA.HOTA);
});

it('removes ground truth an earlier export left for a camera the results have none for, and says so', async () => {
  const out = join(dir, 'reused');
  expect((await viperInProcess(['export', results, '-o', out])).code).toBe(0);
  expect(existsSync(join(out, 'gt', 'cam_front.txt'))).toBe(true);
  // The same tracks without their ground truth (a real replay's results have none).
  const bare = join(dir, 'bare.results.mcap');
  await copyRecording(results, bare, 1 << 20, (topic) => !topic.startsWith('/ground_truth/'));
  // Without --force nothing is touched: a gt/ file may as well be a hand label.
  const refused = await viperInProcess(['export', bare, '-o', out]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(
    /already in the output folder would be replaced or removed: .*gt\/cam_front\.txt/,
  );
  expect(existsSync(join(out, 'gt', 'cam_front.txt'))).toBe(true);
  const r = await viperInProcess(['export', bare, '-o', out, '--force']);
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(join(out, 'gt', 'cam_front.txt'))).toBe(false);
  expect(r.stdout).toMatch(/cam_front: .*; removed .*gt\/cam_front\.txt \(left by an earlier export/);
});

it('leaves files already in the folder (hand labels in gt/) alone unless --force: one line naming them, nothing written', async () => {
  const out = join(dir, 'labelled');
  mkdirSync(join(out, 'gt'), { recursive: true });
  const label = '1,1,10,10,20,40,1,1,1\n';
  writeFileSync(join(out, 'gt', 'cam_front.txt'), label);
  const r = await viperInProcess(['export', results, '-o', out]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toBe(
    `error: config: a file already in the output folder would be replaced: ${join(out, 'gt', 'cam_front.txt')} (-o ${out}) — pass --force to replace it, or give another folder\n`,
  );
  expect(readFileSync(join(out, 'gt', 'cam_front.txt'), 'utf8')).toBe(label);
  expect(readdirSync(out)).toEqual(['gt']); // no <camera>.txt written either
  expect(readdirSync(join(out, 'gt'))).toEqual(['cam_front.txt']);
  const forced = await viperInProcess(['export', results, '-o', out, '--force']);
  expect(forced.code, forced.stderr).toBe(0);
  expect(readFileSync(join(out, 'gt', 'cam_front.txt'), 'utf8')).not.toBe(label);
  expect(readFileSync(join(out, 'cam_front.txt'), 'utf8')).toMatch(/^1,/);
});

it('export --help says it does not replace files without --force', async () => {
  expect((await viperInProcess(['export', '--help'])).stdout).toMatch(
    /--force +replace <camera>\.txt and gt\/<camera>\.txt files/,
  );
});

it('writes into the results file’s own folder (it adds <camera>.txt files; it replaces nothing)', async () => {
  const r = await viperInProcess(['export', results, '-o', dir]);
  expect(r.code, r.stderr).toBe(0);
  expect(readFileSync(join(dir, 'cam_front.txt'), 'utf8')).toMatch(/^1,/);
});

it('a file without tracks is one line', () => {
  const r = viper(['export', rec, '-o', join(dir, 'none')]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/no \/perception\/<camera>\/annotations in this file: no tracks to export/);
});
