import { readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';
import { readAll, rng, tempDir, writeSample } from './helpers.ts';

import { SUMMARYLESS_FOOTER } from './summaryless.ts';

const dir = tempDir('rw');

/** Drops a finished file's summary section: a valid summary-less MCAP (footer with summary_start 0) → streamed. */
function stripSummary(src: string, dst: string): void {
  const bytes = readFileSync(src);
  const summaryStart = Number(bytes.readBigUInt64LE(bytes.length - 8 - 29 + 9));
  writeFileSync(dst, Buffer.concat([bytes.subarray(0, summaryStart), SUMMARYLESS_FOOTER]));
}

describe('RecordingWriter + RecordingReader', () => {
  for (const compression of ['zstd', 'lz4', 'none'] as const) {
    it(`round-trips with ${compression} chunks, indexed and streamed alike`, async () => {
      const path = join(dir, `sample-${compression}.mcap`);
      await writeSample(path, { compression, chunkSize: 8 * 1024 });
      const indexed = await readAll(path);
      const s = indexed.reader.summary();
      expect(s.indexed).toBe(true);
      expect(s.compression).toEqual([compression === 'none' ? '' : compression]);
      expect(s.messageCount).toBe(200);
      expect(indexed.messages).toHaveLength(200);
      expect(s.channels.map((c) => [c.topic, c.messageCount])).toEqual([
        ['/cam_b/image', 40],
        ['/cam_a/image', 40],
        ['/cam_a/calibration', 40],
        ['/tf', 40],
        ['/ground_truth/objects', 40],
      ]);
      // Canonical order: log time, then topic (all five share each stamp), then sequence.
      expect(indexed.messages.slice(0, 5).map((m) => m.topic)).toEqual([
        '/cam_a/calibration',
        '/cam_a/image',
        '/cam_b/image',
        '/ground_truth/objects',
        '/tf',
      ]);

      const stripped = join(dir, `stripped-${compression}.mcap`);
      stripSummary(path, stripped);
      const streamed = await readAll(stripped);
      expect(streamed.reader.summary().indexed).toBe(false);
      expect(streamed.reader.summary().messageCount).toBe(200);
      expect(streamed.reader.recovery().damaged).toBe(false);
      expect(streamed.messages).toEqual(indexed.messages);
    });
  }

  it('compresses: zstd and lz4 files are much smaller than uncompressed ones', () => {
    const size = (c: string) => readFileSync(join(dir, `sample-${c}.mcap`)).length;
    expect(size('zstd')).toBeLessThan(size('none') / 2);
    expect(size('lz4')).toBeLessThan(size('none') * 0.8);
  });

  it('writes byte-identical files for identical input', async () => {
    for (const compression of ['zstd', 'lz4'] as const) {
      const a = join(dir, `det-a-${compression}.mcap`);
      const b = join(dir, `det-b-${compression}.mcap`);
      await writeSample(a, { compression });
      await writeSample(b, { compression });
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    }
  });

  it('filters by topic and (inclusive) time range in both read modes', async () => {
    const path = join(dir, 'sample-zstd.mcap');
    const stripped = join(dir, 'stripped-zstd.mcap');
    const t0 = 1_700_000_000_000_000_000n;
    for (const p of [path, stripped]) {
      const r = await RecordingReader.open(p);
      const got: string[] = [];
      for await (const m of r.messages({
        topics: ['/tf', '/cam_a/image'],
        startNs: t0 + 100_000_000n,
        endNs: t0 + 200_000_000n,
      })) {
        got.push(`${m.channel.topic}@${(m.logTimeNs - t0) / 1_000_000n}`);
      }
      await r.close();
      expect(got).toEqual([
        '/cam_a/image@100',
        '/tf@100',
        '/cam_a/image@150',
        '/tf@150',
        '/cam_a/image@200',
        '/tf@200',
      ]);
    }
  });

  it("gives a topic's own first and last log times (topicSpan), indexed and streamed alike", async () => {
    const path = join(dir, 'spans.mcap');
    const w = await RecordingWriter.create(path, { chunkSize: 1024 });
    const spec = { kind: 'json', name: 'viper.Probe', jsonSchema: { type: 'object' } } as const;
    const early = await w.addChannel('/early', spec);
    const late = await w.addChannel('/late', spec);
    const all = await w.addChannel('/all', spec);
    await w.addChannel('/never', spec);
    const pad = 'x'.repeat(300);
    for (let i = 0; i < 100; i++) {
      const t = 1_000_000_000n + BigInt(i) * 10_000_000n;
      if (i >= 3 && i < 13) await w.writeObject(early, t, { i, pad });
      if (i >= 80 && i < 90) await w.writeObject(late, t, { i, pad });
      await w.writeObject(all, t, { i, pad });
    }
    await w.close();
    const stripped = join(dir, 'spans-stripped.mcap');
    stripSummary(path, stripped);
    const at = (i: number) => 1_000_000_000n + BigInt(i) * 10_000_000n;
    for (const [p, indexed] of [
      [path, true],
      [stripped, false],
    ] as const) {
      const r = await RecordingReader.open(p);
      expect(r.summary().indexed).toBe(indexed);
      expect(await r.topicSpan('/early')).toEqual({ startNs: at(3), endNs: at(12) });
      expect(await r.topicSpan('/late')).toEqual({ startNs: at(80), endNs: at(89) });
      expect(await r.topicSpan('/all')).toEqual({ startNs: at(0), endNs: at(99) });
      expect(await r.topicSpan('/never')).toBeUndefined();
      expect(await r.topicSpan('/no-such-topic')).toBeUndefined();
      await r.close();
    }
  });

  it('gives a topic its whole span in an indexed file whose chunks carry no message indexes', async () => {
    const path = join(dir, 'no-message-index.mcap');
    const fh = await open(path, 'w');
    const w = new McapWriter({
      writable: new FileHandleWritable(fh),
      chunkSize: 1024,
      useMessageIndex: false,
    });
    await w.start({ profile: '', library: 'test' });
    const s = await w.registerSchema({ name: 'x', encoding: 'jsonschema', data: new Uint8Array(0) });
    const cam = await w.registerChannel({
      topic: '/cam',
      schemaId: s,
      messageEncoding: 'json',
      metadata: new Map(),
    });
    const tf = await w.registerChannel({
      topic: '/tf',
      schemaId: s,
      messageEncoding: 'json',
      metadata: new Map(),
    });
    const pad = new Uint8Array(200);
    for (let i = 0; i < 100; i++) {
      const t = 1_000_000_000n + BigInt(i) * 10_000_000n;
      if (i < 50) await w.addMessage({ channelId: cam, sequence: i, logTime: t, publishTime: t, data: pad });
      await w.addMessage({ channelId: tf, sequence: i, logTime: t, publishTime: t, data: pad });
    }
    await w.end();
    await fh.close();
    const r = await RecordingReader.open(path);
    try {
      expect(r.summary().indexed).toBe(true);
      // Its last message is in a chunk that cannot say it holds it: the span had been 0 (a camera at 0 Hz).
      expect(await r.topicSpan('/cam')).toEqual({ startNs: 1_000_000_000n, endNs: 1_490_000_000n });
    } finally {
      await r.close();
    }
  });

  it('dedupes schemas and repeated channel registrations', async () => {
    const path = join(dir, 'dedupe.mcap');
    const w = await RecordingWriter.create(path);
    const a = await w.addChannel('/a/image', { kind: 'foxglove', name: 'CompressedImage' });
    const b = await w.addChannel('/b/image', { kind: 'foxglove', name: 'foxglove.CompressedImage' });
    const a2 = await w.addChannel('/a/image', { kind: 'foxglove', name: 'CompressedImage' });
    await w.write(a, 1n, new Uint8Array([1]));
    await w.write(b, 1n, new Uint8Array([2]));
    await w.close();
    expect(a2).toBe(a);
    expect(b).not.toBe(a);
    const bytes = readFileSync(path);
    // The CompressedImage descriptor is written once in the data section and once in the summary.
    const marker = Buffer.from('foxglove.CompressedImage');
    let count = 0;
    for (let i = bytes.indexOf(marker); i >= 0; i = bytes.indexOf(marker, i + 1)) count++;
    expect(count).toBeLessThanOrEqual(4); // schema name + descriptor's type name, data + summary section
    expect((await readAll(path)).messages.map((m) => m.data[0])).toEqual([1, 2]);
  });

  it('close() is idempotent, safe while writes are pending, and later writes fail clearly', async () => {
    const path = join(dir, 'close.mcap');
    const w = await RecordingWriter.create(path);
    const ch = await w.addChannel('/x', { kind: 'json', name: 'x', jsonSchema: {} });
    const pending = [0, 1, 2].map((i) => w.writeObject(ch, BigInt(i), { i }));
    await Promise.all([w.close(), w.close()]);
    await Promise.all(pending);
    await expect(w.write(ch, 5n, new Uint8Array(1))).rejects.toThrow(/writer is closed/);
    await w.close();
    const { messages } = await readAll(path);
    expect(messages.map((m) => new TextDecoder().decode(m.data))).toEqual(['{"i":0}', '{"i":1}', '{"i":2}']);
  });

  it('rejects bad writer calls with RecordingError', async () => {
    const w = await RecordingWriter.create(join(dir, 'bad-calls.mcap'));
    await expect(w.write(42, 0n, new Uint8Array(1))).rejects.toThrow(RecordingError);
    const raw = await w.addChannel('/raw', {
      kind: 'raw',
      name: 'x',
      encoding: 'jsonschema',
      data: new Uint8Array(0),
      messageEncoding: 'json',
    });
    await expect(w.writeObject(raw, 0n, {})).rejects.toThrow(/raw channels take already-encoded bytes/);
    await expect(w.write(raw, -1n, new Uint8Array(1))).rejects.toThrow(/negative log time/);
    await w.close();
    await expect(RecordingWriter.create(join(dir, 'no-such-dir', 'x.mcap'))).rejects.toThrow(
      /cannot create file/,
    );
  });

  it('streams unchunked, unindexed files and sorts their out-of-order messages', async () => {
    const path = join(dir, 'unchunked.mcap');
    const fh = await open(path, 'w');
    const w = new McapWriter({
      writable: new FileHandleWritable(fh),
      useChunks: false,
      useStatistics: false,
      useSummaryOffsets: false,
      useChunkIndex: false,
      useMessageIndex: false,
    });
    await w.start({ profile: '', library: 'test' });
    const s = await w.registerSchema({ name: 'x', encoding: 'jsonschema', data: new Uint8Array(0) });
    const ids = [
      await w.registerChannel({ topic: '/b', schemaId: s, messageEncoding: 'json', metadata: new Map() }),
    ];
    ids.push(
      await w.registerChannel({ topic: '/a', schemaId: s, messageEncoding: 'json', metadata: new Map() }),
    );
    const next = rng(3);
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      // Jitter log times by up to ±3 steps so the file order is not the time order.
      const t = BigInt(i * 10 + Math.floor(next() * 60));
      const ch = ids[i % 2] as number;
      await w.addMessage({
        channelId: ch,
        sequence: i,
        logTime: t,
        publishTime: t,
        data: new Uint8Array([i & 0xff]),
      });
      expected.push(`${t}:${ch === ids[0] ? '/b' : '/a'}:${i}`);
    }
    await w.end();
    await fh.close();
    expected.sort((x, y) => {
      const [tx, px, sx] = x.split(':');
      const [ty, py, sy] = y.split(':');
      return Number(tx) - Number(ty) || (px as string).localeCompare(py as string) || Number(sx) - Number(sy);
    });
    const { messages, reader } = await readAll(path);
    expect(reader.summary().indexed).toBe(false);
    expect(reader.summary().messageCount).toBe(300);
    expect(messages.map((m) => `${m.logTimeNs}:${m.topic}:${m.sequence}`)).toEqual(expected);
  });
});
