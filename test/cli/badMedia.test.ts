/**
 * `viper import` with odd media: each bad input is one line on stderr, exit 2, and the output stays readable. The
 * CLI's entry point runs in-process (`viperInProcess`) for images whose headers sharp reads without complaint and
 * for what is refused before any is read; a success and a file that is not an image (libvips may warn on
 * stderr itself) are the real `bin/viper.js`.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { naturalCompare } from '../../src/cli/importFrames.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { viper, viperInProcess } from '../testing/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-badmedia-'));
const solid = (r: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width: 16, height: 12, channels, background: { r, g: 40, b: 90, alpha: 0.5 } } });
const files: Record<string, Buffer> = {};

beforeAll(async () => {
  files.red = await solid(200).jpeg().toBuffer();
  files.green = await solid(20).jpeg().toBuffer();
  files.blue = await solid(120).jpeg().toBuffer();
  files.png = await solid(50, 4).png().toBuffer();
  files.webp = await solid(50).webp().toBuffer();
});

/** A folder holding `entries` (name → file bytes; a null makes a sub-folder). */
function folder(name: string, entries: Record<string, Buffer | null>): string {
  const d = join(dir, name);
  mkdirSync(d);
  for (const [f, data] of Object.entries(entries)) {
    if (data === null) mkdirSync(join(d, f));
    else writeFileSync(join(d, f), data);
  }
  return d;
}

/** Each image message of `file`: its format and bytes, in log-time order. */
async function images(file: string): Promise<{ format: string; data: Uint8Array }[]> {
  const reader = await RecordingReader.open(file);
  const out: { format: string; data: Uint8Array }[] = [];
  try {
    for await (const m of reader.messages()) {
      if (m.channel.topic !== '/cam0/image') continue;
      const msg = reader.decoder(m.channel.id)(m.data) as { format: string; data: Uint8Array };
      out.push({ format: msg.format, data: new Uint8Array(msg.data) });
    }
  } finally {
    await reader.close();
  }
  return out;
}

function expectBadInput(r: { code: number | null; stderr: string }, what: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('error:') || l.includes('internal error'));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(what);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('viper import with odd media', () => {
  it('takes unpadded numbered frames in number order (1, 2, 10), not string order', async () => {
    const src = folder('numbers', { '10.jpg': files.blue!, '2.jpg': files.green!, '1.jpg': files.red! });
    const out = join(dir, 'numbers.mcap');
    const r = viper(['import', src, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const got = await images(out);
    expect(got.map((g) => Buffer.from(g.data).equals(files.red!))).toEqual([true, false, false]);
    expect(Buffer.from(got[1]!.data).equals(files.green!)).toBe(true);
    expect(Buffer.from(got[2]!.data).equals(files.blue!)).toBe(true);
  });

  it('sorts names naturally and the same on every machine', () => {
    const names = ['frame10.png', 'frame2.png', 'frame1.png', 'frame01.png', 'b.jpg', 'a10.jpg', 'a9.jpg'];
    expect(names.sort(naturalCompare)).toEqual([
      'a9.jpg',
      'a10.jpg',
      'b.jpg',
      'frame01.png',
      'frame1.png',
      'frame2.png',
      'frame10.png',
    ]);
    expect(naturalCompare('0001.jpg', '0002.jpg')).toBeLessThan(0);
  });

  it('refuses a zero-byte image as bad input, naming the file', async () => {
    const src = folder('zero', { 'a.jpg': files.red!, 'b.jpg': Buffer.alloc(0) });
    const out = join(dir, 'zero.mcap');
    expectBadInput(await viperInProcess(['import', src, '-o', out]), /^error: recording: empty file.*b\.jpg/);
    // Every frame is checked before the output is created: nothing is left behind.
    expect(existsSync(out)).toBe(false);
  });

  it('skips a sub-folder whose name ends in .jpg', async () => {
    const src = folder('subdir', { 'a.jpg': files.red!, 'b.jpg': null });
    const out = join(dir, 'subdir.mcap');
    const r = await viperInProcess(['import', src, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 1 });
  });

  it('writes the format of the bytes, not of the extension (a PNG named .jpg is a png frame)', async () => {
    const src = folder('mislabel', { 'a.jpg': files.png!, 'b.png': files.red! });
    const out = join(dir, 'mislabel.mcap');
    const r = await viperInProcess(['import', src, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 2, format: 'png+jpeg' });
    expect((await images(out)).map((g) => g.format)).toEqual(['png', 'jpeg']);
  });

  it('refuses an image that is neither JPEG nor PNG (WebP named .jpg), which replay could not decode', async () => {
    const src = folder('webp', { 'a.jpg': files.webp! });
    expectBadInput(
      await viperInProcess(['import', src, '-o', join(dir, 'webp.mcap')]),
      /^error: recording: webp bytes, not JPEG or PNG.*a\.jpg/,
    );
  });

  it('refuses a text file named .jpg and a size change mid-sequence with one line each', async () => {
    const text = folder('text', { 'a.jpg': files.red!, 'b.jpg': Buffer.from('hello\n') });
    expectBadInput(viper(['import', text, '-o', join(dir, 'text.mcap')]), /cannot read image.*b\.jpg/);
    const sizes = join(dir, 'sizes');
    mkdirSync(sizes);
    writeFileSync(join(sizes, '1.jpg'), files.red!);
    copyFileSync(join(text, 'a.jpg'), join(sizes, '2.jpg'));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
      .jpeg()
      .toFile(join(sizes, '10.jpg'));
    expectBadInput(
      await viperInProcess(['import', sizes, '-o', join(dir, 'sizes.mcap')]),
      /8×8, the sequence is 16×12.*10\.jpg/,
    );
  });
});
