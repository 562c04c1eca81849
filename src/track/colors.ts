/** Stable display colours per id: a deterministic function of the id (no Math.random) mapped to a hue. */

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/**
 * Hue of an id, in turns: successive multiples of the golden ratio's fractional part, so ids near one another
 * (those on screen together: trackers number tracks in order of birth) get hues far apart — ids 1–5 at 222°,
 * 80°, 298°, 157°, 15° — and any run of n consecutive ids spreads over the circle. A hash had given ids 1, 3 and
 * 4 one magenta and 2 and 5 one green.
 */
export function hueOfId(id: number, key = ''): number {
  const t = id * 0.6180339887498949 + keyTurn(key);
  return t - Math.floor(t);
}

/**
 * A fraction of a turn from a name (FNV-1a, 32 bits), 0 for ''. Each camera numbers its tracks from 1, so track 3
 * of cam_front and track 3 of cam_back are different objects: keyed by their camera they get different hues
 * instead of one colour that says "same object" across the tiles.
 */
function keyTurn(key: string): number {
  if (key === '') return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/** Colour of a camera's 2D track: `colorForId` with the hue turned by the camera's name. */
export function colorForTrack(cameraId: string, trackId: number, alpha = 1): Rgba {
  return colorForId(trackId, alpha, cameraId);
}

/**
 * Colour of an id (a world object's; a 2D track's through `colorForTrack`): hue from `hueOfId`, saturation 0.85,
 * value 0.95; components in [0, 1].
 */
export function colorForId(id: number, alpha = 1, key = ''): Rgba {
  const h = hueOfId(id, key) * 6;
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
