import { loadDecompressHandlers } from '@mcap/support';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DecompressHandlers } from '@mcap/core';
import { crc32 } from '../../src/io/mcap/crc32.ts';
import { lz4CompressBlock, lz4CompressFrame, xxh32 } from '../../src/io/mcap/lz4.ts';
import { bytesWithRepeats } from './helpers.ts';

let handlers: DecompressHandlers;
beforeAll(async () => {
  handlers = await loadDecompressHandlers();
});

const enc = new TextEncoder();

/** Byte-wise reference CRC-32 (the definition), to check the sliced implementation against. */
function crcReference(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('matches the byte-wise definition on arbitrary input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (d) => crc32(d) === crcReference(d)));
  });
});

describe('lz4 frame encoder', () => {
  it('xxh32 matches reference vectors', () => {
    expect(xxh32(new Uint8Array(0), 0)).toBe(0x02cc5d05);
    expect(xxh32(enc.encode('abc'), 0)).toBe(0x32d153ff);
    expect(xxh32(enc.encode('Nobody inspects the spammish repetition'), 0)).toBe(0xe2293b2f);
  });

  it('round-trips through @mcap/support’s LZ4 decompressor (property)', () => {
    fc.assert(
      fc.property(bytesWithRepeats, (data) => {
        const out = (handlers.lz4 as NonNullable<DecompressHandlers['lz4']>)(
          lz4CompressFrame(data),
          BigInt(data.length),
        );
        return Buffer.from(out).equals(Buffer.from(data));
      }),
      { numRuns: 300 },
    );
  });

  it('compresses repetitive data and spans several 4 MiB blocks', () => {
    const data = new Uint8Array(9 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = ((i * 7) % 251) ^ (i >> 12);
    const frame = lz4CompressFrame(data);
    expect(frame.length).toBeLessThan(data.length / 3);
    const back = (handlers.lz4 as NonNullable<DecompressHandlers['lz4']>)(frame, BigInt(data.length));
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
  });

  it('keeps the block format rules: last 5 bytes literal, incompressible input not expanded much', () => {
    const noise = new Uint8Array(1000);
    let x = 1;
    for (let i = 0; i < noise.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      noise[i] = x >>> 24;
    }
    expect(lz4CompressBlock(noise).length).toBeLessThanOrEqual(noise.length + 8);
    const zeros = lz4CompressBlock(new Uint8Array(100));
    expect(zeros.length).toBeLessThan(20);
    // The final sequence is literals only: its last 5 bytes are the input's last 5 bytes.
    expect(Array.from(zeros.subarray(-5))).toEqual([0, 0, 0, 0, 0]);
  });
});
