/**
 * The oracle detector: ground-truth 2D boxes from the simulator with seeded noise, misses and false positives,
 * so tracking and fusion can be measured apart from any model. Always labelled `oracle` in outputs and reports.
 *
 * Randomness is keyed by (seed, camera, stamp, actor), not drawn from one running stream, so the detections of
 * a frame do not depend on which frames were processed before it or how they were batched.
 */
import type { Detection, GroundTruthMessage } from '../contracts/perception.ts';
import { createRng, hash32 } from '../sim/rng.ts';

export interface OracleConfig {
  seed: number;
  /** Std-dev of box-edge noise as a fraction of box size. */
  noiseFrac: number;
  /** Probability that a visible actor is missed in a frame. */
  missRate: number;
  /** Expected false positives per camera frame. */
  falsePositivesPerFrame: number;
  /** Actors less visible than this are not reported. */
  minVisible: number;
  /** Actors whose visible box is shorter than this (px) are not reported. */
  minHeightPx: number;
}

export const DEFAULT_ORACLE: OracleConfig = {
  seed: 1,
  noiseFrac: 0.03,
  missRate: 0.03,
  falsePositivesPerFrame: 0.05,
  minVisible: 0.25,
  minHeightPx: 8,
};

function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Box–Muller normal from a seeded generator. */
function normal(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  const v = next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Oracle detections for one camera at one stamp. `width`/`height`: image size for clipping and FPs. */
export function oracleDetections(
  gt: GroundTruthMessage,
  cameraId: string,
  width: number,
  height: number,
  cfg: OracleConfig = DEFAULT_ORACLE,
): Detection[] {
  const stamp = BigInt(gt.stampNs);
  const tKey = Number(stamp % 4294967296n) ^ Number((stamp >> 32n) % 4294967296n);
  const camKey = strHash(cameraId);
  const out: Detection[] = [];
  for (const actor of gt.actors) {
    const view = actor.cameras.find((c) => c.cameraId === cameraId);
    if (!view || view.visibleFraction < cfg.minVisible) continue;
    const b = view.box;
    if (b.y2 - b.y1 < cfg.minHeightPx) continue;
    const rng = createRng(hash32(cfg.seed, camKey, tKey, strHash(actor.id)));
    if (rng.next() < cfg.missRate) continue;
    const w = b.x2 - b.x1;
    const h = b.y2 - b.y1;
    const x1 = clamp(b.x1 + normal(rng.next) * cfg.noiseFrac * w, 0, width);
    const x2 = clamp(b.x2 + normal(rng.next) * cfg.noiseFrac * w, 0, width);
    const y1 = clamp(b.y1 + normal(rng.next) * cfg.noiseFrac * h, 0, height);
    const y2 = clamp(b.y2 + normal(rng.next) * cfg.noiseFrac * h, 0, height);
    if (x2 - x1 < 1 || y2 - y1 < 1) continue;
    const score = round4(0.55 + 0.4 * Math.min(1, view.visibleFraction) * (0.8 + 0.2 * rng.next()));
    out.push({ cameraId, box: { x1, y1, x2, y2 }, score, cls: actor.cls });
  }
  const fpRng = createRng(hash32(cfg.seed ^ 0x5bd1e995, camKey, tKey, 0));
  let fpBudget = cfg.falsePositivesPerFrame;
  while (fpBudget > 0 && fpRng.next() < fpBudget) {
    fpBudget -= 1;
    const bw = fpRng.range(12, Math.max(13, width / 8));
    const bh = fpRng.range(12, Math.max(13, height / 6));
    const x1 = fpRng.range(0, Math.max(1, width - bw));
    const y1 = fpRng.range(height * 0.3, Math.max(height * 0.3 + 1, height - bh));
    out.push({
      cameraId,
      box: { x1, y1, x2: x1 + bw, y2: y1 + bh },
      score: round4(fpRng.range(0.3, 0.6)),
      cls: fpRng.pick(['car', 'pedestrian'] as const),
    });
  }
  return out;
}

// Not letterbox.ts's clamp (Math.min/Math.max): this one keeps −0 and favours `lo` when lo > hi. Oracle goldens pin it.
function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
