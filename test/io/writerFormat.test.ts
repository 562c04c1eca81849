/**
 * The writer's bytes against @mcap/core's readers (an independent implementation): every CRC (chunk, data
 * section, summary) checks out, the summary matches the data, and large payloads (written from the caller's
 * buffer, not copied) come back intact.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { McapIndexedReader, McapStreamReader } from '@mcap/core';
import type { DecompressHandlers, TypedMcapRecords } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { loadDecompressHandlers } from '@mcap/support';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { crc32, crc32Combine } from '../../src/io/mcap/crc32.ts';
import { readAll, rng, tempDir } from './helpers.ts';
import { copyRecording } from '../testing/recordings.ts';

const dir = tempDir('format');
let handlers: DecompressHandlers;
beforeAll(async () => {
  handlers = await loadDecompressHandlers();
});

interface Sent {
  topic: string;
  logTime: bigint;
  data: Uint8Array;
}

/** Mixed sizes: small JSON-like messages (copied) and 20–90 kB payloads (kept as views), some compressible. */
async function writeMixed(path: string, compression: 'zstd' | 'lz4' | 'none'): Promise<Sent[]> {
  const w = await RecordingWriter.create(path, { compression, chunkSize: 256 * 1024 });
  const img = await w.addChannel('/cam/image', {
    kind: 'raw',
    name: 'x.Img',
    encoding: 'jsonschema',
    data: new Uint8Array([123, 125]),
    messageEncoding: 'json',
  });
  const small = await w.addChannel('/small', {
    kind: 'json',
    name: 'x.Small',
    jsonSchema: { type: 'object' },
  });
  const next = rng(11);
  const sent: Sent[] = [];
  for (let i = 0; i < 60; i++) {
    const t = 1_000_000_000n + BigInt(i) * 10_000_000n;
    const big = new Uint8Array(20_000 + Math.floor(next() * 70_000));
    const noisy = i % 3 !== 0;
    for (let k = 0; k < big.length; k++) big[k] = noisy ? Math.floor(next() * 256) : k % 13;
    void w.write(img, t, big);
    sent.push({ topic: '/cam/image', logTime: t, data: big });
    const s = new TextEncoder().encode(JSON.stringify({ i }));
    void w.write(small, t + 1n, s);
    sent.push({ topic: '/small', logTime: t + 1n, data: s });
  }
  await w.addMetadata('viper', { b: '2', a: '1' });
  await w.close();
  return sent;
}

describe('written files, read by @mcap/core', () => {
  for (const compression of ['zstd', 'lz4', 'none'] as const) {
    it(`${compression}: CRCs, summary and messages agree`, async () => {
      const path = join(dir, `mixed-${compression}.mcap`);
      const sent = await writeMixed(path, compression);
      const bytes = new Uint8Array(readFileSync(path));

      // Stream reader (validates chunk CRCs) sees every record; the DataEnd CRC covers all bytes before it.
      const stream = new McapStreamReader({ decompressHandlers: handlers, validateCrcs: true });
      stream.append(bytes);
      const records: TypedMcapRecords[keyof TypedMcapRecords][] = [];
      for (let r = stream.nextRecord(); r; r = stream.nextRecord()) records.push(r);
      expect(stream.done()).toBe(true);
      const streamed = records.filter((r) => r.type === 'Message');
      expect(
        streamed.map((m) => Buffer.from(m.data).equals(Buffer.from(sent[streamed.indexOf(m)]!.data))),
      ).toEqual(sent.map(() => true));

      const fh = await open(path, 'r');
      try {
        const reader = await McapIndexedReader.Initialize({
          readable: new FileHandleReadable(fh),
          decompressHandlers: handlers,
        });
        expect(reader.dataSectionCrc).toBe(crc32(bytes.subarray(0, Number(reader.dataEndOffset))));
        const st = reader.statistics!;
        expect(st.messageCount).toBe(BigInt(sent.length));
        expect(st.chunkCount).toBe(reader.chunkIndexes.length);
        expect(st.metadataCount).toBe(1);
        expect(st.messageStartTime).toBe(1_000_000_000n);
        expect(st.messageEndTime).toBe(1_000_000_000n + 59n * 10_000_000n + 1n);
        expect(reader.chunkIndexes.length).toBeGreaterThan(5);
        expect(reader.metadataIndexes.map((m) => m.name)).toEqual(['viper']);
        const got: Sent[] = [];
        for await (const m of reader.readMessages({ validateCrcs: true })) {
          got.push({ topic: reader.channelsById.get(m.channelId)!.topic, logTime: m.logTime, data: m.data });
        }
        expect(got.length).toBe(sent.length);
        expect(got.every((m, i) => m.topic === sent[i]!.topic && m.logTime === sent[i]!.logTime)).toBe(true);
        expect(got.every((m, i) => Buffer.from(m.data).equals(Buffer.from(sent[i]!.data)))).toBe(true);
        const meta = [];
        for await (const m of reader.readMetadata()) meta.push([...m.metadata]);
        expect(meta).toEqual([
          [
            ['a', '1'],
            ['b', '2'],
          ],
        ]);
      } finally {
        await fh.close();
      }
      // And our own reader, indexed.
      expect((await readAll(path)).messages.length).toBe(sent.length);
    });
  }

  it('stores incompressible zstd chunks uncompressed, compressible ones compressed', async () => {
    const path = join(dir, 'mixed-zstd.mcap');
    const fh = await open(path, 'r');
    try {
      const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(fh) });
      const kinds = new Set(reader.chunkIndexes.map((c) => c.compression));
      expect(kinds).toEqual(new Set(['', 'zstd']));
    } finally {
      await fh.close();
    }
  });
});

/** Every CRC of `path` checked by @mcap/core; returns the messages' payloads. */
async function verifiedPayloads(path: string): Promise<Uint8Array[]> {
  const bytes = new Uint8Array(readFileSync(path));
  const fh = await open(path, 'r');
  try {
    const reader = await McapIndexedReader.Initialize({
      readable: new FileHandleReadable(fh),
      decompressHandlers: handlers,
    });
    expect(reader.dataSectionCrc).toBe(crc32(bytes.subarray(0, Number(reader.dataEndOffset))));
    const out: Uint8Array[] = [];
    for await (const m of reader.readMessages({ validateCrcs: true })) out.push(m.data);
    return out;
  } finally {
    await fh.close();
  }
}

describe('pass-through (reader payloads written again)', () => {
  it('reuses the reader’s payload CRCs and still writes correct CRCs', async () => {
    const src = join(dir, 'mixed-none.mcap');
    const dst = join(dir, 'copy.mcap');
    await copyRecording(src, dst, 100 * 1024);
    const a = await verifiedPayloads(src);
    const b = await verifiedPayloads(dst);
    expect(b.length).toBe(a.length);
    expect(b.every((d, i) => Buffer.from(d).equals(Buffer.from(a[i]!)))).toBe(true);
  });

  it('a flipped byte inside a large payload is a chunk CRC mismatch', async () => {
    const src = join(dir, 'mixed-none.mcap');
    const bytes = new Uint8Array(readFileSync(src));
    const fh = await open(src, 'r');
    const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(fh) });
    const ci = reader.chunkIndexes[2]!;
    await fh.close();
    // Middle of the chunk: inside one of the 20–90 kB payloads (CRC'd on its own, then combined).
    const at = Number(ci.chunkStartOffset) + Math.floor(Number(ci.chunkLength) / 2);
    bytes[at] = (bytes[at] as number) ^ 0x40;
    const bad = join(dir, 'flipped.mcap');
    writeFileSync(bad, bytes);
    await expect(readAll(bad)).rejects.toThrow(RecordingError);
    await expect(readAll(bad)).rejects.toThrow(/chunk CRC mismatch/);
  });
});

describe('crc32Combine', () => {
  it('equals the CRC of the concatenation (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const both = new Uint8Array(a.length + b.length);
        both.set(a);
        both.set(b, a.length);
        return (
          crc32Combine(crc32(a), crc32(b), b.length) === crc32(both) && crc32(b, crc32(a)) === crc32(both)
        );
      }),
      { numRuns: 300 },
    );
  });
});
