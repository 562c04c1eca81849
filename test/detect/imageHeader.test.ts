import { readdirSync, readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/contracts/camera.ts';
import { ModelCardSchema } from '../../src/detect/card.ts';
import { imageHeader } from '../../src/detect/imageHeader.ts';
import { letterbox } from '../../src/detect/letterbox.ts';
import { decodeLetterboxed } from '../../src/detect/preprocess.ts';
import { hasShared, shared } from '../shared.ts';

/** A test picture with some structure (so resizing has something to do); channels 1 makes a grey image. */
function create(width: number, height: number, channels: 1 | 3 | 4) {
  const circle = `<svg width="${width}" height="${height}"><circle cx="30%" cy="40%" r="25%" fill="#1d6"/></svg>`;
  const img = sharp({
    create: {
      width,
      height,
      channels: channels === 1 ? 3 : channels,
      background: { r: 200, g: 90, b: 30, alpha: 0.5 },
    },
  }).composite([{ input: Buffer.from(circle) }]);
  return channels === 1 ? img.toColourspace('b-w') : img;
}

/** The libvips-only pipeline the short path must match byte for byte: metadata pass, extend, sRGB. */
async function reference(image: Image, inp: ReturnType<typeof input>): Promise<Uint8Array> {
  const meta = await sharp(image.data).metadata();
  const lb = letterbox(meta.width ?? 0, meta.height ?? 0, inp.width, inp.height, inp.letterbox.align);
  let p = sharp(image.data, { failOn: 'error' });
  if (lb.newW !== meta.width || lb.newH !== meta.height)
    p = p.resize(lb.newW, lb.newH, { fit: 'fill', kernel: 'linear' });
  const v = inp.letterbox.padValue;
  p = p.extend({
    top: lb.padY,
    left: lb.padX,
    bottom: inp.height - lb.newH - lb.padY,
    right: inp.width - lb.newW - lb.padX,
    background: { r: v, g: v, b: v, alpha: 1 },
  });
  return new Uint8Array(await p.removeAlpha().toColourspace('srgb').raw().toBuffer());
}

function input(width: number, height: number, align: 'top-left' | 'center') {
  return ModelCardSchema.parse({
    name: 't',
    model: 't.onnx',
    input: { name: 'images', width, height, colorOrder: 'rgb', letterbox: { align, padValue: 114 } },
    output: { name: 'o', layout: 'viper' },
    classes: ['person'],
    classMap: { person: 'pedestrian' },
  }).input;
}

describe('imageHeader', () => {
  it('reads what libvips reads from JPEG (baseline, progressive, grey) and PNG (RGB, RGBA, grey, 16-bit)', async () => {
    const cases = [
      await create(97, 41, 3).jpeg().toBuffer(),
      await create(64, 300, 3).jpeg({ progressive: true, quality: 60 }).toBuffer(),
      await create(33, 17, 1).jpeg().toBuffer(),
      await create(50, 20, 3).png().toBuffer(),
      await create(50, 20, 4).png().toBuffer(),
      await create(7, 9, 1).png().toBuffer(),
      await create(12, 8, 3).png().toColourspace('rgb16').toBuffer(),
    ];
    for (const bytes of cases) {
      const meta = await sharp(bytes).metadata();
      const h = imageHeader(bytes);
      expect(h).not.toBeNull();
      expect([h?.format, h?.width, h?.height, h?.channels]).toEqual([
        meta.format,
        meta.width,
        meta.height,
        meta.channels,
      ]);
      expect(h?.bitDepth).toBe(meta.depth === 'ushort' ? 16 : 8);
    }
  });

  it('never throws on cut or damaged bytes, and never reports a size of zero', async () => {
    const jpeg = new Uint8Array(await create(40, 30, 3).jpeg().toBuffer());
    const png = new Uint8Array(await create(40, 30, 3).png().toBuffer());
    fc.assert(
      fc.property(
        fc.constantFrom(jpeg, png),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (bytes, cut, flips) => {
          const b = bytes.slice(0, cut % (bytes.length + 1));
          for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
          const h = imageHeader(b);
          if (h) expect(h.width > 0 && h.height > 0 && h.channels > 0).toBe(true);
        },
      ),
    );
  });
});

describe('decodeLetterboxed short path', () => {
  it('gives the bytes of the full libvips conversion, for any size, alignment and channel count', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 8, max: 300 }),
        fc.integer({ min: 8, max: 300 }),
        fc.constantFrom<1 | 3 | 4>(1, 3, 4),
        fc.constantFrom('jpeg' as const, 'png' as const),
        fc.constantFrom('top-left' as const, 'center' as const),
        async (w, h, channels, format, align) => {
          const made = create(w, h, channels);
          const data = new Uint8Array(await (format === 'jpeg' ? made.jpeg() : made.png()).toBuffer());
          const image: Image = { encoding: format, width: 0, height: 0, data };
          const inp = input(96, 64, align);
          const got = await decodeLetterboxed(image, inp);
          expect(Buffer.compare(Buffer.from(got.pixels), Buffer.from(await reference(image, inp)))).toBe(0);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('drops the alpha an RGB PNG gains from a tRNS chunk (libvips decodes it with four bands)', async () => {
    const png = new Uint8Array(await create(40, 30, 3).png().toBuffer());
    // A tRNS chunk (colour 200, 90, 30 transparent) right after IHDR (8-byte signature + 25-byte IHDR chunk).
    const body = Buffer.concat([Buffer.from('tRNS'), Buffer.from([0, 200, 0, 90, 0, 30])]);
    const chunk = Buffer.alloc(4 + body.length + 4);
    chunk.writeUInt32BE(6, 0);
    body.copy(chunk, 4);
    chunk.writeUInt32BE(crc32(body), 4 + body.length);
    const data = new Uint8Array(Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]));
    expect((await sharp(data).metadata()).channels).toBe(4);
    const got = await decodeLetterboxed(
      { encoding: 'png', width: 0, height: 0, data },
      input(96, 64, 'center'),
    );
    expect(got.pixels.length).toBe(96 * 64 * 3);
  });

  it.skipIf(!hasShared)('gives the same bytes on real camera frames (vtest, 768×576 JPEG)', async () => {
    const files = readdirSync(shared('data', 'vtest'))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, 10);
    for (const f of files) {
      const image: Image = {
        encoding: 'jpeg',
        width: 0,
        height: 0,
        data: readFileSync(shared('data', 'vtest', f)),
      };
      for (const inp of [input(416, 416, 'top-left'), input(448, 256, 'top-left')]) {
        const got = await decodeLetterboxed(image, inp);
        expect(Buffer.compare(Buffer.from(got.pixels), Buffer.from(await reference(image, inp)))).toBe(0);
      }
    }
  });
});
