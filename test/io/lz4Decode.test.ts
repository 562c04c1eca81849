/**
 * Viper's LZ4 frame decoder: against the encoder (property), against @foxglove/wasm-lz4 on the same frames,
 * on hand-built frames with the features the encoder does not write (linked blocks, checksums, content size,
 * skippable and concatenated frames), on damage (an Lz4FormatError, nothing else), and the reason it exists:
 * a damaged lz4 recording does not stop the next one from reading.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecompressHandlers } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import { lz4CompressBlock, lz4CompressFrame, xxh32 } from '../../src/io/mcap/lz4.ts';
import { Lz4FormatError, lz4DecompressFrame } from '../../src/io/mcap/lz4Decode.ts';
import { bytesWithRepeats, readAll, rng, tempDir, writeSample } from './helpers.ts';

let wasm: NonNullable<DecompressHandlers['lz4']>;
beforeAll(async () => {
  wasm = (await loadDecompressHandlers()).lz4!;
});

const dir = tempDir('lz4');
const enc = new TextEncoder();
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

const u32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

/** A frame header with the given FLG bits (version 01 added) and 64 KiB blocks, its checksum computed. */
function header(flags: number, contentSize?: number): Uint8Array {
  const desc = [0x40 | flags, 0x40];
  if (contentSize !== undefined) {
    const cs = new Uint8Array(8);
    new DataView(cs.buffer).setBigUint64(0, BigInt(contentSize), true);
    desc.push(...cs);
  }
  const d = Uint8Array.from(desc);
  return cat(u32(0x184d2204), d, Uint8Array.of((xxh32(d, 0) >>> 8) & 0xff));
}

describe('lz4 frame decoder', () => {
  it('decodes what the encoder writes, as @foxglove/wasm-lz4 does (property)', () => {
    fc.assert(
      fc.property(bytesWithRepeats, (d) => {
        const frame = lz4CompressFrame(d);
        const ours = lz4DecompressFrame(frame, d.length);
        return same(ours, d) && same(ours, wasm(frame, BigInt(d.length)));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes several 4 MiB blocks, stored and compressed', () => {
    const d = new Uint8Array(9 * 1024 * 1024);
    const next = rng(3);
    for (let i = 0; i < d.length; i++) d[i] = i < 5_000_000 ? Math.floor(next() * 256) : (i * 7) % 251;
    expect(same(lz4DecompressFrame(lz4CompressFrame(d), d.length), d)).toBe(true);
  });

  it('follows matches into the previous block of a linked frame, and checks block and content checksums', () => {
    const text = enc.encode('the quick brown fox jumps over the lazy dog; ');
    // Block 2 is a single match 45 bytes back (into block 1), then literals: only valid for linked blocks.
    const block2 = Uint8Array.of(0x0f, 45, 0, 45 - 4 - 15, 0x50, ...enc.encode('done!'));
    const whole = cat(text, text, enc.encode('done!'));
    const blockFields = (b: Uint8Array, stored: boolean) =>
      cat(u32(stored ? b.length | 0x80000000 : b.length), b, u32(xxh32(b, 0)));
    // FLG: block checksums (0x10), content size (0x08), content checksum (0x04); linked (0x20 unset).
    const linked = cat(
      header(0x1c, whole.length),
      blockFields(text, true),
      blockFields(block2, false),
      u32(0),
      u32(xxh32(whole, 0)),
    );
    expect(same(lz4DecompressFrame(linked, whole.length), whole)).toBe(true);
    expect(same(wasm(linked, BigInt(whole.length)), whole)).toBe(true);

    // The same blocks marked independent: the match reaches outside its block.
    const indep = Uint8Array.from(linked);
    indep[4] = (indep[4] as number) | 0x20;
    indep[4 + 2 + 8] = (xxh32(indep.subarray(4, 14), 0) >>> 8) & 0xff;
    expect(() => lz4DecompressFrame(indep, whole.length)).toThrow(/reaches before the window/);

    // Each checksum is checked: the block's, the content's, the header's.
    const badBlock = Uint8Array.from(linked);
    badBlock[15 + 4 + text.length] = (badBlock[15 + 4 + text.length] as number) ^ 1;
    expect(() => lz4DecompressFrame(badBlock, whole.length)).toThrow(/block checksum/);
    const badContent = Uint8Array.from(linked);
    badContent[badContent.length - 1] = (badContent[badContent.length - 1] as number) ^ 1;
    expect(() => lz4DecompressFrame(badContent, whole.length)).toThrow(/content checksum/);
    const badHeader = Uint8Array.from(linked);
    badHeader[6] = (badHeader[6] as number) ^ 1; // the content size's low byte
    expect(() => lz4DecompressFrame(badHeader, whole.length)).toThrow(/header checksum/);
  });

  it('reads concatenated frames and skips skippable ones', () => {
    const a = enc.encode('first frame, first frame, first frame');
    const b = enc.encode('second');
    const skippable = cat(u32(0x184d2a53), u32(3), Uint8Array.of(9, 9, 9));
    const src = cat(lz4CompressFrame(a), skippable, lz4CompressFrame(b));
    expect(same(lz4DecompressFrame(src, a.length + b.length), cat(a, b))).toBe(true);
  });

  it('refuses a size other than the one declared, a dictionary and the legacy format', () => {
    const d = enc.encode('abcabcabcabcabcabcabcabcabcabc');
    const frame = lz4CompressFrame(d);
    expect(() => lz4DecompressFrame(frame, d.length + 1)).toThrow(/30 bytes, 31 declared/);
    expect(() => lz4DecompressFrame(frame, d.length - 1)).toThrow(/longer than the 29 bytes/);
    expect(() => lz4DecompressFrame(cat(header(0x01), u32(0)), 0)).toThrow(/dictionary/);
    expect(() => lz4DecompressFrame(cat(u32(0x184c2102), u32(0)), 0)).toThrow(/legacy/);
    const block = lz4CompressBlock(d);
    expect(() => lz4DecompressFrame(cat(header(0x20), u32(block.length), block), d.length)).toThrow(
      /block size cut short/,
    );
    // A size no input of this length could decode to (a damaged chunk header) is refused before it is allocated.
    expect(() => lz4DecompressFrame(frame, 1 << 30)).toThrow(/cannot hold the 1073741824 declared/);
    // A block may not decode to more than the frame's block maximum (64 KiB here): a run of 70,000 bytes.
    const run = Uint8Array.of(
      0x1f,
      7,
      1,
      0,
      ...new Array(274).fill(255),
      70_000 - 5 - 19 - 274 * 255,
      0x40,
      7,
      7,
      7,
      7,
    );
    const big = cat(header(0x20), u32(run.length), run, u32(0));
    expect(() => lz4DecompressFrame(big, 70_000)).toThrow(/block decodes to 70000 bytes, over 65536/);
  });

  it('reads a content size of 0 as unknown, as liblz4 does', () => {
    const d = enc.encode('some content, some content');
    const block = lz4CompressBlock(d);
    const frame = cat(header(0x28, 0), u32(block.length), block, u32(0));
    expect(same(lz4DecompressFrame(frame, d.length), d)).toBe(true);
  });

  it('answers damage with an Lz4FormatError or the exact size, never another exception (seeded fuzz)', () => {
    const next = rng(20261202);
    const d = new Uint8Array(5000);
    for (let i = 0; i < d.length; i++) d[i] = i % 97 < 50 ? (i * 13) & 0xff : Math.floor(next() * 256);
    const frame = lz4CompressFrame(d);
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const bad = Uint8Array.from(frame);
      const at = Math.floor(next() * bad.length);
      const cut = next() < 0.2;
      bad[at] = Math.floor(next() * 256);
      const input = cut ? bad.subarray(0, at) : bad;
      try {
        expect(lz4DecompressFrame(input, d.length).length).toBe(d.length);
      } catch (err) {
        expect(err, `case ${i}`).toBeInstanceOf(Lz4FormatError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
  });
});

describe('lz4 recordings', () => {
  it('a damaged lz4 recording does not stop the next one from reading (the wasm decoder had stayed failed)', async () => {
    const good = join(dir, 'good.mcap');
    await writeSample(good, { compression: 'lz4', frames: 6, chunkSize: 4000 });
    const bytes = readFileSync(good);
    // The first block's size in the first chunk's LZ4 frame: after "lz4", the records' length (8 bytes) and the
    // frame header (7). A bad magic would not do: the wasm decoder failed on it without keeping the failure.
    const chunkAt = bytes.indexOf(Buffer.from('lz4'));
    expect(chunkAt).toBeGreaterThan(0);
    const damaged = Buffer.from(bytes);
    damaged.writeUInt32LE(0x7fffffff, chunkAt + 3 + 8 + 7);
    const bad = join(dir, 'bad.mcap');
    writeFileSync(bad, damaged);

    const { messages: expected } = await readAll(good);
    await expect(readAll(bad)).rejects.toThrow(RecordingError);
    await expect(readAll(bad)).rejects.toThrow(/lz4/);
    const { messages } = await readAll(good);
    expect(messages.length).toBe(expected.length);
    expect(messages.every((m, i) => same(m.data, expected[i]!.data))).toBe(true);
  });
});
