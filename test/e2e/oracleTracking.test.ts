/**
 * Tracking and fusion quality with the oracle detector (simulator ground truth + seeded noise, the fixed
 * yardstick of src/detect/oracle.ts) on two bundled scenarios, shortened and at low resolution: 2D IDF1 and id
 * switches per camera over all cameras, and the hand-off: one world id covers the overtaking car across the back,
 * back-left, front-left and front cameras.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRows } from '../../src/eval/evaluate.ts';
import { rowsOf } from '../../src/eval/scenarios/metricTable.ts';
import { type RunData, readRun } from '../../src/eval/scenarios/readRun.ts';
import { scoreData } from '../../src/eval/scenarios/score.ts';
import { buildStages } from '../../src/graph/buildStages.ts';
import { replay } from '../../src/graph/replay.ts';
import { simulateSmall } from '../testing/sim.ts';

const MIN_VISIBILITY = 0.25; // the oracle's minVisible: less visible ground truth is not scored
const MIN_HEIGHT_PX = 8; // the oracle's minHeight: smaller boxes are never detected (the suite's don't-care)

const dir = mkdtempSync(join(tmpdir(), 'viper-oracle-tracking-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  scenario: string,
  o: { duration: number; width: number; height: number },
): Promise<RunData> {
  const input = join(dir, `${scenario}.mcap`);
  const output = join(dir, `${scenario}.out.mcap`);
  await simulateSmall(scenario, input, o);
  const { stages, metadata } = await buildStages(
    { detector: 'oracle', tracker: 'bytetrack', fuse: true },
    input,
  );
  // The effective range cue is recorded even when not given (its default changed once).
  expect(metadata.rangeCue).toBe('mixed');
  await replay({ input, output, stages });
  return readRun(output, input);
}

interface Quality {
  idf1: number;
  idsw: number;
  /** Ground-truth tracks: distinct (camera, actor) pairs. */
  gtTracks: number;
  /**
   * IDF1 with ground truth under 8 px don't-care (with the tracks on it), as the scenario suite scores: the
   * oracle never reports such boxes, so this is the tracker's share of the score.
   */
  idf1Detectable: number;
}

function quality(r: RunData): Quality {
  const { gt, tr } = rowsOf(r, MIN_VISIBILITY);
  const range = { threshold: 0.5, firstFrame: 0, lastFrame: r.stampsNs.length - 1 };
  const all = evaluateRows(gt, tr, range).overall;
  const detectable = evaluateRows(gt, tr, { ...range, minHeightPx: MIN_HEIGHT_PX }).overall;
  return {
    idf1: all.Identity.IDF1,
    idsw: all.CLEAR.IDSW,
    gtTracks: new Set(gt.map((g) => `${g.camera}\u0000${g.id}`)).size,
    idf1Detectable: detectable.Identity.IDF1,
  };
}

const fmt = (q: Quality) =>
  `IDF1 ${q.idf1.toFixed(3)} (on ≥ ${MIN_HEIGHT_PX} px ground truth ${q.idf1Detectable.toFixed(3)}), ` +
  `${q.idsw} id switches over ${q.gtTracks} ground-truth tracks`;

describe('oracle detector → ByteTrack → fusion on bundled scenarios', () => {
  it('hands the overtaking car over from camera to camera under one world id', async () => {
    const r = await run('overtaking_handoff', { duration: 5, width: 480, height: 270 });
    const s = scoreData(
      r,
      { metrics: [], events: [{ type: 'single_world_id', actor: 'C1', minFraction: 0.95 }] },
      'overtaking_handoff',
      { minVisibility: MIN_VISIBILITY },
    );
    const q = quality(r);
    console.log(`overtaking_handoff (5 s, 480×270): ${fmt(q)}; ${s.checks[0]!.detail}`);
    expect(s.checks[0]!.value).toBeGreaterThanOrEqual(0.95); // measured 48/50 frames, one id
    expect(q.idsw / q.gtTracks).toBeLessThanOrEqual(0.01); // measured 0 / 11
    // Measured 0.919 with < 8 px ground truth don't-care (0.700 scoring every box): each camera entry still
    // costs the frame before a track is confirmed.
    expect(q.idf1Detectable).toBeGreaterThanOrEqual(0.9);
  }, 90_000);

  it('keeps pedestrian identities through the crossing', async () => {
    const r = await run('pedestrian_crossing', { duration: 4, width: 480, height: 270 });
    const q = quality(r);
    console.log(`pedestrian_crossing (4 s, 480×270): ${fmt(q)}`);
    expect(q.idsw / q.gtTracks).toBeLessThanOrEqual(0.01); // measured 0 / 6
    expect(q.idf1Detectable).toBeGreaterThanOrEqual(0.9); // measured 0.960 (0.837 with the < 8 px boxes)
  }, 90_000);
});
