/**
 * Measure a detector card on simulated scenarios with Viper's own Detector (decode + letterbox + ONNX Runtime +
 * adapter + NMS), against the simulator's exact ground truth, and time it on full-size camera frames.
 *
 *   npx tsx models/viper-det/recipe/measure.ts --score 0.05 --threads 1 \
 *     scenarios/urban_intersection.yaml scenarios/rain_noise.yaml
 *   npx tsx models/viper-det/recipe/measure.ts --card … --speed scenarios/urban_intersection.yaml
 *
 * Quality: every frame of every camera, rendered and JPEG-encoded exactly as `viper simulate` records them.
 * COCO AP (src/eval/ap.ts) per class; ground truth shorter than --min-height px or less visible than
 * --min-visible is a don't-care region (detections on it count neither way), and detections shorter than
 * 0.8 × --min-height are left out (COCO's area-range rule ignores unmatched detections outside the range).
 * Speed: `Detector.detect` on one 960×540 frame at a time (the scenario re-rendered at that size), median ms.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CameraFrame } from '../../../src/contracts/camera.ts';
import { Detector } from '../../../src/detect/Detector.ts';
import { averagePrecision, type GtBox, type ScoredBox } from '../../../src/eval/ap.ts';
import { precisionRecallSvg } from '../../../src/eval/prPlot.ts';
import { iou } from '../../../src/geometry/box2d.ts';
import { jpegCameraFrames, loadScenario, scenarioFromValue, simulateFrames } from '../../../src/sim/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    card: { type: 'string', default: 'models/viper-det/viper-det.card.json' },
    'min-height': { type: 'string', default: '20' },
    'min-visible': { type: 'string', default: '0.3' },
    stride: { type: 'string', default: '1' },
    speed: { type: 'boolean', default: false },
    threads: { type: 'string' },
    /** Score threshold for AP (the card's own is meant for the pipeline and truncates the PR curve). */
    score: { type: 'string' },
    json: { type: 'boolean', default: false },
    /** Also precision, recall and F1 (IoU 0.5, class-aware) at score thresholds 0.1 … 0.5: to set the card's. */
    'operating-points': { type: 'boolean', default: false },
    /** Also write the per-class precision–recall curves (IoU 0.5) as an SVG to this file. */
    plot: { type: 'string' },
  },
});
const minH = Number(values['min-height']);
const minVis = Number(values['min-visible']);
const stride = Number(values.stride);

async function framesOf(path: string, size?: { width: number; height: number }) {
  let { scenario, world } = await loadScenario(path);
  if (size) {
    ({ scenario, world } = scenarioFromValue(
      { ...scenario, rig: { ...scenario.rig, ...size }, expect: undefined },
      path,
    ));
  }
  return { scenario, world };
}

async function quality(detector: Detector) {
  const dets: ScoredBox[] = [];
  const gts: GtBox[] = [];
  let images = 0;
  for (const path of positionals) {
    const { scenario, world } = await framesOf(path);
    const ks = Array.from({ length: Math.floor(scenario.duration * scenario.rate + 1e-9) }, (_, k) => k);
    for (const f of simulateFrames(world, { frames: ks.filter((k) => k % stride === 0) })) {
      const frames = await jpegCameraFrames(f, scenario.sensor.jpegQuality, scenario.name);
      for (const img of f.images) {
        const image = `${scenario.name}/${img.cameraId}/${f.k}`;
        for (const a of f.gt.actors) {
          const v = a.cameras.find((c) => c.cameraId === img.cameraId);
          if (!v || v.box.x2 <= v.box.x1 || v.box.y2 <= v.box.y1) continue;
          const ignore = v.box.y2 - v.box.y1 < minH || v.visibleFraction < minVis;
          gts.push({ image, cls: a.cls, box: v.box, ignore });
        }
      }
      const out = await detector.detect(frames);
      out.forEach((r, i) => {
        const image = `${scenario.name}/${frames[i]!.cameraId}/${f.k}`;
        for (const d of r.detections) {
          if (d.box.y2 - d.box.y1 < 0.8 * minH) continue;
          dets.push({ image, cls: d.cls, box: d.box, score: d.score });
        }
      });
      images += frames.length;
    }
  }
  const ap = averagePrecision(dets, gts, { curves: Boolean(values.plot) });
  if (values.plot) {
    const names = positionals.map((p) => basename(p).replace(/\.(ya?ml|json)$/, '')).join(', ');
    const title = `${basename(values.card, '.card.json')}: ${names} (${images} images, boxes ≥ ${minH} px)`;
    try {
      writeFileSync(values.plot, precisionRecallSvg(ap.perClass, title));
    } catch (err) {
      // The figures below are still printed: a bad plot path should not lose the run.
      process.stderr.write(`cannot write --plot ${values.plot}: ${(err as Error).message.split(',')[0]}\n`);
      process.exitCode = 1;
    }
  }
  const operatingPoints = values['operating-points'] ? operating(dets, gts) : undefined;
  const perClass = Object.fromEntries(
    Object.entries(ap.perClass).map(([c, v]) => [
      c,
      { AP50: round(v.AP50), AP: round(v.AP), numGt: v.numGt, numDets: v.numDets },
    ]),
  );
  return {
    images,
    minHeightPx: minH,
    minVisible: minVis,
    mAP50: round(ap.mAP50),
    mAP: round(ap.mAP),
    perClass,
    ...(operatingPoints ? { operatingPoints } : {}),
  };
}

/**
 * Precision, recall and F1 over all classes at a few score thresholds: each detection, highest score first,
 * takes the unmatched ground truth of its image and class it overlaps most (IoU ≥ 0.5); one on a don't-care
 * box counts neither way. Greedy by score, so a threshold keeps exactly the matches made above it.
 */
function operating(dets: ScoredBox[], gts: GtBox[]) {
  const key = (x: { image: unknown; cls: string }) => `${String(x.image)}\u0000${x.cls}`;
  const byKey = new Map<string, { g: GtBox; used: boolean }[]>();
  for (const g of gts) {
    const l = byKey.get(key(g)) ?? [];
    l.push({ g, used: false });
    byKey.set(key(g), l);
  }
  const kinds: { score: number; tp: boolean }[] = [];
  for (const d of [...dets].sort((a, b) => b.score - a.score)) {
    let best: { g: GtBox; used: boolean } | undefined;
    let bestIou = 0.5;
    let onIgnore = false;
    for (const c of byKey.get(key(d)) ?? []) {
      const o = iou(d.box, c.g.box);
      if (o < 0.5) continue;
      if (c.g.ignore) onIgnore = true;
      else if (!c.used && o >= bestIou) {
        best = c;
        bestIou = o;
      }
    }
    if (best) {
      best.used = true;
      kinds.push({ score: d.score, tp: true });
    } else if (!onIgnore) kinds.push({ score: d.score, tp: false });
  }
  const positives = gts.filter((g) => !g.ignore).length;
  return [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5].map((t) => {
    const tp = kinds.filter((k) => k.tp && k.score >= t).length;
    const fp = kinds.filter((k) => !k.tp && k.score >= t).length;
    const precision = tp / Math.max(1, tp + fp);
    const recall = tp / Math.max(1, positives);
    const f1 = (2 * precision * recall) / Math.max(1e-9, precision + recall);
    return { score: t, precision: round(precision, 3), recall: round(recall, 3), f1: round(f1, 3) };
  });
}

async function speed(detector: Detector) {
  const path = positionals[0] ?? 'scenarios/urban_intersection.yaml';
  const { scenario, world } = await framesOf(path, { width: 960, height: 540 });
  const frames: CameraFrame[] = [];
  for (const f of simulateFrames(world, { frames: [10, 30, 50] })) {
    frames.push(...(await jpegCameraFrames(f, scenario.sensor.jpegQuality, 's')));
  }
  const ms: number[] = [];
  for (const fr of frames) await detector.detect([fr]); // warm
  for (let rep = 0; rep < 3; rep++) {
    for (const fr of frames) {
      const t0 = process.hrtime.bigint();
      await detector.detect([fr]);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  ms.sort((a, b) => a - b);
  return {
    frames: ms.length,
    size: '960x540 jpeg',
    medianMs: round(ms[Math.floor(ms.length / 2)]!, 2),
    p90Ms: round(ms[Math.floor(ms.length * 0.9)]!, 2),
  };
}

function round(v: number, d = 4): number {
  return Math.round(v * 10 ** d) / 10 ** d;
}

/** A copy of the card with another score threshold, its model named by absolute path. */
function withScore(cardPath: string, score: string | undefined): string {
  if (score === undefined) return cardPath;
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  card.model = resolve(dirname(cardPath), card.model);
  card.thresholds = { ...card.thresholds, score: Number(score) };
  const out = join(tmpdir(), `measure-${process.pid}.card.json`);
  writeFileSync(out, JSON.stringify(card));
  return out;
}

const detector = await Detector.open({
  model: withScore(values.card, values.score),
  ...(values.threads ? { threads: Number(values.threads) } : {}),
});
try {
  const result = values.speed ? await speed(detector) : await quality(detector);
  console.log(JSON.stringify(result, null, values.json ? 0 : 2));
} finally {
  await detector.close();
}
