/**
 * `viper eval --from / --to`: a stretch of a results file scored on its own (how a long drive is scored in parts,
 * eval's memory growing with what it scores): the whole file by default, windows that add up to it. Also results
 * scored against another recording's key-frame ground truth. The CLI's entry point runs in-process
 * (`viperInProcess`), but for a refusal by the real `bin/viper.js`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';
import { tracksToImageAnnotations } from '../../src/track/annotations.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { copyRecording } from '../testing/recordings.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-eval-window-'));
const rec = join(dir, 'ped.mcap');
const results = join(dir, 'ped.results.mcap');

interface Report {
  notes: string[];
  run: { rigFrames: number };
  tracking: { overall: { CLEAR: { CLR_TP: number; CLR_FN: number; CLR_FP: number } } };
}

const evalJson = async (...args: string[]): Promise<Report> => {
  const r = await viperInProcess(['eval', results, '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
};

beforeAll(async () => {
  await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
  const r = await viperInProcess(['replay', rec, '-o', results, '--detector', 'oracle', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

it('scores the whole file from 0, and windows that split it add up to it', async () => {
  const whole = await evalJson();
  const from0 = await evalJson('--from', '0');
  expect({ ...from0, notes: [] }).toEqual({ ...whole, notes: [] });
  expect(from0.notes.some((n) => n.startsWith('scored 0–3.4 s after'))).toBe(true);
  const parts = [
    await evalJson('--to', '1'),
    await evalJson('--from', '1', '--to', '2.5'),
    await evalJson('--from', '2.5'),
  ];
  // 10 Hz: the rig frames of each stretch, each stamp in exactly one of them.
  expect(parts.map((p) => p.run.rigFrames)).toEqual([10, 15, 10]);
  const sum = (k: 'CLR_TP' | 'CLR_FN' | 'CLR_FP') =>
    parts.reduce((n, p) => n + p.tracking.overall.CLEAR[k], 0);
  const all = whole.tracking.overall.CLEAR;
  // Every ground-truth box is scored once: matched or missed, in one window.
  expect(sum('CLR_TP') + sum('CLR_FN')).toBe(all.CLR_TP + all.CLR_FN);
  expect(sum('CLR_TP') + sum('CLR_FP')).toBe(all.CLR_TP + all.CLR_FP);
}, 60_000);

/** A copy of the results: messages `keep` takes, after an optional /tf_static at log time 1 ns. */
function copyResults(out: string, keep: (topic: string, tNs: bigint) => boolean, tfStatic = false) {
  return copyRecording(results, out, 4 * 1024 * 1024, keep, undefined, async (w) => {
    if (!tfStatic) return;
    const tf = await w.addChannel('/tf_static', { kind: 'json', name: 'x.Static', jsonSchema: {} });
    await w.write(tf, 1n, new TextEncoder().encode('{}'));
  });
}

it('counts the window from the first scored message, not an earlier one (a /tf_static at log time 0)', async () => {
  const early = join(dir, 'early.results.mcap');
  await copyResults(early, () => true, true);
  const r = await viperInProcess(['eval', early, '--json', '--from', '1', '--to', '2.5']);
  expect(r.code, r.stderr).toBe(0);
  const got = JSON.parse(r.stdout) as Report;
  expect(got.tracking).toEqual((await evalJson('--from', '1', '--to', '2.5')).tracking);
});

it('counts ground truth logged before the first track in the window (it fell before --from 0)', async () => {
  const reader = await RecordingReader.open(results);
  const t0 = reader.summary().startNs;
  await reader.close();
  const late = join(dir, 'late.results.mcap');
  // The results' first 250 ms gone (a tracker that started late); the ground truth it passed through kept.
  await copyResults(late, (topic, t) => !topic.startsWith('/perception/') || t >= t0 + 250_000_000n);
  const gtBoxes = async (...args: string[]) => {
    const r = await viperInProcess(['eval', late, '--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    const c = (JSON.parse(r.stdout) as Report).tracking.overall.CLEAR;
    return c.CLR_TP + c.CLR_FN;
  };
  expect(await gtBoxes('--from', '0')).toBe(await gtBoxes());
});

it('refuses a window outside the file, one that ends before it starts, and a window on text', async () => {
  const past = viper(['eval', results, '--from', '60']);
  expect(past.code).toBe(2);
  expect(past.stderr).toMatch(
    /no results from 60 s on after the first scored message \(the file spans 3\.4 s\)/,
  );
  const back = await viperInProcess(['eval', results, '--from', '2', '--to', '1']);
  expect(back.code).toBe(2);
  expect(back.stderr).toMatch(/--to 1 is not after --from 2/);
  const text = await viperInProcess(['eval', join(dir, 'x.txt'), '--gt', join(dir, 'y.txt'), '--from', '1']);
  expect(text.code).toBe(2);
  expect(text.stderr).toMatch(/--from \/ --to select log times of an MCAP results file/);
});

it("refuses results scored against another recording's key-frame ground truth as such", async () => {
  // Ground truth at annotated key frames only (as a nuScenes import writes), at stamps the results never have.
  const gt = join(dir, 'keyframes.mcap');
  const w = await RecordingWriter.create(gt);
  const ch = await w.addChannel('/ground_truth/objects', {
    kind: 'json',
    name: 'viper.GroundTruth',
    jsonSchema: {},
  });
  for (const t of [1_000_000_000n, 1_500_000_000n])
    await w.writeObject(ch, t, { stampNs: t.toString(), actors: [], keyFramesOnly: true });
  await w.close();
  // Results of real images (no ground truth passed through): one track at 5 s and 6 s.
  const real = join(dir, 'real.results.mcap');
  const rw = await RecordingWriter.create(real);
  const ann = await rw.addChannel('/perception/front/annotations', {
    kind: 'foxglove',
    name: 'foxglove.ImageAnnotations',
  });
  for (const t of [5_000_000_000n, 6_000_000_000n]) {
    const track = {
      cameraId: 'front',
      box: { x1: 0, y1: 0, x2: 10, y2: 20 },
      score: 0.9,
      cls: 'car' as const,
    };
    await rw.writeObject(
      ann,
      t,
      tracksToImageAnnotations([{ ...track, trackId: 3, state: 'confirmed', age: 1 }], t, 'front'),
    );
  }
  await rw.close();
  const r = await viperInProcess(['eval', real, '--gt', gt]);
  expect(r.code).toBe(2);
  // Every track had been dropped as between key frames, and the results called trackless.
  expect(r.stderr).toMatch(/no annotation stamp has ground truth at the same log time/);
});
