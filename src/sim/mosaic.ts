/**
 * A 3×2 mosaic of a six-camera rig at one instant (front-left, front, front-right over back-left, back,
 * back-right), as PNG: the picture of a scenario for READMEs and eyeballing.
 */
import sharp from 'sharp';
import { compareRigOrder } from '../contracts/rigOrder.ts';
import { createRenderer, renderFrame } from './render/renderer.ts';
import { frameCount, inDropout } from './simulate.ts';
import type { World } from './world/world.ts';

/**
 * Render all cameras at the recorded frame nearest time `t` and tile them 3 per row in rig order (as the viewer
 * lays them out). A camera in a dropout then is a dark tile, as the recording has no frame of it.
 */
export async function mosaicPng(world: World, t: number): Promise<Buffer> {
  const r = createRenderer(world);
  const s = world.scenario;
  const k = Math.min(Math.round(t * s.rate), frameCount(s) - 1);
  const f = renderFrame(r, k / world.scenario.rate, k);
  const imgs = [...f.images].sort((a, b) => compareRigOrder(a.cameraId, b.cameraId));
  const W = Math.max(...imgs.map((i) => i.width));
  const H = Math.max(...imgs.map((i) => i.height));
  const cols = Math.min(3, imgs.length);
  const rows = Math.ceil(imgs.length / cols);
  const out = Buffer.alloc(W * cols * H * rows * 3);
  const stride = W * cols;
  imgs.forEach((img, n) => {
    const ox = (n % cols) * W;
    const oy = Math.floor(n / cols) * H;
    if (inDropout(s, img.cameraId, k / s.rate)) return; // left dark
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) {
        const p = img.color[y * img.width + x]!;
        const o = ((oy + y) * stride + ox + x) * 3;
        out[o] = p & 0xff;
        out[o + 1] = (p >>> 8) & 0xff;
        out[o + 2] = (p >>> 16) & 0xff;
      }
  });
  return sharp(out, { raw: { width: stride, height: H * rows, channels: 3 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}
