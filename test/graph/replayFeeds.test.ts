/**
 * Several recordings replayed at once as feeds around one model detector: each feed's results are those of
 * replaying it alone, byte for byte; the detector is loaded once, its calls gather the frames of the feeds
 * waiting, and it closes with the last feed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraFrame } from '../../src/contracts/camera.ts';
import { BUNDLED_MODEL } from '../../src/detect/card.ts';
import { Detector } from '../../src/detect/Detector.ts';
import { SharedDetector } from '../../src/detect/shared.ts';
import { buildStages } from '../../src/graph/buildStages.ts';
import { replay } from '../../src/graph/replay.ts';
import { feedOutputs, replayFeeds } from '../../src/graph/replayFeeds.ts';
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
    const { feeds: outcomes, detector } = await replayFeeds({ inputs, outDir, stageOptions });
    expect(outcomes.map((x) => x.output)).toEqual(feedOutputs(inputs, outDir));
    for (const [k, x] of outcomes.entries()) {
      if (!('summary' in x)) throw new Error(`feed ${k} failed: ${String(x.error)}`);
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

  it('refuses two recordings that would make one feed, before writing anything', () => {
    expect(() => feedOutputs([join(dir, 'a', 'x.mcap'), join(dir, 'b', 'x.mcap')], dir)).toThrow(
      /two recordings make one feed 'x'/,
    );
  });
});

describe('SharedDetector', () => {
  const opened: Detector[] = [];
  afterAll(async () => {
    for (const d of opened) await d.close();
  });

  it('gathers the requests waiting into one call, answers each its own frames, closes with the last lease', async () => {
    const detector = await Detector.open({ model: BUNDLED_MODEL, threads: 1 });
    const direct = await Detector.open({ model: BUNDLED_MODEL, threads: 1 });
    opened.push(direct);
    const shared = new SharedDetector(detector);
    const leases = [0, 1, 2, 3].map(() => shared.lease());
    // Each lease asks with its own simulated rig frame (two cameras, 640×360: cars and a pedestrian to find).
    const world = scenarioFromValue(
      tinyScenario({ rig: { ...tinyScenario().rig!, width: 640, height: 360 } }),
      's',
    ).world;
    const frames: CameraFrame[][] = [];
    for (const f of simulateFrames(world, { frames: [0, 1, 3, 4] }))
      frames.push(await jpegCameraFrames(f, 90, 's'));
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
    expect((await leases[3]!.detect(frames[3]!)).map((r) => r.detections)).toEqual(
      answers[3]!.map((r) => r.detections),
    );
    await leases[3]!.close();
    await expect(detector.detect(frames[0]!)).rejects.toThrow();
  });
});
