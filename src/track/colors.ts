/** Stable display colours per id: a deterministic integer hash (no Math.random) mapped to a hue. */

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** 32-bit integer hash (Wang/Jenkins-style avalanche), so neighbouring ids get distant hues. */
export function hashId(id: number): number {
  let x = id | 0;
  x = ((x >>> 16) ^ x) * 0x45d9f3b;
  x = ((x >>> 16) ^ x) * 0x45d9f3b;
  x = (x >>> 16) ^ x;
  return x >>> 0;
}

/** Colour of an id: hue from the hash, full saturation, value 0.95; components in [0, 1]. */
export function colorForId(id: number, alpha = 1): Rgba {
  const h = (hashId(id) % 360) / 60;
  const v = 0.95;
  const s = 0.85;
  const c = v * s;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = v - c;
  const sector = Math.floor(h) % 6;
  const [r, g, b] = [
    [c, x, 0],
    [x, c, 0],
    [0, c, x],
    [0, x, c],
    [x, 0, c],
    [c, 0, x],
  ][sector] as [number, number, number];
  return { r: r + m, g: g + m, b: b + m, a: alpha };
}
