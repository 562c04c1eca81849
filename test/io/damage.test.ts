import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import { RecordingReader } from '../../src/io/index.ts';
import type { Flat } from './helpers.ts';
import { readAll, rng, tempDir, writeSample } from './helpers.ts';

import { SUMMARYLESS_FOOTER } from './summaryless.ts';

const dir = tempDir('damage');

interface Chunk {
  start: number;
  length: number;
}

let original: Buffer;
let rawOriginal: Buffer;
let messages: Flat[];
let chunks: Chunk[];
let rawChunks: Chunk[];
let dataEnd: number;

async function chunkOffsets(path: string): Promise<{ chunks: Chunk[]; dataEnd: number }> {
  const fh = await open(path, 'r');
  const r = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(fh) });
  await fh.close();
  return {
    chunks: r.chunkIndexes.map((c) => ({ start: Number(c.chunkStartOffset), length: Number(c.chunkLength) })),
    dataEnd: Number(r.dataEndOffset),
  };
}

/** Expects `fn` to reject with a one-line RecordingError (a hang fails on the test's timeout); returns its message. */
async function failure(fn: () => Promise<unknown>): Promise<string> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RecordingError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  return msg;
}

function variant(name: string, bytes: Uint8Array): string {
  const p = join(dir, `${name}.mcap`);
  writeFileSync(p, bytes);
  return p;
}

/**
 * Recovered messages: an in-order subsequence of the original with no holes before its last stamp, but for the
 * log-time ranges of chunks recovery skipped as damaged (`gaps`).
 */
function expectSalvagedPrefix(
  got: Flat[],
  all: Flat[],
  gaps: { startNs: bigint; endNs: bigint }[] = [],
): void {
  let j = 0;
  for (const m of got) {
    while (j < all.length && !sameMessage(all[j] as Flat, m)) j++;
    expect(j).toBeLessThan(all.length);
    j++;
  }
  const last = got.at(-1)?.logTimeNs ?? -1n;
  const kept = (m: Flat) =>
    m.logTimeNs < last && !gaps.some((g) => m.logTimeNs >= g.startNs && m.logTimeNs <= g.endNs);
  expect(got.filter(kept).length).toBe(all.filter(kept).length);
}

function sameMessage(a: Flat, b: Flat): boolean {
  return (
    a.topic === b.topic &&
    a.logTimeNs === b.logTimeNs &&
    a.sequence === b.sequence &&
    Buffer.from(a.data).equals(Buffer.from(b.data))
  );
}

beforeAll(async () => {
  const path = join(dir, 'original.mcap');
  await writeSample(path, { chunkSize: 6 * 1024 });
  original = readFileSync(path);
  messages = (await readAll(path)).messages;
  ({ chunks, dataEnd } = await chunkOffsets(path));
  const raw = join(dir, 'original-raw.mcap');
  await writeSample(raw, { chunkSize: 6 * 1024, compression: 'none' });
  rawOriginal = readFileSync(raw);
  rawChunks = (await chunkOffsets(raw)).chunks;
});

describe('bad input is a RecordingError with a clear one-line message', () => {
  it('missing file', async () => {
    expect(await failure(() => RecordingReader.open(join(dir, 'nope.mcap')))).toMatch(
      /^recording: file not found \(.*nope\.mcap\)/,
    );
  });

  it('a directory', async () => {
    mkdirSync(join(dir, 'bag'), { recursive: true });
    expect(await failure(() => RecordingReader.open(join(dir, 'bag')))).toMatch(/is a directory/);
  });

  it.skipIf(process.platform === 'win32')('a device (it read as an empty file)', async () => {
    expect(await failure(() => RecordingReader.open('/dev/zero'))).toMatch(
      /is not a regular file \(a device, pipe or socket\) \(\/dev\/zero\)/,
    );
  });

  it('empty file', async () => {
    expect(await failure(() => RecordingReader.open(variant('empty', new Uint8Array(0))))).toMatch(
      /empty file/,
    );
  });

  it('not an MCAP (bad magic)', async () => {
    const p = variant('text', new TextEncoder().encode('{"this": "is json"}'));
    expect(await failure(() => RecordingReader.open(p))).toMatch(
      /not an MCAP file \(starts with 7b 22 74 68/,
    );
    // Two bytes of the magic: a recording cut off as it was written, not another format.
    expect(await failure(() => RecordingReader.open(variant('short', new Uint8Array([0x89, 0x4d]))))).toMatch(
      /truncated: the file is 2 bytes, cut inside the MCAP magic/,
    );
    expect(
      await failure(() => RecordingReader.open(variant('short2', new Uint8Array([0x89, 0x4e])))),
    ).toMatch(/not an MCAP file \(starts with 89 4e\)/);
  });

  it('magic only', async () => {
    const p = variant('magic-only', original.subarray(0, 8));
    expect(await failure(() => RecordingReader.open(p))).toMatch(
      /truncated: file ends at byte 8 without a footer/,
    );
  });

  it('truncated at seeded offsets: refused, or recovered as an intact prefix with the loss reported', async () => {
    const next = rng(11);
    for (let i = 0; i < 12; i++) {
      const cut = 8 + Math.floor(next() * (dataEnd - 8));
      const p = variant(`trunc-${i}`, original.subarray(0, cut));
      expect(await failure(() => readAll(p))).toMatch(/^recording: truncated: file ends/);
      const { messages: got, reader } = await readAll(p, { recover: true });
      const rep = reader.recovery();
      expect(rep.damaged).toBe(true);
      expect(rep.reason).toMatch(/^truncated/);
      expect(rep.messagesRead).toBe(got.length);
      if (!/without a footer/.test(rep.reason ?? '')) expect(rep.bytesLost).toBeGreaterThan(0);
      expect(rep.bytesLost).toBeLessThanOrEqual(cut);
      expect(got.length).toBeLessThan(messages.length);
      expectSalvagedPrefix(got, messages);
    }
  });

  it('a damaged closing magic (the footer whole before it) is named as such, not as a cut-off file', async () => {
    const bytes = Uint8Array.from(original);
    bytes.fill(0, bytes.length - 8);
    const p = variant('zero-tail-magic', bytes);
    expect(await failure(() => readAll(p))).toMatch(
      /the closing magic \(the last 8 bytes, at byte \d+\) is damaged; every message is intact/,
    );
    const { messages: got } = await readAll(p, { recover: true });
    expect(got).toEqual(messages);
  });

  it('truncated inside the summary: refused, and with recover every message is read (streamed)', async () => {
    const p = variant('trunc-summary', original.subarray(0, dataEnd + 13 + 40));
    expect(await failure(() => readAll(p))).toMatch(/truncated: file ends inside the summary section/);
    const { messages: got, reader } = await readAll(p, { recover: true });
    expect(reader.summary().indexed).toBe(false);
    expect(got).toEqual(messages);
    expect(reader.recovery()).toMatchObject({ damaged: true, bytesLost: 40 });
  });

  it('bad chunk CRC: names the CRCs, the chunk and its byte offset', async () => {
    const c = rawChunks[3] as Chunk;
    const bytes = Uint8Array.from(rawOriginal);
    bytes[c.start + c.length - 10] = (bytes[c.start + c.length - 10] as number) ^ 0x40; // a payload byte
    const p = variant('bad-crc', bytes);
    const msg = await failure(() => readAll(p));
    expect(msg).toMatch(
      new RegExp(
        `chunk CRC mismatch 0x[0-9a-f]{8} \\(expected 0x[0-9a-f]{8}\\) in chunk 3 at byte ${c.start}`,
      ),
    );
    expect(msg).toContain('recover: true'); // the library's wording; commands say their own (test/cli)
    // The index is CRC-checked, so recovery skips the damaged chunk and reads the ones after it.
    const { messages: got, reader } = await readAll(p, { recover: true });
    expectSalvagedPrefix(got, messages, reader.recovery().gaps);
    expect(got.length).toBeLessThan(messages.length);
    expect(got.at(-1)).toEqual(messages.at(-1));
    expect(reader.recovery()).toMatchObject({ damaged: true, bytesLost: c.length });
    expect(reader.recovery().reason).toMatch(/; 1 damaged chunk skipped, the chunks after read$/);
  });

  it('the stored CRC itself damaged is a CRC mismatch too', async () => {
    const c = rawChunks[1] as Chunk;
    const bytes = Uint8Array.from(rawOriginal);
    bytes[c.start + 9 + 24] = (bytes[c.start + 9 + 24] as number) ^ 0x01; // uncompressed_crc field
    expect(await failure(() => readAll(variant('bad-stored-crc', bytes)))).toMatch(
      /chunk CRC mismatch .* in chunk 1 at byte/,
    );
  });

  it('flipped bytes inside compressed chunks are caught (zstd)', async () => {
    const next = rng(5);
    for (let i = 0; i < 8; i++) {
      const c = chunks[1 + Math.floor(next() * (chunks.length - 2))] as Chunk;
      const at = c.start + 60 + Math.floor(next() * (c.length - 60));
      const bytes = Uint8Array.from(original);
      bytes[at] = (bytes[at] as number) ^ 0xff;
      const p = variant(`flip-${i}`, bytes);
      expect(await failure(() => readAll(p))).toMatch(/in chunk \d+ at byte \d+/);
      const { messages: got, reader } = await readAll(p, { recover: true });
      expectSalvagedPrefix(got, messages, reader.recovery().gaps);
      expect(reader.recovery().damaged).toBe(true);
    }
  });

  it('a damaged index falls back to streaming with identical results', async () => {
    const bytes = Uint8Array.from(original);
    const at = dataEnd + 13 + 30; // inside the summary section: summary CRC fails
    bytes[at] = (bytes[at] as number) ^ 0xff;
    const { messages: got, reader } = await readAll(variant('bad-summary', bytes));
    expect(reader.summary().indexed).toBe(false);
    // Told from a file without a summary: the footer points at one (inspect says it is unusable).
    expect(reader.summary().summaryUnusable).toBe(true);
    expect(got).toEqual(messages);
    const intact = await RecordingReader.open(variant('intact', Uint8Array.from(original)));
    expect(intact.summary().summaryUnusable).toBeUndefined();
    await intact.close();
  });

  it('a damaged message index (not CRC-protected) does not lose or invent messages', async () => {
    // Message index records follow each chunk; corrupt the last bytes of the first one (an entry's offset).
    const c = chunks[2] as Chunk;
    const bytes = Uint8Array.from(original);
    const mi = c.start + c.length; // first MessageIndex record after chunk 2
    expect(bytes[mi]).toBe(0x07);
    bytes[mi + 9 + 2 + 4 + 8 + 8 + 3] = 0x7f; // high byte of the first entry's offset
    const { messages: got, reader } = await readAll(variant('bad-message-index', bytes));
    expect(got).toEqual(messages);
    expect(reader.recovery().damaged).toBe(false);
    expect(reader.summary().indexed).toBe(true); // message indexes are never trusted: chunks are read whole
  });

  it('streams past private records (0x80+) but refuses unknown reserved opcodes', async () => {
    const record = (op: number) =>
      Buffer.concat([Buffer.from([op, 3, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([1, 2, 3])]);
    // Insert before DataEnd and drop the summary: the file must be streamed.
    const withRecord = (op: number) =>
      Buffer.concat([
        original.subarray(0, dataEnd),
        record(op),
        original.subarray(dataEnd, dataEnd + 13),
        SUMMARYLESS_FOOTER,
      ]);
    const privateOk = await readAll(variant('private-record', withRecord(0x80)));
    expect(privateOk.reader.summary().indexed).toBe(false);
    expect(privateOk.messages).toEqual(messages);
    expect(await failure(() => readAll(variant('reserved-record', withRecord(0x20))))).toMatch(
      new RegExp(`damaged record at byte ${dataEnd}: unknown opcode 0x20`),
    );
  });
});
