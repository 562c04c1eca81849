/**
 * Sensor and weather effects on a finished colour buffer (never on the id buffer): exposure and rain contrast
 * through a per-scenario lookup table, box blur, rain streaks, and read noise. Integer arithmetic and seeded
 * integer hashes only, so results are identical everywhere. Noise is approximately Gaussian (Irwin–Hall sum of
 * four uniforms, variance-matched), drawn from a 4096-entry table indexed by a per-pixel hash.
 */
import { createRng, hash32 } from '../rng.ts';

export interface SensorParams {
  noise: number;
  blur: number;
  exposure: number;
  rain: number;
}

export interface Effects {
  lut: Uint8Array;
  noise: Int16Array;
  params: SensorParams;
  seed: number;
}

/** Build the tables once per scenario (Math.pow once here; nothing transcendental per pixel). */
export function createEffects(p: SensorParams, seed: number): Effects {
  const gain = 2 ** p.exposure;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    let x = v * gain;
    // Rain: lower contrast towards a grey veil.
    x = x * (1 - 0.25 * p.rain) + 110 * 0.25 * p.rain;
    lut[v] = x < 0 ? 0 : x > 255 ? 255 : Math.round(x);
  }
  const rng = createRng(seed, 99);
  const noise = new Int16Array(4096);
  const k = p.noise * Math.sqrt(3); // sum of 4 U(0,1) has variance 1/3
  for (let i = 0; i < noise.length; i++) {
    noise[i] = Math.round((rng.next() + rng.next() + rng.next() + rng.next() - 2) * k);
  }
  return { lut, noise, params: p, seed };
}

/** Apply all effects in place. `stream` distinguishes frames and cameras (seeded, reproducible). */
export function applyEffects(
  fx: Effects,
  color: Uint32Array,
  width: number,
  height: number,
  stream: number,
): void {
  const { lut, params } = fx;
  const n = width * height;
  if (params.blur > 0) boxBlur(color, width, height, params.blur);
  if (params.rain > 0) rainStreaks(color, width, height, params.rain, hash32(fx.seed, stream, 7));
  // A clamped byte view does the 0–255 saturation in the store (RGBA byte order on little-endian).
  const px = new Uint8ClampedArray(color.buffer, color.byteOffset, n * 4);
  const identity = params.exposure === 0 && params.rain === 0;
  if (!identity) {
    for (let o = 0; o < n * 4; o += 4) {
      px[o] = lut[px[o]!]!;
      px[o + 1] = lut[px[o + 1]!]!;
      px[o + 2] = lut[px[o + 2]!]!;
    }
  }
  if (params.noise <= 0) return;
  const table = fx.noise;
  let h = hash32(fx.seed, stream, 3) | 1;
  for (let o = 0; o < n * 4; o += 4) {
    // xorshift32 per pixel: luma noise on all channels plus a weaker red/blue chroma component.
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    const n1 = table[h & 4095]!;
    const n2 = table[(h >>> 12) & 4095]! >> 1;
    px[o] = px[o]! + n1 + n2;
    px[o + 1] = px[o + 1]! + n1;
    px[o + 2] = px[o + 2]! + n1 - n2;
  }
}

const scratch = { buf: new Uint32Array(0) };

/** Separable box blur of radius r, per channel, rounding to nearest. */
export function boxBlur(color: Uint32Array, W: number, H: number, r: number): void {
  if (scratch.buf.length < color.length) scratch.buf = new Uint32Array(color.length);
  const tmp = scratch.buf;
  pass(color, tmp, W, H, r, 1, W);
  pass(tmp, color, H, W, r, W, 1);
}

/** Blur along lines: `len` samples per line with stride `step`, lines `count` apart by `lineStep`. */
function pass(
  src: Uint32Array,
  dst: Uint32Array,
  len: number,
  count: number,
  r: number,
  step: number,
  lineStep: number,
): void {
  for (let line = 0; line < count; line++) {
    const base = line * lineStep;
    for (let i = 0; i < len; i++) {
      let sr = 0;
      let sg = 0;
      let sb = 0;
      let m = 0;
      const j0 = i - r < 0 ? 0 : i - r;
      const j1 = i + r >= len ? len - 1 : i + r;
      for (let j = j0; j <= j1; j++) {
        const p = src[base + j * step]!;
        sr += p & 0xff;
        sg += (p >>> 8) & 0xff;
        sb += (p >>> 16) & 0xff;
        m++;
      }
      const half = m >> 1;
      dst[base + i * step] =
        (0xff000000 |
          (Math.floor((sb + half) / m) << 16) |
          (Math.floor((sg + half) / m) << 8) |
          Math.floor((sr + half) / m)) >>>
        0;
    }
  }
}

/** Light, slanted streaks; count scales with image area and rain intensity. */
function rainStreaks(color: Uint32Array, W: number, H: number, rain: number, seed: number): void {
  const rng = createRng(seed);
  const count = Math.round(rain * 500 * ((W * H) / (640 * 360)));
  for (let k = 0; k < count; k++) {
    const x0 = rng.next() * W;
    const y0 = rng.next() * H;
    const len = 6 + Math.floor(rng.next() * 20 * (H / 360));
    for (let j = 0; j < len; j++) {
      const x = Math.floor(x0 + j * 0.18);
      const y = Math.floor(y0 + j);
      if (x < 0 || x >= W || y >= H) break;
      const i = y * W + x;
      const p = color[i]!;
      const r = p & 0xff;
      const g = (p >>> 8) & 0xff;
      const b = (p >>> 16) & 0xff;
      color[i] =
        (0xff000000 |
          ((b + ((215 - b) >> 2)) << 16) |
          ((g + ((215 - g) >> 2)) << 8) |
          (r + ((215 - r) >> 2))) >>>
        0;
    }
  }
}
