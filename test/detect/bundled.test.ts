/**
 * The bundled detector (models/viper-det) through Viper's Detector on freshly simulated frames of two scenarios it
 * was never trained on (urban_intersection, rain_noise: held out), scored against the simulator's exact ground
 * truth: actors taller than 20 px and at least 30 % visible must be found with the right class at IoU 0.5, and
 * detections must mostly be such actors.
 *
 * The floors are regression floors for the committed model, set just under what it scores here at the card's
 * threshold (run 11, threshold 0.35: recall 0.76 = 32/42, car recall 0.79 = 11/14, precision 0.80 = 33/41; run
 * 10 and run 8 without peak picking 32/42, 11/14, 33/43; run 8 with the peaks at 0.3: 32/42, 12/14, 33/45; run 6: 33/42,
 * 11/14, 34/45; run 5, held-out AP50 0.59 against 0.80 now: 36/42, 12/14, 37/48 — on 42 actors the operating
 * point says less than the AP over 900 images), NOT issue #7's target (AP50 ≥ 0.85), which it does not meet: see
 * models/viper-det/README.md.
 * An untrained model, a missing/garbled card, a wrong scale or letterbox alignment fails them; a swapped colour
 * order alone may not (the model was trained with colour jitter and random actor colours).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraFrame } from '../../src/contracts/camera.ts';
import { VIPER_CLASSES } from '../../src/contracts/classes.ts';
import type { Box2D } from '../../src/contracts/geometry.ts';
import { Detector, type FrameDetections } from '../../src/detect/index.ts';
import { BUNDLED_MODEL } from '../../src/graph/buildStages.ts';
import { jpegCameraFrames, loadScenario, simulateFrames } from '../../src/sim/index.ts';

interface Gt {
  cls: string;
  box: Box2D;
  /** Counted for recall (tall and visible enough); others may be matched but are not required. */
  required: boolean;
}

interface Sample {
  frame: CameraFrame;
  gt: Gt[];
}

function iou(a: Box2D, b: Box2D): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

async function samples(path: string, ks: number[]): Promise<Sample[]> {
  const { scenario, world } = await loadScenario(path);
  const out: Sample[] = [];
  for (const f of simulateFrames(world, { frames: ks })) {
    const frames = await jpegCameraFrames(f, scenario.sensor.jpegQuality, scenario.name);
    for (const frame of frames) {
      const gt: Gt[] = [];
      for (const a of f.gt.actors) {
        const v = a.cameras.find((c) => c.cameraId === frame.cameraId);
        if (!v || v.box.x2 <= v.box.x1 || v.box.y2 <= v.box.y1) continue;
        gt.push({ cls: a.cls, box: v.box, required: v.box.y2 - v.box.y1 > 20 && v.visibleFraction >= 0.3 });
      }
      out.push({ frame, gt });
    }
  }
  return out;
}

/** Greedy one-to-one matching by score at IoU ≥ 0.5, same class. */
function score(all: Sample[], results: FrameDetections[]) {
  let required = 0;
  let found = 0;
  let cars = 0;
  let carsFound = 0;
  let dets = 0;
  let onActors = 0;
  all.forEach((s, i) => {
    const taken = new Set<number>();
    const ds = [...(results[i]?.detections ?? [])].sort((a, b) => b.score - a.score);
    for (const d of ds) {
      let best = -1;
      let bestIou = 0.5;
      s.gt.forEach((g, gi) => {
        const v = iou(d.box, g.box);
        if (!taken.has(gi) && g.cls === d.cls && v >= bestIou) {
          best = gi;
          bestIou = v;
        }
      });
      if (best >= 0) taken.add(best);
      // Small detections of small actors are neither required nor penalised.
      if (d.box.y2 - d.box.y1 <= 20 && (best < 0 || !s.gt[best]!.required)) continue;
      dets++;
      if (best >= 0) onActors++;
    }
    s.gt.forEach((g, gi) => {
      if (!g.required) return;
      required++;
      if (taken.has(gi)) found++;
      if (g.cls === 'car') {
        cars++;
        if (taken.has(gi)) carsFound++;
      }
    });
  });
  return {
    required,
    recall: found / required,
    carRecall: carsFound / Math.max(1, cars),
    cars,
    dets,
    precision: onActors / Math.max(1, dets),
  };
}

describe('bundled detector (models/viper-det) on held-out scenarios', () => {
  let detector: Detector;
  let data: Sample[];
  let results: FrameDetections[];

  beforeAll(async () => {
    detector = await Detector.open({ model: BUNDLED_MODEL, threads: 1 });
    data = [
      ...(await samples('scenarios/urban_intersection.yaml', [10, 30, 50, 70])),
      ...(await samples('scenarios/rain_noise.yaml', [15, 45])),
    ];
    results = await detector.detect(data.map((s) => s.frame));
  });
  afterAll(async () => {
    await detector?.close();
  });

  it('is the card replay uses by default, with the six Viper classes', () => {
    expect(detector.card.cardPath).toBe(BUNDLED_MODEL);
    expect(detector.card.output.layout).toBe('viper');
    expect(Object.values(detector.card.classMap).sort()).toEqual([...VIPER_CLASSES].sort());
  });

  it('finds the actors taller than 20 px with the right class (recall ≥ 0.75 at IoU 0.5)', () => {
    const s = score(data, results);
    expect(s.required).toBeGreaterThan(30);
    expect(s.recall).toBeGreaterThanOrEqual(0.75);
  });

  it('finds most cars taller than 20 px (recall ≥ 0.75)', () => {
    const s = score(data, results);
    expect(s.cars).toBeGreaterThan(10);
    expect(s.carRecall).toBeGreaterThanOrEqual(0.75);
  });

  it('detects actors more than scenery (precision ≥ 0.7 at the card threshold)', () => {
    const s = score(data, results);
    expect(s.dets).toBeGreaterThan(20);
    expect(s.precision).toBeGreaterThanOrEqual(0.7);
  });

  it('returns boxes in original image pixels, inside the frame', () => {
    for (const r of results) {
      for (const d of r.detections) {
        expect(d.box.x1).toBeGreaterThanOrEqual(0);
        expect(d.box.y1).toBeGreaterThanOrEqual(0);
        expect(d.box.x2).toBeLessThanOrEqual(640);
        expect(d.box.y2).toBeLessThanOrEqual(360);
        expect(d.box.x2).toBeGreaterThan(d.box.x1);
      }
    }
  });
});
