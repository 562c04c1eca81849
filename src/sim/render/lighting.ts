/**
 * Lighting presets for day, dusk and night: sun direction and strength, sky gradient, fog, shadow darkness,
 * and whether lamps and headlights glow. Computed once per scenario (Math.sin/cos per scenario, not per pixel).
 */
import type { Scenario } from '../scenario/schema.ts';
import type { Light, Rgb } from './mesh.ts';

export interface Lighting {
  light: Light;
  skyZenith: Rgb;
  skyHorizon: Rgb;
  fogRgb: [number, number, number];
  fogHalfM: number;
  /** Multiply factor for shadowed ground, /256. */
  shadowK: number;
  night: boolean;
  /** Lamps, headlights and lit windows are drawn emissive and cast light pools. */
  lampsOn: boolean;
}

const DEG = Math.PI / 180;

export function lightingFor(s: Scenario): Lighting {
  const az = s.lighting.sunAzimuth * DEG;
  const el = s.lighting.sunElevation * DEG;
  const sun: [number, number, number] = [
    Math.cos(el) * Math.cos(az),
    Math.cos(el) * Math.sin(az),
    Math.sin(el),
  ];
  const rainDim = 1 - 0.35 * s.sensor.rain;
  switch (s.lighting.time) {
    case 'day':
      return {
        light: { sun, ambient: 0.55 * rainDim, diffuse: 0.55 * rainDim * (1 - 0.6 * s.sensor.rain) },
        skyZenith: s.sensor.rain > 0.3 ? [120, 128, 138] : [88, 138, 212],
        skyHorizon: s.sensor.rain > 0.3 ? [170, 174, 178] : [196, 214, 232],
        fogRgb: s.sensor.rain > 0.3 ? [165, 170, 175] : [190, 205, 222],
        fogHalfM: s.sensor.rain > 0.3 ? 140 : 420,
        shadowK: Math.round(256 * (0.55 + 0.3 * s.sensor.rain)),
        night: false,
        lampsOn: false,
      };
    case 'dusk':
      return {
        light: { sun: [sun[0], sun[1], Math.max(0.12, sun[2] * 0.3)], ambient: 0.38, diffuse: 0.45 },
        skyZenith: [58, 66, 118],
        skyHorizon: [236, 150, 96],
        fogRgb: [180, 130, 110],
        fogHalfM: 300,
        shadowK: 170,
        night: false,
        lampsOn: true,
      };
    default:
      return {
        light: { sun: [0.3, 0.2, 0.93], ambient: 0.16, diffuse: 0.06 },
        skyZenith: [4, 6, 14],
        skyHorizon: [22, 26, 40],
        fogRgb: [14, 16, 24],
        fogHalfM: 90,
        shadowK: 220,
        night: true,
        lampsOn: true,
      };
  }
}
