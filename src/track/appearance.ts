/**
 * Colour appearance of a box, for the appearance term of the association (`appearanceWeight`): the mean colour of
 * the upper and the lower part of the box's central columns (a person's shirt and trousers), the kind of cheap
 * colour model trackers used before learned re-identification features. Short-term association inside one
 * camera's tracker only: a track's colours are dropped with the track (at most the lost buffer after it was last
 * seen), never written to any output and never compared across cameras or feeds (no re-identification of persons,
 * DESIGN.md's scope). Pure functions, plus the one async step that decodes a frame's image to RGB pixels.
 */
import sharp from 'sharp';
import type { Image, RgbPixels } from '../contracts/camera.ts';
import type { Box2D } from '../contracts/geometry.ts';
import type { TrackerConfig } from './config.ts';
import { refuseBeyond } from './strack.ts';

/** Rows of the two parts (fractions of the box height) and the central columns (fractions of its width). */
const UPPER = [0.22, 0.5] as const;
const LOWER = [0.58, 0.88] as const;
const COLUMNS = [0.3, 0.7] as const;

/** Decode a graph image (jpeg, png, rgb8, bgr8, mono8) to RGB pixels. */
export async function decodeRgb(image: Image): Promise<RgbPixels> {
  const raw = image.encoding === 'rgb8' || image.encoding === 'bgr8' ? 3 : image.encoding === 'mono8' ? 1 : 0;
  if (raw > 0 && image.data.length < image.width * image.height * raw) {
    throw new Error(`${image.encoding} image of ${image.data.length} bytes is smaller than its size`);
  }
  if (image.encoding === 'rgb8') return { data: image.data, width: image.width, height: image.height };
  if (image.encoding === 'bgr8' || image.encoding === 'mono8') {
    const n = image.width * image.height;
    const out = new Uint8Array(n * 3);
    const bgr = image.encoding === 'bgr8';
    for (let i = 0; i < n; i++) {
      const s = bgr ? i * 3 : i;
      out[i * 3] = image.data[bgr ? s + 2 : s]!;
      out[i * 3 + 1] = image.data[bgr ? s + 1 : s]!;
      out[i * 3 + 2] = image.data[s]!;
    }
    return { data: out, width: image.width, height: image.height };
  }
  // failOn 'error' as the detector decodes (libjpeg warnings are common from cameras).
  const { data, info } = await sharp(image.data, { failOn: 'error' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { data, width: info.width, height: info.height };
}

/** Mean RGB (0–1) of a box's rows and central columns (fractions) into out[at…at+2]; false if it covers no pixel. */
function regionMean(
  px: RgbPixels,
  b: Box2D,
  rows: readonly number[],
  out: Float32Array,
  at: number,
): boolean {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  // At least one pixel however small the box, then clipped to the image (a part off the image has none).
  const xa = Math.round(b.x1 + COLUMNS[0] * w);
  const ya = Math.round(b.y1 + rows[0]! * h);
  const x0 = Math.max(0, xa);
  const x1 = Math.min(px.width, Math.max(xa + 1, Math.round(b.x1 + COLUMNS[1] * w)));
  const y0 = Math.max(0, ya);
  const y1 = Math.min(px.height, Math.max(ya + 1, Math.round(b.y1 + rows[1]! * h)));
  let r = 0;
  let g = 0;
  let bl = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0, i = (y * px.width + x0) * 3; x < x1; x++, i += 3) {
      r += px.data[i]!;
      g += px.data[i + 1]!;
      bl += px.data[i + 2]!;
      n++;
    }
  }
  if (n === 0) return false;
  out[at] = r / n / 255;
  out[at + 1] = g / n / 255;
  out[at + 2] = bl / n / 255;
  return true;
}

/** The box's colour descriptor (6 values: upper and lower mean RGB, 0–1), or null if it covers no pixel. */
export function boxColours(px: RgbPixels, box: Box2D): Float32Array | null {
  const s = px.scale ?? 1;
  const b = s === 1 ? box : { x1: box.x1 * s, y1: box.y1 * s, x2: box.x2 * s, y2: box.y2 * s };
  const out = new Float32Array(6);
  if (!regionMean(px, b, UPPER, out, 0) || !regionMean(px, b, LOWER, out, 3)) return null;
  return out;
}

/** Euclidean distance between two descriptors (0 to √6). */
export function colourDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** A track's appearance after one more observation: exponential moving average (DeepSORT/BoT-SORT's 0.9). */
export function blendColours(mean: Float32Array | null, obs: Float32Array, momentum: number): Float32Array {
  if (!mean) return obs.slice();
  const out = new Float32Array(mean.length);
  for (let i = 0; i < mean.length; i++) out[i] = momentum * mean[i]! + (1 - momentum) * obs[i]!;
  return out;
}

/**
 * The appearance term of an association's cost matrix (tracks × detections, row-major), in place: a pair of a
 * track with a colour average and a detection with a descriptor (only `appearanceClasses` get one) costs
 * weight × (min(d, cap) − neutral) more. Pairs beyond `limit` are refused first, so a good colour fit cannot
 * bring in a pair the overlap (and ground) cost refused.
 */
export function appearanceCost(
  cost: Float64Array,
  tracks: readonly { app: Float32Array | null }[],
  dets: readonly { a: Float32Array | null }[],
  limit: number,
  cfg: Pick<TrackerConfig, 'appearanceWeight' | 'appearanceCap' | 'appearanceNeutral'>,
): void {
  const m = dets.length;
  const w = cfg.appearanceWeight;
  refuseBeyond(cost, limit);
  for (let i = 0; i < tracks.length; i++) {
    const app = tracks[i]!.app;
    if (!app) continue;
    for (let j = 0; j < m; j++) {
      const a = dets[j]!.a;
      const k = i * m + j;
      if (!a || cost[k] === Infinity) continue;
      cost[k] = cost[k]! + w * (Math.min(colourDistance(app, a), cfg.appearanceCap) - cfg.appearanceNeutral);
    }
  }
}

/** Motion-gated recovery: a pair whose colour distance exceeds `gate` is refused (cost +∞), in place. */
export function appearanceVeto(
  cost: Float64Array,
  tracks: readonly { app: Float32Array | null }[],
  dets: readonly { a: Float32Array | null }[],
  gate: number,
): void {
  const m = dets.length;
  for (let i = 0; i < tracks.length; i++) {
    const app = tracks[i]!.app;
    if (!app) continue;
    for (let j = 0; j < m; j++) {
      const a = dets[j]!.a;
      if (a && colourDistance(app, a) > gate) cost[i * m + j] = Infinity;
    }
  }
}

/**
 * Two tracks dressed too differently to be one person are not duplicates, however their boxes overlap (as
 * `groundApart` for the ground gate): a track born from a detection the colour refused to a lost track must not be
 * removed as that lost track's duplicate. The limit is `appearanceGate`, else `appearanceCap`.
 */
export function coloursApart(
  a: { app: Float32Array | null },
  b: { app: Float32Array | null },
  cfg: Pick<TrackerConfig, 'appearanceWeight' | 'appearanceGate' | 'appearanceCap'>,
): boolean {
  if (!(cfg.appearanceWeight > 0) || !a.app || !b.app) return false;
  return colourDistance(a.app, b.app) > (cfg.appearanceGate > 0 ? cfg.appearanceGate : cfg.appearanceCap);
}
