/**
 * Indexed reads driven by the chunk indexes only. McapIndexedReader.readMessages locates messages through the
 * MessageIndex records, which carry no CRC: the corruption fuzz showed a damaged message index silently dropping
 * messages. Here every message comes out of a chunk whose CRC was checked, and chunks are merged by log time
 * with a heap (a chunk is loaded once the heap's earliest message is not earlier than the chunk's start), so
 * memory holds only the chunks overlapping the current time.
 *
 * Memory and speed: chunks are read into reused buffers, the next READ_AHEAD chunks read ahead (in the I/O
 * threads) while the current one's messages are consumed. Messages of uncompressed chunks get their own copy of
 * their payload, so a payload is freed as soon as its consumer drops it rather than when every message of its
 * 4 MiB chunk has been dropped: on a replay that keeps most payload buffers dying young (cheap scavenges instead
 * of old-generation collections) and peak memory low.
 */
import type { FileHandle } from 'node:fs/promises';
import type { DecompressHandlers, TypedMcapRecords } from '@mcap/core';
import { compareNs } from '../../contracts/time.ts';
import type { ReadOptions, RecordedMessage } from '../types.ts';
import { crc32, crc32Combine } from './crc32.ts';
import { MinHeap } from './order.ts';
import { PAYLOAD_CRC_MIN_BYTES, payloadCrcs } from './payloadCrc.ts';
import { Op, RECORD_PREFIX } from './recordBytes.ts';
import { type Damage, DamageError, hex } from './recordStream.ts';

type ChunkIndex = TypedMcapRecords['ChunkIndex'];
type Resolve = (channelId: number) => RecordedMessage['channel'] | undefined;

/**
 * Yields messages of the chunks overlapping `opts`, in canonical order. Throws DamageError on a bad chunk, or,
 * given `onDamagedChunk` (recovery with a CRC-checked index, which says where every other chunk is), reports it
 * and reads on past it.
 */
export async function* readChunks(
  fh: FileHandle,
  chunkIndexes: readonly ChunkIndex[],
  handlers: DecompressHandlers,
  resolve: Resolve,
  opts: ReadOptions,
  onDamagedChunk?: (damage: Damage, chunk: ChunkIndex) => void,
): AsyncGenerator<RecordedMessage> {
  const topics = opts.topics ? new Set(opts.topics) : undefined;
  const start = opts.startNs ?? 0n;
  const end = opts.endNs;
  // Chunk numbers in file order, for error messages that match the streaming reader's.
  const byOffset = [...chunkIndexes].sort((a, b) => compareNs(a.chunkStartOffset, b.chunkStartOffset));
  const number = new Map(byOffset.map((c, i) => [c, i]));
  const wanted = (ci: ChunkIndex): boolean => {
    if (ci.messageEndTime < start || (end !== undefined && ci.messageStartTime > end)) return false;
    if (!topics) return true;
    for (const id of ci.messageIndexOffsets.keys()) if (topics.has(resolve(id)?.topic ?? '')) return true;
    // Writers that omit message indexes give no per-chunk channel list: read the chunk.
    return ci.messageIndexOffsets.size === 0;
  };
  const queue = chunkIndexes
    .filter(wanted)
    .sort(
      (a, b) =>
        compareNs(a.messageStartTime, b.messageStartTime) ||
        compareNs(a.chunkStartOffset, b.chunkStartOffset),
    );
  const heap = new MinHeap();
  const reads = new ReadAhead(fh);
  let next = 0;
  let ordinal = 0;
  /** A chunk's buffer is free again (parsed, or skipped as damaged): read the next chunks meanwhile. */
  const readOn = (buf: Uint8Array) => {
    reads.release(buf);
    while (reads.inFlight < READ_AHEAD && next + reads.inFlight < queue.length)
      reads.start(queue[next + reads.inFlight] as ChunkIndex);
  };
  try {
    for (;;) {
      while (next < queue.length) {
        const ci = queue[next] as ChunkIndex;
        const top = heap.peek();
        if (top !== undefined && ci.messageStartTime > top.msg.logTimeNs) break;
        next++;
        const where = { chunk: number.get(ci) ?? -1, offset: Number(ci.chunkStartOffset) };
        const { bytes, bytesRead, buf } = await reads.take(ci);
        let messages: ReturnType<typeof parseChunk>;
        try {
          if (bytesRead !== bytes.length)
            throw damage(where, `file ends inside the chunk (${bytesRead} of ${bytes.length} bytes)`);
          messages = parseChunk(bytes, handlers, where);
          // Checked before any of its messages is taken: a chunk is used whole or not at all.
          for (const m of messages)
            if (!resolve(m.channelId)) throw damage(where, `message on unknown channel ${m.channelId}`);
        } catch (err) {
          if (!(err instanceof DamageError) || !onDamagedChunk) throw err;
          onDamagedChunk(err.damage, ci);
          readOn(buf);
          continue;
        }
        for (const m of messages) {
          if (m.logTime < start || (end !== undefined && m.logTime > end)) continue;
          const channel = resolve(m.channelId)!;
          if (topics && !topics.has(channel.topic)) continue;
          // A view into the reused read buffer (uncompressed chunk) is copied out; decompressed data is ours.
          const data = m.data.buffer === bytes.buffer ? m.data.slice() : m.data;
          if (m.crc !== undefined) payloadCrcs.set(data, m.crc);
          const msg: RecordedMessage = {
            channel,
            sequence: m.sequence,
            logTimeNs: m.logTime,
            publishTimeNs: m.publishTime,
            data,
          };
          heap.push({ msg, ordinal: ordinal++ });
        }
        // `bytes` is free again (payloads copied out or decompressed): read the next chunks meanwhile.
        readOn(buf);
      }
      const out = heap.pop();
      if (out === undefined) return;
      yield out.msg;
    }
  } finally {
    // Never leave a read running on a handle the caller may close next.
    await reads.settle();
  }
}

/** Chunks read ahead of the one being parsed (each in its own reused buffer). */
const READ_AHEAD = 2;

interface PendingRead {
  ci: ChunkIndex;
  buf: Uint8Array;
  read: Promise<number>;
}

/**
 * Reads chunks in queue order, up to READ_AHEAD of them in flight in the I/O threads while the current chunk's
 * messages are consumed. Buffers are reused: one is free again once its chunk is parsed (payloads copied out).
 */
class ReadAhead {
  readonly #fh: FileHandle;
  readonly #free: Uint8Array[] = [];
  readonly #pending: PendingRead[] = [];

  constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  get inFlight(): number {
    return this.#pending.length;
  }

  start(ci: ChunkIndex): void {
    const len = Number(ci.chunkLength);
    let buf = this.#free.pop();
    // Headroom, so chunks slightly larger than the last do not each cost a new buffer.
    if (buf === undefined || buf.length < len) buf = new Uint8Array(len + (len >> 3));
    const read = this.#fh.read(buf, 0, len, Number(ci.chunkStartOffset)).then((r) => r.bytesRead);
    read.catch(() => undefined); // reported by take(); never an unhandled rejection
    this.#pending.push({ ci, buf, read });
  }

  /** The bytes of `ci` (read ahead if it was next in line, else read now) and the buffer to release after use. */
  async take(ci: ChunkIndex): Promise<{ bytes: Uint8Array; bytesRead: number; buf: Uint8Array }> {
    if (this.#pending[0]?.ci !== ci) {
      // Not the chunk read ahead (queue order never does this): settle first, reads must not share buffers.
      await this.settle();
      this.start(ci);
    }
    const p = this.#pending.shift() as PendingRead;
    const bytesRead = await p.read;
    return { bytes: p.buf.subarray(0, Number(ci.chunkLength)), bytesRead, buf: p.buf };
  }

  release(buf: Uint8Array): void {
    this.#free.push(buf);
  }

  async settle(): Promise<void> {
    for (const p of this.#pending.splice(0)) {
      await p.read.catch(() => undefined);
      this.#free.push(p.buf);
    }
  }
}

interface ChunkMessage {
  channelId: number;
  sequence: number;
  logTime: bigint;
  publishTime: bigint;
  data: Uint8Array;
  /** CRC-32 of `data` (large payloads of CRC-checked chunks only). */
  crc?: number;
}

interface Where {
  chunk: number;
  offset: number;
}

function damage(where: Where, detail: string): DamageError {
  return new DamageError({
    reason: `damaged chunk ${where.chunk} at byte ${where.offset}: ${detail}`,
    offset: where.offset,
    truncated: false,
  });
}

/**
 * Parses one Chunk record (opcode through records), checking bounds, decompression and the CRC. Payloads are
 * views into `bytes` (uncompressed chunk) or into the decompressed records.
 */
export function parseChunk(bytes: Uint8Array, handlers: DecompressHandlers, where: Where): ChunkMessage[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at + n > bytes.length) throw damage(where, `${what} runs past the chunk end`);
  };
  need(0, RECORD_PREFIX + 8 + 8 + 8 + 4 + 4, 'chunk header');
  if (bytes[0] !== Op.Chunk)
    throw damage(where, `expected a Chunk record, found opcode 0x${(bytes[0] ?? 0).toString(16)}`);
  if (v.getBigUint64(1, true) !== BigInt(bytes.length - RECORD_PREFIX))
    throw damage(where, 'record length does not match the chunk index');
  const uncompressedSize = v.getBigUint64(25, true);
  const expectedCrc = v.getUint32(33, true);
  const compLen = v.getUint32(37, true);
  need(41, compLen + 8, 'compression name');
  const compression = new TextDecoder().decode(bytes.subarray(41, 41 + compLen));
  const recordsLen = v.getBigUint64(41 + compLen, true);
  const recStart = 49 + compLen;
  if (recordsLen !== BigInt(bytes.length - recStart))
    throw damage(where, 'records length does not match the record');
  let records = bytes.subarray(recStart);
  if (compression !== '') {
    const decompress = handlers[compression];
    if (!decompress) throw damage(where, `unsupported chunk compression '${compression}'`);
    try {
      records = decompress(records, uncompressedSize);
    } catch (err) {
      throw damage(where, (err as Error).message);
    }
  } else if (BigInt(records.length) !== uncompressedSize) {
    throw damage(
      where,
      `uncompressed size ${uncompressedSize} does not match ${records.length} stored bytes`,
    );
  }
  if (expectedCrc === 0) return parseMessages(records, where, false).messages;
  const mismatch = (got: number) =>
    new DamageError({
      reason: `chunk CRC mismatch ${hex(got)} (expected ${hex(expectedCrc)}) in chunk ${where.chunk} at byte ${where.offset}`,
      offset: where.offset,
      truncated: false,
    });
  let parsed: { messages: ChunkMessage[]; crc: number };
  try {
    parsed = parseMessages(records, where, true);
  } catch (err) {
    // Damaged bytes: report the CRC mismatch (the cause) rather than the parse error it led to.
    const got = crc32(records);
    if (got !== expectedCrc) throw mismatch(got);
    throw err;
  }
  if (parsed.crc !== expectedCrc) throw mismatch(parsed.crc);
  return parsed.messages;
}

/**
 * The Message records of a chunk. With `withCrc`, also the CRC-32 of all the records, computed piecewise: large
 * payloads are CRC'd on their own (their CRC is kept, see payloadCrc.ts) and combined into the running CRC.
 */
function parseMessages(
  records: Uint8Array,
  where: Where,
  withCrc: boolean,
): { messages: ChunkMessage[]; crc: number } {
  const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const out: ChunkMessage[] = [];
  let crc = 0;
  let crcFrom = 0;
  let p = 0;
  while (p < records.length) {
    if (p + RECORD_PREFIX > records.length)
      throw damage(where, `record header at chunk offset ${p} runs past the records`);
    const op = records[p] as number;
    const len = v.getBigUint64(p + 1, true);
    if (len > BigInt(records.length - p - RECORD_PREFIX))
      throw damage(where, `record at chunk offset ${p} runs past the records`);
    const body = p + RECORD_PREFIX;
    const n = Number(len);
    if (op === Op.Message) {
      if (n < 22) throw damage(where, `message record at chunk offset ${p} is too short`);
      const data = records.subarray(body + 22, body + n);
      const m: ChunkMessage = {
        channelId: v.getUint16(body, true),
        sequence: v.getUint32(body + 2, true),
        logTime: v.getBigUint64(body + 6, true),
        publishTime: v.getBigUint64(body + 14, true),
        data,
      };
      if (withCrc && data.length >= PAYLOAD_CRC_MIN_BYTES) {
        m.crc = crc32(data);
        crc = crc32Combine(crc32(records.subarray(crcFrom, body + 22), crc), m.crc, data.length);
        crcFrom = body + n;
      }
      out.push(m);
    }
    p = body + n;
  }
  if (withCrc) crc = crc32(records.subarray(crcFrom), crc);
  return { messages: out, crc };
}
