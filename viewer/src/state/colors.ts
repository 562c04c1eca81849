/**
 * Colours as Foxglove shows them: a box's own outline_color (or a scene cube's colour) when the message has one,
 * else the colour viper writes for the id (src/track/colors.ts: `colorForTrack` of the camera and track id behind
 * the ImageAnnotations, `colorForId` behind the SceneUpdate), so one track is the same colour here and in Foxglove.
 */
import { colorForId, colorForTrack, type Rgba } from '../../../src/track/colors.ts';

export { colorForId, colorForTrack, type Rgba };

const byte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));

/** CSS colour of an Rgba (components 0–1): `rgb(r,g,b)` when opaque, else `rgba(r,g,b,a)`. */
export function cssColor(c: Rgba): string {
  const rgb = `${byte(c.r)},${byte(c.g)},${byte(c.b)}`;
  return c.a >= 1 ? `rgb(${rgb})` : `rgba(${rgb},${c.a})`;
}
