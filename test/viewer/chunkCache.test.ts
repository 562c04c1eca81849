/**
 * The viewer's reads per frame: stepping through a file fetches each chunk once (it fetched its whole chunk again
 * for every frame), the kept chunks stay within their bound, and frames read through the cache are the same in any
 * order. Also the one-line reasons a file that is not an intact MCAP gets, as `viper view` gives them.
 * Files are uncompressed so no WebAssembly decompressor is needed (the cache holds chunk bytes as stored).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader, type McapTypes } from '@mcap/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChunkCache } from '../../viewer/src/mcap/chunkCache.ts';
import { badFileReason } from '../../viewer/src/mcap/fileCheck.ts';
import { fileReadable, writeFixture } from './fixtures.ts';
import { openRecording, type ViewerFrame } from './viewerRecording.ts';

/** A readable that counts its reads by offset. */
function counting(inner: McapTypes.IReadable) {
  const reads = new Map<bigint, number>();
  let bytes = 0;
  const readable: McapTypes.IReadable = {
    size: () => inner.size(),
    read: async (o, s) => {
      reads.set(o, (reads.get(o) ?? 0) + 1);
      bytes += Number(s);
      return inner.read(o, s);
    },
  };
  return { readable, reads, bytesRead: () => bytes };
}

let dir: string;
let path: string;
let chunks: McapTypes.TypedMcapRecords['ChunkIndex'][];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'viper-viewer-chunks-'));
  path = await writeFixture(join(dir, 'results.mcap'), {
    frames: 24,
    width: 160,
    height: 90,
    compression: 'none',
    chunkSize: 256 * 1024,
  });
  chunks = [...(await McapIndexedReader.Initialize({ readable: fileReadable(path) })).chunkIndexes];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading frames in order', () => {
  test('fetches each chunk once, not once per frame', async () => {
    expect(chunks.length).toBeGreaterThan(2);
    const c = counting(fileReadable(path));
    const rec = await openRecording(c.readable, 'results.mcap');
    expect(rec.frameTimes.length).toBeGreaterThan(2 * chunks.length); // several frames share a chunk
    for (let i = 0; i < rec.frameTimes.length; i++) await rec.readFrame(i);
    for (const ci of chunks) expect(c.reads.get(ci.chunkStartOffset) ?? 0).toBeLessThanOrEqual(1);
    expect(c.bytesRead()).toBeLessThan(readFileSync(path).length * 1.1);
  });

  test('gives the same frames as reading them backwards, one file open per frame', async () => {
    const played = await openRecording(fileReadable(path), 'results.mcap');
    const n = played.frameTimes.length;
    const forward: ViewerFrame[] = [];
    for (let i = 0; i < n; i++) forward.push(await played.readFrame(i));
    const back = await openRecording(fileReadable(path), 'results.mcap');
    for (let i = n - 1; i >= 0; i--) {
      const f = await back.readFrame(i);
      const fresh = await (await openRecording(fileReadable(path), 'results.mcap')).readFrame(i);
      for (const g of [f, fresh]) {
        expect(g.images).toEqual(forward[i]!.images);
        expect(g.boxes).toEqual(forward[i]!.boxes);
        expect(g.gt).toEqual(forward[i]!.gt);
        expect(g.objects).toEqual(forward[i]!.objects);
      }
    }
  });
});

describe('ChunkCache', () => {
  const source = () => {
    const bytes = new Uint8Array(1000).map((_, i) => i % 251);
    let pending: (() => void)[] = [];
    let fail = false;
    const c = counting({
      size: async () => 1000n,
      read: (o, s) =>
        new Promise((res, rej) => {
          pending.push(() => (fail ? rej(new Error('network')) : res(bytes.slice(Number(o), Number(o + s)))));
        }),
    });
    const flush = async () => {
      const p = pending;
      pending = [];
      for (const f of p) f();
      await Promise.resolve();
    };
    return { ...c, flush, setFail: (v: boolean) => (fail = v) };
  };

  test('keeps the last chunks read within its byte bound and passes other reads through', async () => {
    const s = source();
    const cache = new ChunkCache(s.readable, 250);
    cache.setChunkStarts([0n, 100n, 200n, 300n]);
    const read = async (o: bigint, n: bigint) => {
      const p = cache.read(o, n);
      await s.flush();
      return p;
    };
    for (const o of [0n, 100n, 0n, 100n]) await read(o, 100n);
    expect([s.reads.get(0n), s.reads.get(100n)]).toEqual([1, 1]);
    await read(200n, 100n); // 300 bytes > 250: the least recently used (0) goes
    expect(cache.heldBytes).toBe(200);
    await read(100n, 100n);
    await read(0n, 100n);
    expect([s.reads.get(0n), s.reads.get(100n), s.reads.get(200n)]).toEqual([2, 1, 1]);
    expect((await read(300n, 50n))[0]).toBe(300 % 251);
    await read(50n, 10n); // not a chunk start
    await read(50n, 10n);
    expect(s.reads.get(50n)).toBe(2);
    await read(300n, 260n); // larger than the bound: never kept
    await read(300n, 260n);
    expect(cache.heldBytes).toBeLessThanOrEqual(250);
  });

  test('shares a read in flight and forgets a failed one', async () => {
    const s = source();
    const cache = new ChunkCache(s.readable, 1000);
    cache.setChunkStarts([0n]);
    const a = cache.read(0n, 100n);
    const b = cache.read(0n, 100n);
    await s.flush();
    expect(await a).toBe(await b);
    expect(s.reads.get(0n)).toBe(1);
    const c = new ChunkCache(s.readable, 1000);
    c.setChunkStarts([0n]);
    s.setFail(true);
    const failed = c.read(0n, 100n);
    await s.flush();
    await expect(failed).rejects.toThrow('network');
    s.setFail(false);
    const again = c.read(0n, 100n);
    await s.flush();
    expect((await again).length).toBe(100);
    expect(c.heldBytes).toBe(100);
  });
});

describe('a file that is not an intact MCAP', () => {
  const cases: [string, (good: Buffer) => Uint8Array, RegExp][] = [
    ['empty', () => new Uint8Array(0), /^empty\.mcap is empty \(0 bytes\): the writer produced nothing/],
    [
      'tiny',
      (g) => g.subarray(0, 4),
      /^tiny\.mcap is truncated: the file is 4 bytes, cut inside the MCAP magic/,
    ],
    [
      'text',
      () => new TextEncoder().encode('hello world, not an mcap'),
      /^text\.mcap is not an MCAP file \(starts with 68 65 6c 6c 6f 20 77 6f\): expected the MCAP magic 89 4d/,
    ],
    [
      'cut',
      (g) => g.subarray(0, Math.floor(g.length * 0.6)),
      /^cut\.mcap is truncated \(it does not end with the MCAP magic.*`viper replay cut\.mcap -o <new\.mcap> --recover --detector none`/,
    ],
  ];
  test.each(cases)('%s: one line saying what is wrong, as viper view says it', async (name, make, want) => {
    const p = join(dir, `${name}.mcap`);
    writeFileSync(p, make(readFileSync(path)));
    const file = readFileSync(p);
    const readable: McapTypes.IReadable = {
      size: async () => BigInt(file.length),
      // As Blob.slice does: a range past the end gives fewer bytes, not an error.
      read: async (o, s) => new Uint8Array(file.subarray(Number(o), Number(o + s))),
    };
    await expect(openRecording(readable, `${name}.mcap`)).rejects.toThrow(want);
  });

  test('an intact file has no such reason', async () => {
    expect(await badFileReason(fileReadable(path), 'results.mcap')).toBeNull();
  });
});
