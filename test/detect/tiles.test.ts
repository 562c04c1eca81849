/** Tiled detection: the grid, the merge of the views, and the detector's mapping of each view back to the frame. */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ModelError } from '../../src/contracts/errors.ts';
import type { Detection } from '../../src/contracts/perception.ts';
import { Detector } from '../../src/detect/index.ts';
import { fromTile, mergeViews, parseTiles, type TiledDetection, tileRects } from '../../src/detect/tiles.ts';
import { uniformRgb } from './frames.ts';
import {
  expectOpenError,
  onePersonModel,
  TINY_VIPER_CARD,
  tempDir,
  writeModelWithCard,
} from './tinyModel.ts';

const det = (
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  score = 0.8,
  cls: Detection['cls'] = 'pedestrian',
) => ({ cameraId: 'c', box: { x1, y1, x2, y2 }, score, cls }) satisfies Detection;
const merge = (all: TiledDetection[]) => mergeViews(all, { iouThreshold: 0.45, classAgnostic: false });

describe('tileRects', () => {
  it('gives equal tiles inside the image, from its top-left to its bottom-right corner, overlapping as asked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 4000 }),
        fc.integer({ min: 16, max: 4000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 45 }).map((p) => p / 100),
        (w, h, cols, rows, overlap) => {
          const tiles = tileRects(w, h, { cols, rows, overlap });
          expect(tiles).toHaveLength(cols * rows);
          const [first, last] = [tiles[0]!, tiles.at(-1)!];
          expect([first.left, first.top]).toEqual([0, 0]);
          expect([last.left + last.width, last.top + last.height]).toEqual([w, h]);
          for (const t of tiles) {
            expect([t.width, t.height]).toEqual([first.width, first.height]);
            expect(t.left).toBeGreaterThanOrEqual(0);
            expect(t.top).toBeGreaterThanOrEqual(0);
            expect(t.left + t.width).toBeLessThanOrEqual(w);
            expect(t.top + t.height).toBeLessThanOrEqual(h);
          }
          // Neighbours in a row overlap by at least the asked part of a tile (a pixel of rounding), so no column
          // of the image is left out.
          for (let c = 1; c < cols; c++) {
            const [a, b] = [tiles[c - 1]!, tiles[c]!];
            expect(a.left + a.width - b.left).toBeGreaterThanOrEqual(
              Math.min(overlap * a.width, a.width) - 1,
            );
          }
        },
      ),
    );
  });

  it('splits a 1600×900 image in two tiles of 889 columns for 2x1', () => {
    expect(tileRects(1600, 900, parseTiles('2x1'))).toEqual([
      { left: 0, top: 0, width: 889, height: 900 },
      { left: 711, top: 0, width: 889, height: 900 },
    ]);
  });
});

describe('parseTiles', () => {
  it('reads COLSxROWS from 1x2 to 4x4 and refuses the rest with the option named', () => {
    expect(parseTiles('3x2')).toEqual({ cols: 3, rows: 2, overlap: 0.2 });
    for (const bad of ['1x1', '5x1', '2x0', '2', 'ax2', '2x2x2', '']) {
      expect(() => parseTiles(bad)).toThrow(ConfigError);
      expect(() => parseTiles(bad)).toThrow(/--tiles/);
    }
  });
});

describe('fromTile', () => {
  const tile = { left: 700, top: 0, width: 900, height: 900 };
  it('moves a tile box to the frame and says whether a border inside the image cuts it', () => {
    expect(fromTile(det(10, 20, 50, 80), tile, 1600, 900)).toMatchObject({
      det: { box: { x1: 710, y1: 20, x2: 750, y2: 80 } },
      cut: false,
    });
    // The tile's left border (x 700) is inside the image; its right one (x 1600) is the image's edge.
    expect(fromTile(det(1, 20, 50, 80), tile, 1600, 900).cut).toBe(true);
    expect(fromTile(det(850, 20, 900, 80), tile, 1600, 900).cut).toBe(false);
  });
  it('takes a box ending a few pixels short of a border as cut by it, within the tolerance given', () => {
    const upper = { left: 0, top: 0, width: 889, height: 500 };
    // Car #65 of the nuScenes sample at 2x2: the model's box for its upper half ended at y 496, the seam at 500.
    expect(fromTile(det(719, 462, 779, 496), upper, 1600, 900).cut).toBe(false);
    expect(fromTile(det(719, 462, 779, 496), upper, 1600, 900, 8.5).cut).toBe(true);
    expect(fromTile(det(719, 462, 779, 490), upper, 1600, 900, 8.5).cut).toBe(false);
  });
});

describe('mergeViews', () => {
  const left = { left: 0, top: 0, width: 889, height: 900 };
  const right = { left: 711, top: 0, width: 889, height: 900 };

  it('keeps one of an object both views see, the better-scored', () => {
    const out = merge([
      { det: det(100, 100, 140, 200, 0.6), cut: false },
      { det: det(102, 101, 141, 203, 0.7), cut: false, tile: left },
    ]);
    expect(out).toEqual([det(102, 101, 141, 203, 0.7)]);
  });

  it('drops a piece cut by a tile border that lies inside an object the whole frame saw, whatever its score', () => {
    const out = merge([
      { det: det(690, 100, 800, 200, 0.5), cut: false },
      { det: det(711, 100, 800, 200, 0.9), cut: true, tile: right },
    ]);
    expect(out).toEqual([det(690, 100, 800, 200, 0.5)]);
  });

  it('joins the two pieces of an object across a seam, with the better score', () => {
    const out = merge([
      { det: det(650, 100, 889, 200, 0.5), cut: true, tile: left },
      { det: det(711, 102, 900, 201, 0.7), cut: true, tile: right },
    ]);
    expect(out).toEqual([det(650, 100, 900, 201, 0.7)]);
  });

  it('keeps two people side by side, and a person in front of a car (classes apart)', () => {
    const out = merge([
      { det: det(100, 100, 130, 200, 0.8), cut: false },
      { det: det(128, 100, 158, 200, 0.7), cut: false, tile: left },
      { det: det(90, 120, 200, 190, 0.6, 'car'), cut: false },
    ]);
    expect(out).toHaveLength(3);
  });

  it('does not depend on the order of the views', () => {
    const tiled = fc.record({
      det: fc
        .record({
          x: fc.integer({ min: 0, max: 300 }),
          y: fc.integer({ min: 0, max: 300 }),
          w: fc.integer({ min: 1, max: 80 }),
          h: fc.integer({ min: 1, max: 80 }),
          s: fc.integer({ min: 1, max: 10 }),
          car: fc.boolean(),
        })
        .map((r) => det(r.x, r.y, r.x + r.w, r.y + r.h, r.s / 10, r.car ? 'car' : 'pedestrian')),
      cut: fc.boolean(),
      tile: fc.constantFrom(undefined, left, right),
    });
    fc.assert(
      fc.property(fc.array(tiled, { maxLength: 12 }), fc.infiniteStream(fc.double()), (all, rnd) => {
        const shuffled = [...all].sort(() => (rnd.next().value < 0.5 ? -1 : 1));
        expect(merge(shuffled)).toEqual(merge(all));
      }),
    );
  });
});

describe('Detector with tiles', () => {
  const dir = tempDir();
  // One person box per model image: centre (16, 16), 8×8 of the 32×32 input, whatever the image.
  const modelPath = writeModelWithCard(dir, 'one', onePersonModel(), TINY_VIPER_CARD);
  const opened: Detector[] = [];
  afterAll(async () => {
    for (const d of opened) await d.close();
  });

  it('maps each view’s boxes back to the frame: the whole frame’s, then each tile’s, offset by the tile', async () => {
    const results: Detection[][] = [];
    for (const maxBatch of [1, 3]) {
      const d = await Detector.open({ model: modelPath, threads: 1, maxBatch, tiles: parseTiles('2x1') });
      opened.push(d);
      const [r] = await d.detect([uniformRgb('cam', 128, 64, 90)]);
      results.push(r!.detections);
      expect(d.describe()).toMatchObject({ tiles: '2x1', frames: 1 });
      // Pixels passed on for the colour term are the whole frame's.
      expect([r!.pixels?.width, r!.pixels?.height]).toEqual([32, 16]);
    }
    // Whole frame 128×64 at 32×16 (×4): the box 12–20 lands at 48–80, its bottom clipped to the image (64).
    // Tiles of 72×64 (2x1, overlap 0.2) at 32×28: ×2.25 across, ×64/28 down; the second starts at x 56.
    const sy = 64 / 28;
    const expected = [
      { x1: 27, y1: 12 * sy, x2: 45, y2: 20 * sy },
      { x1: 48, y1: 48, x2: 80, y2: 64 },
      { x1: 56 + 27, y1: 12 * sy, x2: 56 + 45, y2: 20 * sy },
    ];
    for (const got of results) {
      const boxes = got.map((g) => g.box).sort((a, b) => a.x1 - b.x1);
      expect(boxes).toHaveLength(3);
      boxes.forEach((b, i) => {
        for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(b[k]).toBeCloseTo(expected[i]![k], 6);
      });
    }
    expect(results[1]).toEqual(results[0]);
  });

  it('refuses a grid out of range with one line', async () => {
    const err = await expectOpenError(
      { model: modelPath, tiles: { cols: 5, rows: 1, overlap: 0.2 } },
      opened,
    );
    expect(err.what).toMatch(/tiles 5x1/);
    expect(err).toBeInstanceOf(ModelError);
  });
});
