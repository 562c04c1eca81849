/** `viper eval` end to end on a small results file written here, and on MOTChallenge text files. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/commands/eval.ts';
import type { GroundTruthMessage, ObjectsMessage, Track2D } from '../../src/contracts/perception.ts';
import type { EvalReport } from '../../src/eval/index.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { tracksToImageAnnotations } from '../../src/track/index.ts';
import { viperInProcess } from '../testing/cli.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Run `viper eval …` in-process; returns stdout, stderr and the exit code. */
async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const program = new Command('viper').exitOverride();
  register(program);
  await program.parseAsync(['node', 'viper', 'eval', ...args]);
  const code = Number(process.exitCode ?? 0);
  vi.restoreAllMocks();
  return { out, err, code };
}

const box3 = (x: number, y: number) => ({
  center: [x, y, 0] as [number, number, number],
  size: [4, 2, 1.5] as [number, number, number],
  yaw: 0,
});

/** Two frames (1 s and 2 s); the car's track is 3, or `carIdThen` in the second frame. */
async function writeResults(path: string, carIdThen = 3): Promise<void> {
  const w = await RecordingWriter.create(path);
  const gtCh = await w.addChannel('/ground_truth/objects', {
    kind: 'json',
    name: 'viper.GroundTruth',
    jsonSchema: {},
  });
  const annCh = await w.addChannel('/perception/front/annotations', {
    kind: 'foxglove',
    name: 'foxglove.ImageAnnotations',
  });
  const objCh = await w.addChannel('/perception/objects', {
    kind: 'json',
    name: 'viper.Objects',
    jsonSchema: {},
  });
  const metCh = await w.addChannel('/perception/metrics', {
    kind: 'json',
    name: 'viper.RigMetrics',
    jsonSchema: {},
  });
  for (const [k, tNs] of [1_000_000_000n, 2_000_000_000n].entries()) {
    const gt: GroundTruthMessage = {
      stampNs: tNs.toString(),
      actors: [
        {
          id: 'a1',
          cls: 'car',
          boxWorld: box3(5, 0),
          boxEgo: box3(5, 0),
          velocity: [0, 0, 0],
          cameras: [{ cameraId: 'front', box: { x1: 0, y1: 0, x2: 10, y2: 10 }, visibleFraction: 1 }],
        },
        {
          id: 'p1',
          cls: 'pedestrian',
          boxWorld: box3(10, 2),
          boxEgo: box3(10, 2),
          velocity: [0, 0, 0],
          cameras: [{ cameraId: 'front', box: { x1: 100, y1: 0, x2: 110, y2: 10 }, visibleFraction: 0.2 }],
        },
      ],
    };
    await w.writeObject(gtCh, tNs, gt);
    const tracks: Track2D[] = [
      {
        cameraId: 'front',
        box: { x1: 0, y1: 0, x2: 10, y2: 10 },
        score: 0.9,
        cls: 'car',
        trackId: k === 1 ? carIdThen : 3,
        state: 'confirmed',
        age: k,
      },
    ];
    if (k === 0)
      tracks.push({
        cameraId: 'front',
        box: { x1: 100, y1: 0, x2: 110, y2: 10 },
        score: 0.6,
        cls: 'pedestrian',
        trackId: 4,
        state: 'confirmed',
        age: 0,
      });
    await w.writeObject(annCh, tNs, tracksToImageAnnotations(tracks, tNs, 'front'));
    const objs: ObjectsMessage = {
      stampNs: tNs.toString(),
      feedId: 'f',
      objects: [
        {
          id: 7,
          cls: 'car',
          frameId: 'odom',
          box: box3(5.5, 0),
          velocity: [0, 0, 0],
          positionCovariance: [1, 0, 0, 1],
          sources: [],
        },
      ],
    };
    await w.writeObject(objCh, tNs, objs);
    await w.writeObject(metCh, tNs, {
      cameras: ['front'],
      missing: k === 1 ? ['left'] : [],
      issues: k === 1 ? [{ cameraId: 'left', kind: 'missing', message: 'late' }] : [],
    });
  }
  await w.close();
}

describe('viper eval on a results MCAP', () => {
  const file = join(dir, 'results.mcap');

  it('scores tracks, BEV objects and run figures', async () => {
    await writeResults(file);
    const r = await run(file, '--json', '--min-visibility', '0');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as EvalReport;
    expect(rep.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 3, CLR_FN: 1, CLR_FP: 0, IDSW: 0 });
    expect(rep.tracking!.overall.CLEAR.MOTA).toBeCloseTo(0.75, 12);
    expect(rep.tracking!.perClass.pedestrian!.CLEAR).toMatchObject({ CLR_TP: 1, CLR_FN: 1 });
    expect(Object.keys(rep.tracking!.perCamera)).toEqual(['front']);
    expect(rep.detection!.perClass.car!.AP).toBeCloseTo(1, 9);
    expect(rep.bev!.metrics.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FN: 2, CLR_FP: 0 });
    expect(rep.bev!.amota.perClass.car!.AMOTP).toBeCloseTo(0.5, 9);
    expect(rep.run).toMatchObject({
      rigFrames: 2,
      cameraFrames: 3,
      cameraFramesMissing: 1,
      issues: { missing: 1 },
    });
  });

  it("scores an MCAP as the scenario suite does by default (visibility 0.25, 8 px don't-care), in 2D and BEV", async () => {
    const rep = JSON.parse((await run(file, '--json')).out) as EvalReport;
    // p1 is 20 % visible: left out, so its track is a false positive and its fused absence no miss
    expect(rep.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FN: 0, CLR_FP: 1 });
    expect(rep.bev!.metrics.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FN: 0, CLR_FP: 0 });
    const explicit = JSON.parse(
      (await run(file, '--json', '--min-visibility', '0.25', '--min-height', '8')).out,
    );
    expect(rep).toEqual(explicit);
    // ground truth 10 px tall is don't-care at --min-height 12, in 2D and BEV alike
    const tall = JSON.parse((await run(file, '--json', '--min-height', '12')).out) as EvalReport;
    expect(tall.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 0, CLR_FN: 0 });
    expect(tall.bev!.metrics.CLEAR).toMatchObject({ CLR_TP: 0, CLR_FN: 0 });
  });

  it('leaves out barely visible ground truth with --min-visibility', async () => {
    const rep = JSON.parse((await run(file, '--json', '--min-visibility', '0.5')).out) as EvalReport;
    expect(rep.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FN: 0, CLR_FP: 1 });
  });

  it('lists id switches with their stamp rank and seconds after the first stamp (--switches)', async () => {
    const swapped = join(dir, 'swapped.mcap');
    await writeResults(swapped, 9);
    const rep = JSON.parse((await run(swapped, '--json', '--switches')).out) as EvalReport;
    expect(rep.tracking!.overall.CLEAR.IDSW).toBe(1);
    expect(rep.idSwitches).toEqual([
      {
        camera: 'front',
        frame: 1,
        timeS: 1,
        gtId: 'a1',
        cls: 'car',
        from: 3,
        to: 9,
        gtBox: { x1: 0, y1: 0, x2: 10, y2: 10 },
      },
    ]);
    expect((await run(swapped, '--switches')).out).toMatch(
      /cam front {2}t 1\.00 s \(frame 1\) {2}gt a1 \(car\): track 3 → 9/,
    );
  });

  it('draws the detection precision–recall curves with --pr-plot, the report unchanged', async () => {
    const svg = join(dir, 'pr.svg');
    const plain = JSON.parse((await run(file, '--json')).out) as EvalReport;
    const rep = JSON.parse((await run(file, '--json', '--pr-plot', svg)).out) as EvalReport;
    expect(rep).toEqual(plain);
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text).toContain(`car  AP50 ${plain.detection!.perClass.car!.AP50.toFixed(3)}`);
    // Its folder is made, as every output's is; under a file it cannot be.
    const made = await run(file, '--pr-plot', join(dir, 'new', 'pr.svg'));
    expect(made.code).toBe(0);
    expect(made.out.endsWith(`wrote ${join(dir, 'new', 'pr.svg')}\n`)).toBe(true);
    expect(readFileSync(join(dir, 'new', 'pr.svg'), 'utf8')).toBe(text);
    const bad = await run(file, '--pr-plot', join(svg, 'pr.svg'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /^error: config: cannot create the folder .*pr\.svg: .*pr\.svg is a file \(--pr-plot\) — .*\n$/,
    );
  });

  it('prints a text report', async () => {
    const r = await run(file);
    expect(r.out).toMatch(/2D tracking \(IoU\)/);
    expect(r.out).toMatch(/overall\s+\d/);
    expect(r.out).toMatch(/AMOTA/);
    expect(r.out).toMatch(/run: 2 rig frames, 1\/3 camera frames missing/);
  });

  it('fails with exit 2 and one line when the ground truth topic is absent', async () => {
    const empty = join(dir, 'empty.mcap');
    const w = await RecordingWriter.create(empty);
    await w.close();
    const r = await run(file, '--gt', empty);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: input: no \/ground_truth\/objects topic/);
  });

  it('fails with exit 2 when there is nothing to score (a recording never replayed)', async () => {
    // The results file read as the ground truth: it has /ground_truth/objects; a copy without outputs has only that.
    const raw = join(dir, 'raw.mcap');
    const w = await RecordingWriter.create(raw);
    const ch = await w.addChannel('/ground_truth/objects', {
      kind: 'json',
      name: 'viper.GroundTruth',
      jsonSchema: {},
    });
    // One actor seen by a camera: a recording has cameras, and the results (none) must not be blamed on them.
    const box3 = { center: [0, 0, 0], size: [4, 2, 1.5], yaw: 0 };
    const actor = {
      id: 'C1',
      cls: 'car',
      boxWorld: box3,
      boxEgo: box3,
      velocity: [0, 0, 0],
      cameras: [{ cameraId: 'cam_front', box: { x1: 10, y1: 10, x2: 60, y2: 40 }, visibleFraction: 1 }],
    };
    await w.write(
      ch,
      1_000_000_000n,
      new TextEncoder().encode(JSON.stringify({ stampNs: '1000000000', actors: [actor] })),
    );
    await w.close();
    const r = await run(raw);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^error: config: nothing to score: .* — replay it with a tracker first: viper replay \/.*\/raw\.mcap -o \/.*\/raw\.results\.mcap/,
    );
  });

  it('--iou 0 (boxes that do not touch would match) and --format on an MCAP are refused by name', async () => {
    const gt = join(dir, 'iou0-gt.txt');
    writeFileSync(gt, '1,1,0,0,10,10,1,1,1\n');
    const tr = join(dir, 'iou0-tr.txt');
    writeFileSync(tr, '1,1,500,500,10,10,1,-1,-1,-1\n');
    const r = await run(tr, '--gt', gt, '--iou', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: config: --iou must be a number in \(0, 1\], got '0'/);
    const rec = join(dir, 'notrack.results.mcap');
    const k = await run(rec, '--format', 'kitti');
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/--format kitti is for text files, and .* is an MCAP recording/);
  });

  it('results of a replay without a tracker: their detections are scored for AP, nothing else', async () => {
    const rec = join(dir, 'notrack.mcap');
    await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
    const out = join(dir, 'notrack.results.mcap');
    expect(
      (
        await viperInProcess([
          'replay',
          rec,
          '-o',
          out,
          '--detector',
          'oracle',
          '--tracker',
          'none',
          '--no-progress',
        ])
      ).code,
    ).toBe(0);
    const r = await run(out, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as {
      tracking?: unknown;
      bev?: unknown;
      detection: { mAP50: number; perClass: Record<string, { numDets: number; numGt: number }> };
      notes: string[];
    };
    expect(j.tracking).toBeUndefined();
    expect(j.bev).toBeUndefined();
    // The detections the file holds are AP's boxes (those of classes with ground truth are listed per class); the
    // oracle's lie near the ground truth.
    const dets = Object.values(j.detection.perClass).reduce((n, c) => n + c.numDets, 0);
    const held = Number(
      /^no tracks: the (\d+) detections \(boxes without track ids: --tracker none\) are scored for AP only$/.exec(
        j.notes.find((n) => n.startsWith('no tracks')) ?? '',
      )?.[1],
    );
    expect(dets).toBeLessThanOrEqual(held);
    expect(dets).toBeGreaterThan(0.9 * held);
    expect(dets).toBeGreaterThan(50);
    expect(j.detection.mAP50).toBeGreaterThan(0.8);
    const text = await run(out);
    expect(text.out).toMatch(
      /detection AP \(COCO, over the output's boxes: track boxes, or detections with --tracker none\)/,
    );
  }, 60_000);

  it('refuses ground truth from another recording than the results were replayed from (exit 2)', async () => {
    // raw.mcap (above) holds other ground truth than the results file passes through from its input.
    const r = await run(file, '--gt', join(dir, 'raw.mcap'));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(
      /^error: input: results were replayed from another recording: .* — pass the recording/,
    );
    // The recording they came from is accepted: the results file itself holds it.
    expect((await run(file, '--gt', file)).code).toBe(0);
  });
});

describe('viper eval on text files', () => {
  it('scores MOTChallenge files and reports bad lines', async () => {
    const gt = join(dir, 'gt.txt');
    const tr = join(dir, 'tr.txt');
    writeFileSync(gt, '1,1,0,0,10,10,1,-1,-1,-1\n2,1,0,0,10,10,1,-1,-1,-1\n');
    writeFileSync(tr, '1,5,0,0,10,10,0.9,-1,-1,-1\n2,6,0,0,10,10,0.8,-1,-1,-1\n');
    const rep = JSON.parse((await run(tr, '--gt', gt, '--json')).out) as EvalReport;
    expect(rep.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 2, IDSW: 1 });
    expect(rep.idSwitches).toBeUndefined();
    const listed = await run(tr, '--gt', gt, '--switches');
    expect(listed.out).toMatch(
      /2D identity switches: 1\n {2}cam - {2}frame 2 {2}gt 1: track 5 → 6 \(new\) {2}box 0,0 10×10 px/,
    );
    // A text file is one camera-less sequence: its row would repeat the overall one.
    expect(listed.out).toMatch(/ {2}overall /);
    expect(listed.out).not.toMatch(/^ {2}cam - +\d/m);
    // Boxes 6 px tall count by default in a text file (MCAP results get the suite's 8 px rule instead).
    writeFileSync(gt, '1,1,0,0,10,6,1,-1,-1,-1\n2,1,0,0,10,6,1,-1,-1,-1\n');
    writeFileSync(tr, '1,5,0,0,10,6,0.9,-1,-1,-1\n2,5,0,0,10,6,0.8,-1,-1,-1\n');
    const short = JSON.parse((await run(tr, '--gt', gt, '--json')).out) as EvalReport;
    expect(short.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FN: 0 });
    const ruled = JSON.parse((await run(tr, '--gt', gt, '--json', '--min-height', '8')).out) as EvalReport;
    expect(ruled.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 0, CLR_FN: 0 });
    writeFileSync(tr, '1,5,0,0,10,10\n2,6,0,zero,10,10\n');
    const bad = await run(tr, '--gt', gt);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/field y is "zero".*tr\.txt: MOTChallenge line 2/);
  });
  it('applies MOT17 preprocessing with --benchmark', async () => {
    const gt = join(dir, 'gt17.txt');
    const tr = join(dir, 'tr17.txt');
    writeFileSync(gt, '1,1,0,0,10,10,1,1,1\n1,2,100,0,10,10,1,8,1\n');
    writeFileSync(tr, '1,5,0,0,10,10,0.9,-1,-1,-1\n1,6,100,0,10,10,0.8,-1,-1,-1\n');
    const plain = JSON.parse((await run(tr, '--gt', gt, '--json')).out) as EvalReport;
    expect(plain.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FP: 0 });
    const mot17 = JSON.parse((await run(tr, '--gt', gt, '--json', '--benchmark', 'MOT17')).out) as EvalReport;
    expect(mot17.tracking!.overall.CLEAR).toMatchObject({ CLR_TP: 1, CLR_FP: 0, CLR_FN: 0 });
    expect(mot17.notes[0]).toMatch(/1 tracker boxes on distractors removed/);
    expect((await run(tr, '--gt', gt, '--benchmark', 'MOT99')).err).toMatch(/--benchmark 'MOT99'/);
  });
  it('says a results path that is a folder or missing is that, before asking for --gt', async () => {
    const folder = join(dir, 'exported');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'cam0.txt'), '1,5,0,0,10,10,0.9,-1,-1,-1\n');
    const f = await run(folder);
    expect(f.code).toBe(2);
    expect(f.err).toBe(
      `error: input: the results are a folder, not a file (${folder}) — score one of its files against its labels, e.g. viper eval ${join(folder, 'cam0.txt')} --gt <labels.txt>\n`,
    );
    const missing = join(dir, 'missing.txt');
    const m = await run(missing);
    expect(m.code).toBe(2);
    expect(m.err).toBe(`error: input: file not found (${missing}) — check the path\n`);
    // With --gt as well, the results path is still the one named.
    expect((await run(folder, '--gt', join(folder, 'cam0.txt'))).err).toMatch(/the results are a folder/);
  });
  it('needs --gt for text results and checks options', async () => {
    writeFileSync(join(dir, 'x.txt'), '1,5,0,0,10,10,0.9,-1,-1,-1\n');
    expect((await run(join(dir, 'x.txt'))).err).toMatch(/need --gt/);
    expect((await run(join(dir, 'x.txt'), '--gt', 'y', '--iou', '2')).err).toMatch(
      /--iou must be a number in \(0, 1\], got '2'/,
    );
    // Tracks without scores (MOT conf −1) give no detection AP, so there are no curves to draw.
    const gt = join(dir, 'gt-noscore.txt');
    const tr = join(dir, 'tr-noscore.txt');
    writeFileSync(gt, '1,1,0,0,10,10,1,-1,-1,-1\n');
    writeFileSync(tr, '1,5,0,0,10,10,-1,-1,-1,-1\n');
    const r = await run(tr, '--gt', gt, '--pr-plot', join(dir, 'none.svg'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--pr-plot: the results have no scored boxes/);
    // Scored text results: one curve, for MOT's single class, named "(all)" in the legend.
    writeFileSync(tr, '1,5,0,0,10,10,0.9,-1,-1,-1\n');
    const ok = await run(tr, '--gt', gt, '--pr-plot', join(dir, 'mot.svg'));
    expect(ok.code).toBe(0);
    expect(readFileSync(join(dir, 'mot.svg'), 'utf8')).toMatch(/\(all\) {2}AP50 1\.000 {2}\(1 boxes\)/);
  });
});
