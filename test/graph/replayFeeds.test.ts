/**
 * Several recordings replayed at once as feeds around one model detector: each feed's results are those of
 * replaying it alone, byte for byte; the detector is loaded once, its calls gather the frames of the feeds
 * waiting, and it closes with the last feed.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CameraFrame } from '../../src/contracts/camera.ts';
import { BUNDLED_MODEL } from '../../src/detect/card.ts';
import { Detector } from '../../src/detect/Detector.ts';
import { DetectStopped, SharedDetector } from '../../src/detect/shared.ts';
import { buildStages } from '../../src/graph/buildStages.ts';
import { replay } from '../../src/graph/replay.ts';
import { feedNames, feedOutputs, replayFeeds } from '../../src/graph/replayFeeds.ts';
import { jpegCameraFrames, recordScenario } from '../../src/sim/record.ts';
import { simulateFrames } from '../../src/sim/simulate.ts';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { tinyScenario } from '../sim/testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-feeds-'));
const inputs = ['north', 'south', 'east'].map((n) => join(dir, `${n}.mcap`));

beforeAll(async () => {
  for (const [k, path] of inputs.entries()) {
    const s = scenarioFromValue(tinyScenario({ name: `feed${k}`, seed: 11 + k }), `feed${k}`);
    await recordScenario(s.world, path);
  }
});

describe('replayFeeds', () => {
  it('gives every feed the results of replaying it alone, byte for byte, with one model loaded', async () => {
    const stageOptions = { detector: 'model' as const, model: BUNDLED_MODEL, threads: 1 };
    const outDir = join(dir, 'out');
    // Two at a time: the third waits for a turn, and its file is still its replay alone.
    const { feeds: outcomes, detector } = await replayFeeds({ inputs, outDir, stageOptions, feedsAtOnce: 2 });
    expect(outcomes.map((x) => x.output)).toEqual(feedOutputs(inputs, outDir));
    for (const [k, x] of outcomes.entries()) {
      if (!('summary' in x)) throw new Error(`feed ${k}: ${'error' in x ? String(x.error) : 'not started'}`);
      const det = x.summary.stages.detect!;
      expect(det).toMatchObject({ sharedBy: 3, frames: x.summary.cameraFrames, decodeErrors: 0 });
      const alone = join(dir, `alone-${k}.mcap`);
      const built = await buildStages(stageOptions, inputs[k]!);
      await replay({ input: inputs[k]!, output: alone, stages: built.stages, metadata: built.metadata });
      expect(readFileSync(x.output).equals(readFileSync(alone)), `feed ${k}`).toBe(true);
    }
    // The shared detector saw every feed's frames.
    const frames = outcomes.map((x) => ('summary' in x ? x.summary.cameraFrames : 0));
    expect(detector).toMatchObject({ feeds: 3, frames: frames.reduce((a, b) => a + b, 0), decodeErrors: 0 });
  });

  it('stopped before their turn, feeds are not started, leave no file and release the detector', async () => {
    const close = vi.spyOn(Detector.prototype, 'close');
    const control = { stopped: false };
    const outDir = join(dir, 'stopped');
    const { feeds: outcomes } = await replayFeeds({
      inputs,
      outDir,
      stageOptions: { detector: 'model', model: BUNDLED_MODEL, threads: 1 },
      feedsAtOnce: 1,
      control,
      onProgress: () => {
        control.stopped = true;
      },
    });
    expect(close).toHaveBeenCalledTimes(1); // the last lease released it, though two feeds never ran
    close.mockRestore();
    const first = outcomes[0]!;
    expect('summary' in first && first.summary.interrupted).toBe(true);
    expect(existsSync(first.output)).toBe(true);
    for (const x of outcomes.slice(1)) {
      expect(x).toEqual({ input: x.input, output: x.output, notStarted: true });
      expect(existsSync(x.output)).toBe(false);
    }
  });

  it('a recording spoilt before its turn fails that feed alone, nothing written, the detector still released', async () => {
    const close = vi.spyOn(Detector.prototype, 'close');
    const copies = inputs.map((p, k) => {
      const c = join(dir, `spoilt${k}.mcap`);
      copyFileSync(p, c);
      return c;
    });
    const { feeds: outcomes } = await replayFeeds({
      inputs: copies,
      outDir: join(dir, 'spoilt'),
      stageOptions: { detector: 'model', model: BUNDLED_MODEL, threads: 1 },
      feedsAtOnce: 1,
      onStart: () => writeFileSync(copies[2]!, 'no longer a recording'), // checked already, not yet reopened
    });
    expect(close).toHaveBeenCalledTimes(1);
    close.mockRestore();
    expect(outcomes.slice(0, 2).every((x) => 'summary' in x)).toBe(true);
    const last = outcomes[2]!;
    expect('error' in last && last.wrote).toBe(false);
    expect('error' in last && String(last.error)).toMatch(/not an MCAP file/);
    expect(existsSync(last.output)).toBe(false);
  });

  it('refuses a number of feeds at once that is not a whole number ≥ 1', async () => {
    for (const feedsAtOnce of [0, 1.5, Number.NaN]) {
      await expect(
        replayFeeds({ inputs, outDir: join(dir, 'never'), stageOptions: { detector: 'none' }, feedsAtOnce }),
      ).rejects.toThrow(/feeds at once must be a whole number/);
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('names feeds of one file name by the shortest end of their paths that differs; one file twice is refused', () => {
    const paths = ['/d/siteA/cam.mcap', '/d/siteB/cam.mcap', '/d/siteB/other.mcap', '/e/x/siteA/cam.mcap'];
    expect(feedNames(paths)).toEqual(['d_siteA_cam', 'siteB_cam', 'other', 'x_siteA_cam']);
    // Whatever the order given.
    expect(feedNames([...paths].reverse())).toEqual(['x_siteA_cam', 'other', 'siteB_cam', 'd_siteA_cam']);
    expect(feedNames(['/d/a/CAM.mcap', '/d/b/cam.mcap'])).toEqual(['a_CAM', 'b_cam']);
    expect(feedOutputs(['/d/siteA/cam.mcap', '/d/siteB/cam.mcap'], dir)).toEqual([
      join(dir, 'siteA_cam.results.mcap'),
      join(dir, 'siteB_cam.results.mcap'),
    ]);
    expect(() => feedOutputs([join(dir, 'a', 'x.mcap'), join(dir, 'a', '.', 'x.mcap')], dir)).toThrow(
      /^config: one recording given twice .*each file once/,
    );
    // Two files whose names differ only in case (two files on Linux): said so, not as one file given twice.
    expect(() => feedNames(['/d/x/North.mcap', '/d/x/north.mcap'])).toThrow(
      /two recordings make one feed 'd_x_North'.*differ only in case/,
    );
    // Two files whose names only `_` joins alike: refused, and said so (not as one file given twice).
    expect(() => feedNames(['/d/x/cam.mcap', '/d/y/cam.mcap', '/d/x_cam.mcap'])).toThrow(
      /two recordings make one feed 'd_x_cam'.*differ only in case or in \/ against _/,
    );
  });
});

describe('SharedDetector', () => {
  const opened: Detector[] = [];
  afterAll(async () => {
    for (const d of opened) await d.close();
  });

  // Each lease asks with its own simulated rig frame (two cameras, 640×360: cars and a pedestrian to find).
  const frames: CameraFrame[][] = [];
  beforeAll(async () => {
    const world = scenarioFromValue(
      tinyScenario({ rig: { ...tinyScenario().rig!, width: 640, height: 360 } }),
      's',
    ).world;
    for (const f of simulateFrames(world, { frames: [0, 1, 3, 4] }))
      frames.push(await jpegCameraFrames(f, 90, 's'));
  });

  it('gathers the requests waiting into one call, answers each its own frames, closes with the last lease', async () => {
    const detector = await Detector.open({ model: BUNDLED_MODEL, threads: 1 });
    const direct = await Detector.open({ model: BUNDLED_MODEL, threads: 1 });
    opened.push(direct);
    const shared = new SharedDetector(detector);
    const leases = [0, 1, 2, 3].map(() => shared.lease());
    const answers = await Promise.all(leases.map((l, k) => l.detect(frames[k]!)));
    const boxes = answers.map((a) => a.map((r) => r.detections));
    for (const [k, got] of boxes.entries()) {
      const alone = await direct.detect(frames[k]!);
      expect(got, `lease ${k}`).toEqual(alone.map((r) => r.detections));
    }
    // Not a vacuous match: there are detections, and each lease's differ from the next one's.
    expect(boxes.flat(2).length).toBeGreaterThan(4);
    for (let k = 1; k < 4; k++) expect(boxes[k]).not.toEqual(boxes[k - 1]);
    // Two calls start at once (one decoding while the other runs); the two requests behind them share the third.
    expect(leases[0]!.describe()).toMatchObject({ sharedBy: 4, frames: 2 });
    expect(shared.describe()).toMatchObject({ feeds: 4, frames: 8, calls: 3, largestCall: 4 });
    for (const l of leases.slice(0, 3)) await l.close();
    await leases[0]!.close(); // a lease closes once: this does not count as another feed leaving
    await expect(leases[0]!.detect(frames[0]!)).rejects.toThrow(/released the shared detector/);
    expect((await leases[3]!.detect(frames[3]!)).map((r) => r.detections)).toEqual(
      answers[3]!.map((r) => r.detections),
    );
    await leases[3]!.close();
    await expect(detector.detect(frames[0]!)).rejects.toThrow();
  });

  it('once stopped, runs no more calls: the calls running finish, the frames waiting are not detected', async () => {
    const pending: (() => void)[] = [];
    const calls: number[] = [];
    const fake = {
      detect: (f: readonly CameraFrame[]) => {
        calls.push(f.length);
        return new Promise((resolve) => pending.push(() => resolve(f.map(() => ({ detections: [] })))));
      },
    } as unknown as Detector;
    const control = { stopped: false };
    const lease = new SharedDetector(fake, 1, control).lease();
    const asked = [0, 1, 2, 3].map((k) => lease.detect(frames[k]!.slice(0, 1)));
    const settled = Promise.allSettled(asked);
    expect(calls).toEqual([1, 1]); // two calls running, two requests waiting
    control.stopped = true;
    for (const resolve of pending) resolve();
    const got = await settled;
    expect(got.map((g) => g.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    for (const g of got.slice(2)) expect((g as PromiseRejectedResult).reason).toBeInstanceOf(DetectStopped);
    await expect(lease.detect(frames[0]!)).rejects.toBeInstanceOf(DetectStopped);
    expect(calls).toEqual([1, 1]);
  });

  it('carries at most its cap of frames in one call, never splitting a request', async () => {
    const detector = await Detector.open({ model: BUNDLED_MODEL, threads: 1 });
    opened.push(detector);
    const shared = new SharedDetector(detector, 3); // each request is one rig frame of two cameras
    const leases = [0, 1, 2, 3].map(() => shared.lease());
    const answers = await Promise.all(leases.map((l, k) => l.detect(frames[k]!)));
    expect(answers.map((a) => a.length)).toEqual([2, 2, 2, 2]);
    // Two start at once; the two behind them would make 4 frames together, over the cap: one call each.
    expect(shared.describe()).toMatchObject({ frames: 8, calls: 4, largestCall: 2 });
    const big = new SharedDetector(detector, 1).lease();
    expect(await big.detect(frames[0]!)).toHaveLength(2); // larger than the cap: goes alone, whole
  });
});
