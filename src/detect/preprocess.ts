/**
 * Image → letterboxed RGB bytes. libvips (sharp) decodes, converts to RGB, resizes and pads on its own threads;
 * the preprocessing graph (preGraph.ts) then does the per-pixel arithmetic next to the model.
 * `writeInputTensor` is the same arithmetic in plain JS: the reference the graph is tested against.
 */
import sharp, { type Sharp } from 'sharp';
import type { Image } from '../contracts/camera.ts';
import type { ModelCard } from './card.ts';
import { imageHeader } from './imageHeader.ts';
import { type Letterbox, letterbox } from './letterbox.ts';
import { type Tile, type TileGrid, tileRects } from './tiles.ts';

/** A letterboxed image: input-sized, interleaved RGB bytes (row-major, H × W × 3). */
export interface Letterboxed {
  pixels: Uint8Array;
  lb: Letterbox;
}

/** A decoded image resized to its place in the letterbox (lb.newW × lb.newH RGB bytes), not yet padded. */
export interface Resized {
  resized: Uint8Array;
  lb: Letterbox;
}

/** Swaps the first and third channels (BGR ↔ RGB). */
const SWAP_RB: [[number, number, number], [number, number, number], [number, number, number]] = [
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
];

/** A frame that cannot be decoded (corrupt or inconsistent bytes): counted per frame, never fatal. */
export class FrameDecodeError extends Error {
  override name = 'FrameDecodeError';
}

const RAW_CHANNELS = { rgb8: 3, bgr8: 3, mono8: 1 } as const;

/**
 * Decode (jpeg/png) or wrap (rgb8/bgr8/mono8) an image and letterbox it to the card's input size.
 * Rejects with FrameDecodeError when the bytes do not make an image.
 *
 * Plain 8-bit colour JPEG/PNG frames (nearly every camera's) take the short path: size from the header
 * (imageHeader.ts), decode + resize in one libvips pass, padding in JS. Anything else (grey, alpha, CMYK,
 * 16-bit, a header this reader does not understand) also asks libvips for its metadata and converts to
 * sRGB; both give the same bytes for a plain frame. Measured on vtest's 768×576 JPEGs, two decoding at a
 * time: 7.8–9.5 vs 10.5 ms of CPU per frame.
 */
export async function decodeLetterboxed(image: Image, input: ModelCard['input']): Promise<Letterboxed> {
  const { resized, lb } = await decodeResized(image, input);
  const pixels = new Uint8Array(input.width * input.height * 3);
  placeLetterboxed(resized, lb, input, pixels, 0);
  return { pixels, lb };
}

/**
 * The decode and resize of decodeLetterboxed; placeLetterboxed then pads it, straight into a run buffer. With
 * `fullSize` the image is decoded and not resized (`lb` is then the identity), for decodeTiled to cut up.
 */
export async function decodeResized(
  image: Image,
  input: ModelCard['input'],
  fullSize = false,
): Promise<Resized> {
  let pipeline: Sharp;
  let srcW: number;
  let srcH: number;
  let plain: boolean;
  try {
    if (image.encoding === 'jpeg' || image.encoding === 'png') {
      // failOn 'error': a truncated JPEG is rejected; libjpeg's mere warnings (common from cameras) are not.
      pipeline = sharp(image.data, { failOn: 'error' });
      const header = imageHeader(image.data);
      plain =
        header !== null && header.format === image.encoding && header.channels === 3 && header.bitDepth === 8;
      if (plain && header) {
        srcW = header.width;
        srcH = header.height;
      } else {
        const meta = await pipeline.metadata();
        if (meta.format !== 'jpeg' && meta.format !== 'png') {
          throw new FrameDecodeError(`expected ${image.encoding}, got ${meta.format ?? 'unknown'} bytes`);
        }
        srcW = meta.width ?? 0;
        srcH = meta.height ?? 0;
      }
    } else {
      const channels = RAW_CHANNELS[image.encoding];
      const expected = image.width * image.height * channels;
      if (image.width <= 0 || image.height <= 0 || image.data.length !== expected) {
        throw new FrameDecodeError(
          `${image.encoding} ${image.width}×${image.height} needs ${expected} bytes, got ${image.data.length}`,
        );
      }
      pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels } });
      srcW = image.width;
      srcH = image.height;
      plain = channels === 3;
      if (image.encoding === 'bgr8') pipeline = pipeline.recomb(SWAP_RB);
    }
    const lb = fullSize
      ? letterbox(srcW, srcH, srcW, srcH, 'top-left')
      : letterbox(srcW, srcH, input.width, input.height, input.letterbox.align);
    if (lb.newW !== srcW || lb.newH !== srcH) {
      pipeline = pipeline.resize(lb.newW, lb.newH, { fit: 'fill', kernel: 'linear' });
    }
    // Alpha is dropped (an RGB PNG with a tRNS chunk decodes with four bands); grey images (mono8, greyscale
    // JPEG/PNG) become three equal channels.
    pipeline = pipeline.removeAlpha();
    if (!plain) pipeline = pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== lb.newW || info.height !== lb.newH || info.channels !== 3) {
      throw new FrameDecodeError(`decoder gave ${info.width}×${info.height}×${info.channels}`);
    }
    return { resized: data, lb };
  } catch (err) {
    if (err instanceof FrameDecodeError) throw err;
    // libvips' own text is not used: its error buffer is shared by concurrent decodes, so the detail could
    // differ run to run, and this message is written to the results file.
    throw new FrameDecodeError(
      `cannot decode ${image.encoding}: libvips rejected the ${image.data.length} bytes`,
    );
  }
}

/** A frame decoded for tiled detection: the whole image (view 0) and its tiles (views 1…), each letterboxed. */
export interface TiledViews {
  views: Resized[];
  tiles: Tile[];
}

/**
 * The whole frame and each tile of the grid, resized to their places in the letterbox: decoded once at full size,
 * then cut and resized by libvips. Rejects with FrameDecodeError as decodeResized does.
 */
export async function decodeTiled(
  image: Image,
  input: ModelCard['input'],
  grid: TileGrid,
): Promise<TiledViews> {
  const full = await decodeResized(image, input, true);
  const { srcW, srcH } = full.lb;
  const tiles = tileRects(srcW, srcH, grid);
  const view = async (t: Tile): Promise<Resized> => {
    const lb = letterbox(t.width, t.height, input.width, input.height, input.letterbox.align);
    let p = sharp(full.resized, { raw: { width: srcW, height: srcH, channels: 3 } });
    if (t.width !== srcW || t.height !== srcH) p = p.extract(t);
    const data = await p.resize(lb.newW, lb.newH, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
    return { resized: data, lb };
  };
  try {
    const views = await Promise.all([{ left: 0, top: 0, width: srcW, height: srcH }, ...tiles].map(view));
    return { views, tiles };
  } catch {
    // As decodeResized: this frame's error, not the batch's (the detector shares its calls among feeds).
    throw new FrameDecodeError(
      `cannot cut ${srcW}×${srcH} into ${grid.cols}x${grid.rows} tiles: libvips failed`,
    );
  }
}

/**
 * Write the resized image at its letterbox offset into `dst` (an input-sized image at element `offset`) and
 * the card's pad value around it. Every byte of the destination image is written.
 */
export function placeLetterboxed(
  resized: Uint8Array,
  lb: Letterbox,
  input: ModelCard['input'],
  dst: Uint8Array,
  offset: number,
): void {
  const rowIn = lb.newW * 3;
  const rowOut = input.width * 3;
  const padValue = input.letterbox.padValue;
  const end = offset + rowOut * input.height;
  if (lb.newW === input.width) {
    // Whole rows: one copy, padding above and below.
    const top = offset + lb.padY * rowOut;
    dst.fill(padValue, offset, top);
    dst.set(resized.subarray(0, rowIn * lb.newH), top);
    dst.fill(padValue, top + rowIn * lb.newH, end);
    return;
  }
  dst.fill(padValue, offset, end);
  for (let y = 0; y < lb.newH; y++) {
    dst.set(resized.subarray(y * rowIn, (y + 1) * rowIn), offset + (y + lb.padY) * rowOut + lb.padX * 3);
  }
}

/**
 * Write one letterboxed image into `dst` at element `offset`, in the card's layout, colour order and
 * normalisation: value = (pixel · scale − mean[c]) / std[c]. The JS twin of the preprocessing graph.
 */
export function writeInputTensor(
  img: Letterboxed,
  input: ModelCard['input'],
  dst: Float32Array,
  offset: number,
): void {
  const hw = input.width * input.height;
  const src = img.pixels;
  const srcOf = input.colorOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    const a = input.scale / (input.std[c] ?? 1);
    const b = -(input.mean[c] ?? 0) / (input.std[c] ?? 1);
    const s = srcOf[c] ?? 0;
    if (input.layout === 'NCHW') {
      const base = offset + c * hw;
      for (let i = 0, j = s; i < hw; i++, j += 3) dst[base + i] = (src[j] as number) * a + b;
    } else {
      for (let i = 0, j = s, k = offset + c; i < hw; i++, j += 3, k += 3) dst[k] = (src[j] as number) * a + b;
    }
  }
}
