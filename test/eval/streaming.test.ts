/**
 * The frame-by-frame scorers (what `viper eval` runs over MCAP files, two passes stamp by stamp) give exactly what
 * whole prepared sequences give: TrackingScorer against applyDontCare + sequenceFromRows + evaluateSequence per
 * camera and camera × class, ApAccumulator fed frame by frame against one call over all rows, BevScorer against
 * evaluateSequence on the whole BEV sequence.
 */
import { describe, expect, it } from 'vitest';
import {
  ApAccumulator,
  apBoxes,
  averageClasses,
  applyDontCare,
  BevScorer,
  type BevRow,
  type Breakdown,
  centreDistanceSimilarity,
  combineSequences,
  evaluateSequence,
  type RowsOptions,
  type SequenceMetrics,
  sequenceFromRows,
  TrackingScorer,
  trackRowsAp,
  type TrackRow,
} from '../../src/eval/index.ts';
import { applyBevDontCare } from '../../src/eval/bev.ts';

/** A deterministic pseudo-random generator (LCG), so the test is the same every run. */
function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n);
  };
}

/** Rows of 3 cameras and 3 classes over 40 frames: crowded, with don't-care and short boxes and tied scores. */
function generate(seed: number): { gt: TrackRow[]; tr: TrackRow[] } {
  const ri = random(seed);
  const gt: TrackRow[] = [];
  const tr: TrackRow[] = [];
  const classes = ['car', 'pedestrian', 'bus'];
  for (let frame = 0; frame < 40; frame++) {
    for (const camera of ['front', 'left', 'right']) {
      for (let id = 0; id < 12; id++) {
        if (ri(3) === 0) continue;
        const x = id * 30 + ri(12);
        const h = 4 + ri(20);
        gt.push({
          frame,
          id,
          camera,
          cls: classes[id % 3]!,
          box: { x1: x, y1: 0, x2: x + 12, y2: h },
          ...(ri(10) === 0 ? { ignore: true } : {}),
        });
      }
      for (let id = 100; id < 114; id++) {
        if (ri(3) === 0) continue;
        // Tracks follow objects with ids that drift, so there are switches and several pairs per object.
        const x = ((id + (frame >> 3)) % 12) * 30 + ri(16);
        tr.push({
          frame,
          id,
          camera,
          cls: classes[ri(4) === 0 ? ri(3) : id % 3]!,
          score: [0.4, 0.7, 0.9][ri(3)]!,
          box: { x1: x, y1: 0, x2: x + 12, y2: 4 + ri(20) },
        });
      }
    }
  }
  return { gt, tr };
}

/** The breakdown from whole sequences, as evaluateRows computed it before it scored frame by frame. */
function wholeSequences(gt: TrackRow[], tr: TrackRow[], opts: RowsOptions): Breakdown {
  const cameras = [...new Set([...gt, ...tr].map((r) => r.camera ?? ''))].sort();
  const classes = [...new Set([...gt, ...tr].map((r) => r.cls!))].sort();
  const one = (g: TrackRow[], t: TrackRow[]): SequenceMetrics => {
    const p = applyDontCare(g, t, { threshold: opts.threshold ?? 0.5, minHeightPx: opts.minHeightPx ?? 0 });
    return evaluateSequence(sequenceFromRows(p.gt, p.tr, opts), opts);
  };
  const cam = (rows: TrackRow[], c: string) => rows.filter((r) => r.camera === c);
  const perCamera: Record<string, SequenceMetrics> = {};
  for (const c of cameras) perCamera[c] = one(cam(gt, c), cam(tr, c));
  const perClass: Record<string, SequenceMetrics> = {};
  for (const cls of classes) {
    perClass[cls] = combineSequences(
      cameras.map((c) =>
        one(
          cam(gt, c).filter((r) => r.cls === cls),
          cam(tr, c).filter((r) => r.cls === cls),
        ),
      ),
    );
  }
  return {
    overall: combineSequences(Object.values(perCamera)),
    classAveraged: averageClasses(Object.values(perClass)),
    perCamera,
    perClass,
  };
}

/** Rows of each frame in turn, frames increasing. */
function byFrame<R extends { frame: number }>(gt: R[], tr: R[]): { frame: number; gt: R[]; tr: R[] }[] {
  const frames = [...new Set([...gt, ...tr].map((r) => r.frame))].sort((a, b) => a - b);
  return frames.map((frame) => ({
    frame,
    gt: gt.filter((r) => r.frame === frame),
    tr: tr.filter((r) => r.frame === frame),
  }));
}

describe('scoring frame by frame', () => {
  for (const convention of ['trackeval', 'motmetrics'] as const) {
    for (const minHeightPx of [0, 8]) {
      it(`equals whole sequences: ${convention}, minHeightPx ${minHeightPx}`, () => {
        const { gt, tr } = generate(convention.length * 7 + minHeightPx);
        const opts: RowsOptions = { convention, minHeightPx, firstFrame: 0, lastFrame: 45 };
        const s = new TrackingScorer(opts);
        for (const pass of [1, 2] as const) {
          s.pass = pass;
          for (const f of byFrame(gt, tr)) s.frame(f.frame, f.gt, f.tr);
        }
        const streamed = s.breakdown();
        const whole = wholeSequences(gt, tr, opts);
        expect(streamed).toEqual(whole);
        // Something to compare: every camera and class scored, switches and don't-care boxes present.
        expect(Object.keys(streamed.perCamera)).toEqual(['front', 'left', 'right']);
        expect(Object.keys(streamed.perClass)).toEqual(['bus', 'car', 'pedestrian']);
        expect(streamed.overall.CLEAR.IDSW).toBeGreaterThan(10);
        expect(applyDontCare(gt, tr, { minHeightPx }).removedGt).toBeGreaterThan(0);
      });
    }
  }

  it('AP fed frame by frame equals AP of all rows at once (ties in score keep their order)', () => {
    const { gt, tr } = generate(3);
    const acc = new ApAccumulator({ minHeightPx: 8, curves: true });
    for (const f of byFrame(gt, tr)) {
      const { dets, gts } = apBoxes(f.gt, f.tr);
      acc.addImages(dets, gts);
    }
    const whole = trackRowsAp(gt, tr, 8, true);
    expect(acc.result()).toEqual(whole);
    expect(Object.keys(whole.perClass)).toEqual(['bus', 'car', 'pedestrian']);
  });

  it('BEV fed frame by frame equals the whole BEV sequence', () => {
    const { gt: g2, tr: t2 } = generate(5);
    const bev = (r: TrackRow): BevRow => ({
      frame: r.frame,
      id: `${r.camera}${r.id}`,
      cls: r.cls!,
      x: r.box.x1 / 10,
      y: (r.box.y2 - r.box.y1) / 10,
      ...(r.ignore ? { ignore: true } : {}),
    });
    const gt = g2.map(bev);
    const tr = t2.map(bev);
    const s = new BevScorer({ matchDistanceM: 2 });
    for (const pass of [1, 2] as const) {
      s.pass = pass;
      for (const f of byFrame(gt, tr)) s.frame(f.frame, f.gt, f.tr);
    }
    const kept = applyBevDontCare(gt, tr, 2);
    const frames = byFrame(kept.gt, kept.tr);
    const whole = evaluateSequence(
      {
        frames: frames.map((f) => ({
          gtIds: f.gt.map((r) => r.id),
          trIds: f.tr.map((r) => r.id),
          gtBoxes: f.gt,
          trBoxes: f.tr,
        })),
        frameCount: frames.at(-1)!.frame - frames[0]!.frame + 1,
      },
      { similarity: centreDistanceSimilarity(4), threshold: 0.5 },
    );
    expect(s.metrics()).toEqual(whole);
    expect(whole.CLEAR.CLR_TP).toBeGreaterThan(100);
  });
});
