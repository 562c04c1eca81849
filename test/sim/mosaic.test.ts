/** The scenario mosaic shows what the recording holds at that instant: no camera in a dropout, no frame past the end. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { mosaicPng } from '../../src/sim/mosaic.ts';
import { tinyScenario } from './testing.ts';

/** Mean brightness of each tile of a 3-column mosaic (RGB 0–255). */
async function tileMeans(png: Buffer, tiles: number): Promise<number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const cols = Math.min(3, tiles);
  const w = info.width / cols;
  const h = info.height / Math.ceil(tiles / cols);
  return Array.from({ length: tiles }, (_, n) => {
    let sum = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = ((Math.floor(n / cols) * h + y) * info.width + (n % cols) * w + x) * info.channels;
        sum += data[o]! + data[o + 1]! + data[o + 2]!;
      }
    return sum / (3 * w * h);
  });
}

describe('mosaic', () => {
  it('a camera in a dropout is a dark tile; the others are drawn', async () => {
    const raw = tinyScenario({ duration: 2 });
    raw.rig = { width: 96, height: 54 };
    raw.dropouts = [{ camera: 'cam_front', start: 0.5, end: 1.5 }];
    const { world } = scenarioFromValue(raw, 'mosaic-dropout');
    const means = await tileMeans(await mosaicPng(world, 1), 6);
    // Preset order: cam_front_left, cam_front, cam_front_right, …
    expect(means[1]).toBe(0);
    for (const [n, m] of means.entries()) if (n !== 1) expect(m, `tile ${n}`).toBeGreaterThan(10);
    const outside = await tileMeans(await mosaicPng(world, 0), 6);
    expect(outside[1]).toBeGreaterThan(10);
  });

  it('a time at the very end shows the last recorded frame (there is none at the end itself)', async () => {
    const raw = tinyScenario({ duration: 1 });
    raw.rig = { width: 96, height: 54 };
    const { world } = scenarioFromValue(raw, 'mosaic-end');
    expect(Buffer.compare(await mosaicPng(world, 1), await mosaicPng(world, 0.8))).toBe(0);
  });
});
