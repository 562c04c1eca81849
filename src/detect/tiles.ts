/**
 * Tiled detection (pure): a model with a small fixed input (YOLOX-Nano's 416 px) sees a 1600×900 camera image at
 * a quarter of its size, where people at 15–30 m are 10–25 px tall and go unseen. With tiles the detector also
 * runs on overlapping parts of the image at the model's input size, and the views' detections are merged: the
 * whole image keeps large objects whole, the tiles find the small ones (as SAHI does).
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Box2D } from '../contracts/geometry.ts';
import type { Detection } from '../contracts/perception.ts';
import { iou } from '../geometry/box2d.ts';

/** `cols` × `rows` tiles, neighbours overlapping by `overlap` of a tile's width (height). */
export interface TileGrid {
  cols: number;
  rows: number;
  overlap: number;
}

/** A part of the camera image, in its pixels. */
export interface Tile {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Overlap of neighbouring tiles: an object up to this part of a tile wide is whole in one of them. */
export const DEFAULT_TILE_OVERLAP = 0.2;

/**
 * `--tiles 2x1` → { cols: 2, rows: 1 }. At most 4 × 4: each tile is one more model run per frame.
 * @example parseTiles('3x2') // { cols: 3, rows: 2, overlap: 0.2 }
 */
export function parseTiles(s: string, overlap = DEFAULT_TILE_OVERLAP): TileGrid {
  const m = /^(\d)x(\d)$/.exec(s.trim());
  const grid = { cols: Number(m?.[1]), rows: Number(m?.[2]), overlap };
  if (!m || !usableTileGrid(grid)) {
    throw new ConfigError({
      what: `tiles must be COLSxROWS from 1x2 to 4x4 (not 1x1: that is no tiling), got '${s}'`,
      where: '--tiles',
      hint: 'e.g. --tiles 2x1 for a wide camera image and a square model input',
    });
  }
  return grid;
}

/**
 * The one rule for a grid, from the command line or the API: 1–4 columns and rows, not 1x1 (no tiling), and
 * neighbours overlapping by less than half a tile.
 */
export function usableTileGrid(g: TileGrid): boolean {
  const side = (n: number) => Number.isInteger(n) && n >= 1 && n <= 4;
  return side(g.cols) && side(g.rows) && g.cols * g.rows >= 2 && g.overlap >= 0 && g.overlap < 0.5;
}

/** `2x1`: how a grid is named in `--tiles`, run summaries and results metadata. */
export function tilesLabel(g: TileGrid): string {
  return `${g.cols}x${g.rows}`;
}

/**
 * The grid's tiles over a `srcW` × `srcH` image, row by row: equal sizes, the first at the top-left corner and
 * the last at the bottom-right, so together they cover the image exactly.
 * @example tileRects(1600, 900, { cols: 2, rows: 1, overlap: 0.2 })
 * // [{ left: 0, top: 0, width: 889, height: 900 }, { left: 711, top: 0, width: 889, height: 900 }]
 */
export function tileRects(srcW: number, srcH: number, grid: TileGrid): Tile[] {
  const span = (size: number, n: number) => Math.min(size, Math.ceil(size / (n - (n - 1) * grid.overlap)));
  const w = span(srcW, grid.cols);
  const h = span(srcH, grid.rows);
  const at = (i: number, n: number, size: number, part: number) =>
    n === 1 ? 0 : Math.round((i * (size - part)) / (n - 1));
  const tiles: Tile[] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      tiles.push({ left: at(c, grid.cols, srcW, w), top: at(r, grid.rows, srcH, h), width: w, height: h });
    }
  }
  return tiles;
}

/**
 * How near a tile border (inside the image) a box's side must be for the box to count as cut by it, in the
 * model's input pixels: a model's box for an object the border cuts ends a few of its pixels short of the border
 * (a car cut at a 2x2 tile seam of a nuScenes image ended 4 camera pixels, 2 model pixels, above it and was kept
 * beside the whole car as a second, distant car).
 */
export const CUT_EDGE_MODEL_PX = 4;

/**
 * A tile's detection in tile pixels → camera pixels, and whether a border inside the image cuts it: a side
 * within `edgePx` camera pixels of it (`CUT_EDGE_MODEL_PX` over the tile's scale into the model's input).
 */
export function fromTile(d: Detection, tile: Tile, srcW: number, srcH: number, edgePx = 2): TiledDetection {
  const box = {
    x1: d.box.x1 + tile.left,
    y1: d.box.y1 + tile.top,
    x2: d.box.x2 + tile.left,
    y2: d.box.y2 + tile.top,
  };
  const cut =
    (tile.left > 0 && box.x1 <= tile.left + edgePx) ||
    (tile.top > 0 && box.y1 <= tile.top + edgePx) ||
    (tile.left + tile.width < srcW && box.x2 >= tile.left + tile.width - edgePx) ||
    (tile.top + tile.height < srcH && box.y2 >= tile.top + tile.height - edgePx);
  return { det: { ...d, box }, cut, tile };
}

export interface TiledDetection {
  det: Detection;
  /** The box touches a tile border inside the image: it may be part of an object another view sees whole. */
  cut: boolean;
  /** The tile it was found in (none: the whole frame). */
  tile?: Tile;
}

/**
 * Merge the views' detections (all in camera pixels): greedy, whole boxes before cut ones, then by score. A box
 * goes when a kept one of its group overlaps it by more than `iouThreshold` (the same object seen twice), or when
 * it is cut by a tile border and lies mostly (intersection over its own area ≥ `cutCover`) inside a kept one (a
 * piece of an object another view saw whole). Two cut pieces from different tiles that overlap and span the
 * same rows (or columns) are one object across the seam: they become their union, with the better score. Ties
 * are broken by the box, so the result does not depend on the order of the views.
 */
export function mergeViews(
  all: readonly TiledDetection[],
  opts: { iouThreshold: number; classAgnostic: boolean; cutCover?: number },
): Detection[] {
  const cutCover = opts.cutCover ?? 0.6;
  const sorted = [...all].sort(
    (a, b) =>
      Number(a.cut) - Number(b.cut) ||
      b.det.score - a.det.score ||
      a.det.box.x1 - b.det.box.x1 ||
      a.det.box.y1 - b.det.box.y1 ||
      a.det.box.x2 - b.det.box.x2 ||
      a.det.box.y2 - b.det.box.y2 ||
      (a.det.cls < b.det.cls ? -1 : a.det.cls > b.det.cls ? 1 : 0),
  );
  const kept: TiledDetection[] = [];
  for (const t of sorted) {
    const { det, cut } = t;
    const same = (k: TiledDetection) => opts.classAgnostic || k.det.cls === det.cls;
    const seam = cut
      ? kept.find((k) => k.cut && k.tile !== t.tile && same(k) && acrossSeam(k.det.box, det.box))
      : undefined;
    if (seam) {
      const a = seam.det.box;
      const b = det.box;
      seam.det = {
        ...seam.det,
        box: {
          x1: Math.min(a.x1, b.x1),
          y1: Math.min(a.y1, b.y1),
          x2: Math.max(a.x2, b.x2),
          y2: Math.max(a.y2, b.y2),
        },
      };
      continue;
    }
    const dup = kept.some(
      (k) =>
        same(k) &&
        (iou(k.det.box, det.box) > opts.iouThreshold || (cut && coveredBy(det.box, k.det.box) >= cutCover)),
    );
    if (!dup) kept.push({ ...t, det: { ...det } });
  }
  return kept
    .map((k) => k.det)
    .sort((a, b) => b.score - a.score || a.box.x1 - b.box.x1 || a.box.y1 - b.box.y1);
}

/** Two boxes overlap and span nearly the same rows (a vertical seam) or columns (a horizontal one). */
function acrossSeam(a: Box2D, b: Box2D, agree = 0.6): boolean {
  const span = (a1: number, a2: number, b1: number, b2: number) =>
    Math.max(0, Math.min(a2, b2) - Math.max(a1, b1)) / (Math.max(a2, b2) - Math.min(a1, b1));
  const xs = span(a.x1, a.x2, b.x1, b.x2);
  const ys = span(a.y1, a.y2, b.y1, b.y2);
  return xs > 0 && ys > 0 && (ys >= agree || xs >= agree);
}

/** The part of `a`'s area inside `b`. */
function coveredBy(a: Box2D, b: Box2D): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  const area = (a.x2 - a.x1) * (a.y2 - a.y1);
  return w > 0 && h > 0 && area > 0 ? (w * h) / area : 0;
}
