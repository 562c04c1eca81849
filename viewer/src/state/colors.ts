/**
 * Colour per track id: hues spaced by the golden angle so neighbouring ids differ, fixed saturation/lightness
 * so labels stay readable on camera images. Pure and stable: the same id is the same colour in every view.
 */
export type Rgb = [number, number, number];

const GOLDEN_ANGLE_DEG = 137.508;

/** HSL (h in degrees, s and l in 0–1) to 0–255 RGB. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

export function colorForId(id: number | string): Rgb {
  const n = typeof id === 'number' ? id : hashString(id);
  const hue = (((n * GOLDEN_ANGLE_DEG) % 360) + 360) % 360;
  return hslToRgb(hue, 0.85, 0.55);
}

export function cssColor(rgb: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${rgb[0]},${rgb[1]},${rgb[2]})` : `rgba(${rgb[0]},${rgb[1]},${rgb[2]},${alpha})`;
}

/** FNV-1a, for string ids (ground-truth actors). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
