import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ModelCardSchema } from '../../src/detect/card.ts';
import { letterbox, unletterboxBox } from '../../src/detect/letterbox.ts';
import { buildPreprocessModel, PRE_INPUT, PRE_OUTPUT } from '../../src/detect/preGraph.ts';
import { decodeLetterboxed, FrameDecodeError, writeInputTensor } from '../../src/detect/preprocess.ts';

function input(over: Record<string, unknown> = {}) {
  return ModelCardSchema.parse({
    name: 't',
    model: 't.onnx',
    input: { name: 'images', width: 4, height: 4, colorOrder: 'rgb', ...over },
    output: { name: 'o', layout: 'viper' },
    classes: ['person'],
    classMap: { person: 'pedestrian' },
  }).input;
}

describe('letterbox', () => {
  it('fits the image inside the input, keeping the aspect ratio to within a pixel', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 16, max: 1280 }),
        fc.integer({ min: 16, max: 1280 }),
        fc.constantFrom('top-left' as const, 'center' as const),
        (w, h, iw, ih, align) => {
          const lb = letterbox(w, h, iw, ih, align);
          expect(lb.newW + lb.padX).toBeLessThanOrEqual(iw);
          expect(lb.newH + lb.padY).toBeLessThanOrEqual(ih);
          expect(lb.newW === iw || lb.newH === ih).toBe(true);
          expect(Math.abs(lb.newW - (lb.newH * w) / h)).toBeLessThanOrEqual(1 + w / h);
        },
      ),
    );
  });

  it('maps an image box into the input and back to itself', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 2000 }),
        fc.integer({ min: 8, max: 2000 }),
        fc.double({ min: 0, max: 0.49, noNaN: true }),
        fc.double({ min: 0.51, max: 1, noNaN: true }),
        (w, h, a, b) => {
          const lb = letterbox(w, h, 416, 416, 'center');
          const box = { x1: a * w, y1: a * h, x2: b * w, y2: b * h };
          const fx = lb.newW / w;
          const fy = lb.newH / h;
          const back = unletterboxBox(
            lb,
            box.x1 * fx + lb.padX,
            box.y1 * fy + lb.padY,
            box.x2 * fx + lb.padX,
            box.y2 * fy + lb.padY,
          );
          expect(back?.x1).toBeCloseTo(box.x1, 6);
          expect(back?.y2).toBeCloseTo(box.y2, 6);
        },
      ),
    );
  });

  it('clips to the image and drops boxes that fall outside it', () => {
    const lb = letterbox(100, 50, 100, 100, 'center'); // padY 25
    expect(unletterboxBox(lb, -10, 20, 50, 40)).toEqual({ x1: 0, y1: 0, x2: 50, y2: 15 });
    expect(unletterboxBox(lb, 10, 80, 50, 95)).toBeNull();
  });
});

describe('writeInputTensor', () => {
  const pixels = new Uint8Array(16 * 3);
  for (let i = 0; i < 16; i++) pixels.set([10 + i, 100 + i, 200 + i], i * 3);
  const lb = letterbox(4, 4, 4, 4, 'top-left');

  it('writes NCHW, swapping to BGR and normalising with scale/mean/std', () => {
    const inp = input({ colorOrder: 'bgr', scale: 0.5, mean: [1, 2, 3], std: [2, 4, 8] });
    const dst = new Float32Array(2 * 48).fill(-1);
    writeInputTensor({ pixels, lb }, inp, dst, 48);
    expect(dst[0]).toBe(-1); // first image untouched
    // model channel 0 = blue: (200·0.5 − 1)/2
    expect(dst[48]).toBeCloseTo((200 * 0.5 - 1) / 2, 6);
    expect(dst[48 + 16 + 5]).toBeCloseTo((105 * 0.5 - 2) / 4, 6);
    expect(dst[48 + 32 + 15]).toBeCloseTo((25 * 0.5 - 3) / 8, 6);
  });

  it('writes NHWC in RGB order', () => {
    const dst = new Float32Array(48);
    writeInputTensor({ pixels, lb }, input({ layout: 'NHWC' }), dst, 0);
    expect(Array.from(dst.subarray(6, 9))).toEqual([12, 102, 202]);
  });
});

describe('the preprocessing graph', () => {
  const inputCase = fc.record({
    colorOrder: fc.constantFrom('rgb', 'bgr'),
    layout: fc.constantFrom('NCHW', 'NHWC'),
    scale: fc.constantFrom(1, 1 / 255, 0.5),
    mean: fc.tuple(
      fc.integer({ min: 0, max: 130 }),
      fc.integer({ min: 0, max: 130 }),
      fc.integer({ min: 0, max: 130 }),
    ),
    std: fc.tuple(fc.constantFrom(1, 58.4, 0.229), fc.constantFrom(1, 57.1), fc.constantFrom(1, 57.4)),
  });

  it('computes what writeInputTensor computes, for any colour order, layout and normalisation', async () => {
    await fc.assert(
      fc.asyncProperty(
        inputCase,
        fc.uint8Array({ minLength: 2 * 6 * 5 * 3, maxLength: 2 * 6 * 5 * 3 }),
        async (over, px) => {
          const inp = input({ ...over, width: 6, height: 5 });
          const session = await ort.InferenceSession.create(buildPreprocessModel(inp));
          const out = (await session.run({ [PRE_INPUT]: new ort.Tensor('uint8', px, [2, 5, 6, 3]) }))[
            PRE_OUTPUT
          ];
          await session.release();
          const want = new Float32Array(2 * 90);
          const lb = letterbox(6, 5, 6, 5, 'top-left');
          for (let b = 0; b < 2; b++)
            writeInputTensor({ pixels: px.subarray(b * 90, (b + 1) * 90), lb }, inp, want, b * 90);
          expect(out?.dims).toEqual(inp.layout === 'NCHW' ? [2, 3, 5, 6] : [2, 5, 6, 3]);
          const got = out?.data as Float32Array;
          // Both round to float32 at different steps: a few ulps of the largest term (pixel·a or b; they may
          // nearly cancel) apart at most.
          const largest = Math.max(
            1,
            ...[0, 1, 2].map((c) => (255 * inp.scale + (inp.mean[c] ?? 0)) / (inp.std[c] ?? 1)),
          );
          for (let i = 0; i < want.length; i++) {
            expect(Math.abs((got[i] ?? Number.NaN) - (want[i] as number))).toBeLessThanOrEqual(
              1e-6 * largest,
            );
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('decodeLetterboxed', () => {
  it('letterboxes a PNG with the pad value where the card puts it', async () => {
    const png = await sharp({
      create: { width: 8, height: 4, channels: 3, background: { r: 255, g: 0, b: 0 } },
    })
      .png()
      .toBuffer();
    // Bytes as a view into a larger buffer, as a recording reader hands them out.
    const data = new Uint8Array(png.length + 32).subarray(16, 16 + png.length);
    data.set(png);
    const img = await decodeLetterboxed(
      { encoding: 'png', width: 0, height: 0, data },
      input({ width: 8, height: 8, letterbox: { align: 'center', padValue: 7 } }),
    );
    expect(img.lb).toEqual({ srcW: 8, srcH: 4, newW: 8, newH: 4, padX: 0, padY: 2 });
    expect(Array.from(img.pixels.subarray(0, 3))).toEqual([7, 7, 7]); // padding row
    expect(Array.from(img.pixels.subarray(2 * 8 * 3, 2 * 8 * 3 + 3))).toEqual([255, 0, 0]);
  });

  it('turns bgr8 and mono8 into RGB, resized and padded', async () => {
    const bgr = new Uint8Array(8 * 4 * 3);
    for (let i = 0; i < 32; i++) bgr.set([30, 20, 10], i * 3);
    const a = await decodeLetterboxed(
      { encoding: 'bgr8', width: 8, height: 4, data: bgr },
      input({ letterbox: { padValue: 0 } }),
    );
    expect(Array.from(a.pixels.subarray(0, 3))).toEqual([10, 20, 30]);
    expect(Array.from(a.pixels.subarray(47, 48))).toEqual([0]); // bottom half is padding
    const mono = await decodeLetterboxed(
      { encoding: 'mono8', width: 4, height: 4, data: new Uint8Array(16).fill(77) },
      input(),
    );
    expect(Array.from(mono.pixels.subarray(0, 6))).toEqual([77, 77, 77, 77, 77, 77]);
  });

  it('rejects raw bytes of the wrong length and bytes that are not the declared format', async () => {
    await expect(
      decodeLetterboxed({ encoding: 'rgb8', width: 4, height: 4, data: new Uint8Array(47) }, input()),
    ).rejects.toThrow(FrameDecodeError);
    await expect(
      decodeLetterboxed({ encoding: 'jpeg', width: 0, height: 0, data: new Uint8Array([1, 2, 3]) }, input()),
    ).rejects.toThrow(FrameDecodeError);
    // JPEG and PNG are told apart by their bytes (a mislabelled one still decodes); other formats are refused.
    const webp = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'white' } })
      .webp()
      .toBuffer();
    await expect(
      decodeLetterboxed({ encoding: 'jpeg', width: 0, height: 0, data: webp }, input()),
    ).rejects.toThrow(/expected jpeg, got webp/);
  });
});
