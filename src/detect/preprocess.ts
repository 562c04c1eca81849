/**
 * Image → letterboxed RGB bytes. libvips (sharp) decodes, converts to RGB, resizes and pads on its own threads;
 * the preprocessing graph (preGraph.ts) then does the per-pixel arithmetic next to the model.
 * `writeInputTensor` is the same arithmetic in plain JS: the reference the graph is tested against.
 */
import sharp, { type Sharp } from 'sharp';
import type { Image } from '../contracts/camera.ts';
import type { ModelCard } from './card.ts';
import { type Letterbox, letterbox } from './letterbox.ts';

/** A letterboxed image: input-sized, interleaved RGB bytes (row-major, H × W × 3). */
export interface Letterboxed {
  pixels: Uint8Array;
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
 */
export async function decodeLetterboxed(image: Image, input: ModelCard['input']): Promise<Letterboxed> {
  let pipeline: Sharp;
  let srcW: number;
  let srcH: number;
  try {
    if (image.encoding === 'jpeg' || image.encoding === 'png') {
      // failOn 'error': a truncated JPEG is rejected; libjpeg's mere warnings (common from cameras) are not.
      pipeline = sharp(image.data, { failOn: 'error' });
      const meta = await pipeline.metadata();
      if (meta.format !== 'jpeg' && meta.format !== 'png') {
        throw new FrameDecodeError(`expected ${image.encoding}, got ${meta.format ?? 'unknown'} bytes`);
      }
      srcW = meta.width ?? 0;
      srcH = meta.height ?? 0;
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
      if (image.encoding === 'bgr8') pipeline = pipeline.recomb(SWAP_RB);
    }
    const lb = letterbox(srcW, srcH, input.width, input.height, input.letterbox.align);
    if (lb.newW !== srcW || lb.newH !== srcH) {
      pipeline = pipeline.resize(lb.newW, lb.newH, { fit: 'fill', kernel: 'linear' });
    }
    const pad = input.letterbox.padValue;
    if (lb.newW !== input.width || lb.newH !== input.height) {
      pipeline = pipeline.extend({
        top: lb.padY,
        left: lb.padX,
        bottom: input.height - lb.newH - lb.padY,
        right: input.width - lb.newW - lb.padX,
        background: { r: pad, g: pad, b: pad, alpha: 1 },
      });
    }
    // Grey images (mono8, greyscale JPEG/PNG) become three equal channels.
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== input.width || info.height !== input.height || info.channels !== 3) {
      throw new FrameDecodeError(`decoder gave ${info.width}×${info.height}×${info.channels}`);
    }
    return { pixels: data, lb };
  } catch (err) {
    if (err instanceof FrameDecodeError) throw err;
    throw new FrameDecodeError(`cannot decode ${image.encoding}: ${(err as Error).message.split('\n')[0]}`);
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
