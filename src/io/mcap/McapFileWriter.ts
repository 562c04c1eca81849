/**
 * A lean chunked MCAP writer (replaces @mcap/core's McapWriter on the write path, same file layout): Header,
 * Schema/Channel records inside the chunk where first used, Chunks each followed by their MessageIndex records,
 * Metadata, DataEnd with the data-section CRC, then the summary (schemas, channels, statistics, metadata and chunk
 * indexes, summary offsets) and the Footer with the summary CRC.
 *
 * Why not McapWriter: it CRCs every byte twice in pure JS (chunk CRC + data-section CRC) and copies each chunk
 * several times; on image recordings that was most of a replay's time. Here appends are synchronous (no promise
 * per message), large payloads are kept as views and handed to writev as they are (no copy), CRCs are native
 * (zlib.crc32) and the data-section CRC reuses each chunk's CRC through crc32Combine instead of a second pass.
 *
 * File writes run one at a time in call order; offsets are assigned when a chunk is closed, so output bytes
 * depend only on the calls made.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ChunkCompressor } from './compress.ts';
import { crc32, crc32Combine } from './crc32.ts';
import { payloadCrcs } from './payloadCrc.ts';
import {
  ByteWriter,
  type ChannelRec,
  type ChunkIndexRec,
  chunkHeader,
  MCAP_MAGIC,
  MESSAGE_HEADER,
  Op,
  type SchemaRec,
  writeChannel,
  writeChunkIndex,
  writeHeader,
  writeMessageHeader,
  writeMessageIndexes,
  writeMetadata,
  writeMetadataIndex,
  writeSchema,
  writeStatistics,
  writeSummaryOffset,
} from './recordBytes.ts';

/** Payloads at least this large are written from the caller's buffer (a view), smaller ones are copied. */
const VIEW_MIN_BYTES = 16 * 1024;

interface McapFileWriterOptions {
  chunkSize: number;
  compress: ChunkCompressor;
  profile: string;
  library: string;
}

/** One open chunk: small records copied into `staging`, large payloads kept as views between staging cuts. */
class OpenChunk {
  constructor(readonly staging: ByteWriter) {}
  readonly cuts: number[] = [];
  readonly views: Uint8Array[] = [];
  /** Each view's CRC when the reader already knows it (payloadCrc.ts). */
  readonly viewCrcs: (number | undefined)[] = [];
  size = 0;
  messages = 0;
  start = 0n;
  end = 0n;
  readonly indexes = new Map<number, { times: bigint[]; offsets: number[] }>();

  /** The records as consecutive byte ranges. */
  parts(): Uint8Array[] {
    const out: Uint8Array[] = [];
    let prev = 0;
    for (let i = 0; i < this.views.length; i++) {
      const cut = this.cuts[i] as number;
      if (cut > prev) out.push(this.staging.slice(prev, cut));
      out.push(this.views[i] as Uint8Array);
      prev = cut;
    }
    if (this.staging.length > prev) out.push(this.staging.slice(prev, this.staging.length));
    return out;
  }

  /** CRC-32 of the records; known payload CRCs are combined in rather than recomputed. */
  crc(): number {
    let crc = 0;
    let prev = 0;
    for (let i = 0; i < this.views.length; i++) {
      const cut = this.cuts[i] as number;
      crc = crc32(this.staging.slice(prev, cut), crc);
      const view = this.views[i] as Uint8Array;
      const known = this.viewCrcs[i];
      crc = known === undefined ? crc32(view, crc) : crc32Combine(crc, known, view.length);
      prev = cut;
    }
    return crc32(this.staging.slice(prev, this.staging.length), crc);
  }
}

export class McapFileWriter {
  readonly #fh: FileHandle;
  readonly #opts: McapFileWriterOptions;
  /** File offset of the next byte to be written (assigned synchronously, written in order). */
  #pos = 0;
  #dataCrc = 0;
  #io: Promise<void> = Promise.resolve();
  #failure: unknown;
  readonly #schemas: SchemaRec[] = [];
  readonly #channels = new Map<number, ChannelRec>();
  readonly #schemaWritten = new Set<number>();
  readonly #channelWritten = new Set<number>();
  /** Staging buffers of written chunks, reused (steady state: no allocation per chunk). */
  readonly #pool: ByteWriter[] = [];
  #chunk: OpenChunk;
  readonly #chunkIndexes: ChunkIndexRec[] = [];
  readonly #metadataIndexes: { offset: number; length: number; name: string }[] = [];
  readonly #stats = {
    messageCount: 0,
    chunkCount: 0,
    metadataCount: 0,
    messageStartTime: 0n,
    messageEndTime: 0n,
    channelMessageCounts: new Map<number, number>(),
  };

  constructor(fh: FileHandle, opts: McapFileWriterOptions) {
    this.#fh = fh;
    this.#opts = opts;
    this.#chunk = this.#newChunk();
    const w = new ByteWriter(256);
    w.raw(MCAP_MAGIC);
    writeHeader(w, opts.profile, opts.library);
    this.#emit([w.bytes()]);
  }

  /** The first write error, if any (later calls fail with it). */
  get failure(): unknown {
    return this.#failure;
  }

  addSchema(name: string, encoding: string, data: Uint8Array): number {
    const id = this.#schemas.length + 1;
    this.#schemas.push({ id, name, encoding, data });
    return id;
  }

  addChannel(
    schemaId: number,
    topic: string,
    messageEncoding: string,
    metadata: Map<string, string>,
  ): number {
    const id = this.#channels.size;
    this.#channels.set(id, { id, schemaId, topic, messageEncoding, metadata });
    return id;
  }

  /**
   * Appends a message to the open chunk. Returns a promise only when a chunk was closed and an earlier chunk is
   * still being written (await it for backpressure); `data` must not change until the chunk is written.
   */
  addMessage(
    channelId: number,
    sequence: number,
    logTime: bigint,
    publishTime: bigint,
    data: Uint8Array,
  ): Promise<void> | undefined {
    const c = this.#chunk;
    if (!this.#channelWritten.has(channelId)) this.#writeChannelRecords(channelId);
    if (c.messages === 0 || logTime < c.start) c.start = logTime;
    if (c.messages === 0 || logTime > c.end) c.end = logTime;
    let ix = c.indexes.get(channelId);
    if (!ix) {
      ix = { times: [], offsets: [] };
      c.indexes.set(channelId, ix);
    }
    ix.times.push(logTime);
    ix.offsets.push(c.size);
    writeMessageHeader(c.staging, channelId, sequence, logTime, publishTime, data.length);
    if (data.length >= VIEW_MIN_BYTES) {
      c.cuts.push(c.staging.length);
      c.views.push(data);
      c.viewCrcs.push(payloadCrcs.get(data));
    } else {
      c.staging.raw(data);
    }
    c.size += MESSAGE_HEADER + data.length;
    c.messages++;

    const s = this.#stats;
    if (s.messageCount === 0 || logTime < s.messageStartTime) s.messageStartTime = logTime;
    if (s.messageCount === 0 || logTime > s.messageEndTime) s.messageEndTime = logTime;
    s.messageCount++;
    s.channelMessageCounts.set(channelId, (s.channelMessageCounts.get(channelId) ?? 0) + 1);

    if (c.size <= this.#opts.chunkSize) return undefined;
    return this.#closeChunk()?.then(() => {
      if (this.#failure !== undefined) throw this.#failure;
    });
  }

  /** Writes a Metadata record (after the open chunk, which is closed first). */
  addMetadata(name: string, entries: [string, string][]): Promise<void> {
    void this.#closeChunk();
    const w = new ByteWriter(256);
    const length = writeMetadata(w, name, entries);
    this.#metadataIndexes.push({ offset: this.#pos, length, name });
    this.#stats.metadataCount++;
    this.#emit([w.bytes()]);
    return this.#settled();
  }

  /** Closes the open chunk, writes DataEnd, the summary and the footer, and waits for every write. */
  async end(): Promise<void> {
    void this.#closeChunk();
    const w = new ByteWriter(64 * 1024);
    w.record(Op.DataEnd, () => w.u32(this.#dataCrc));
    const summaryStart = this.#pos + w.length;
    const groups: [number, number, number][] = [];
    const group = (op: number, write: () => void) => {
      const at = w.length;
      write();
      if (w.length > at) groups.push([op, this.#pos + at, w.length - at]);
    };
    group(Op.Schema, () => {
      for (const s of this.#schemas) writeSchema(w, s);
    });
    group(Op.Channel, () => {
      for (const c of this.#channels.values()) writeChannel(w, c);
    });
    group(Op.Statistics, () =>
      writeStatistics(w, {
        ...this.#stats,
        schemaCount: this.#schemas.length,
        channelCount: this.#channels.size,
      }),
    );
    group(Op.MetadataIndex, () => {
      for (const m of this.#metadataIndexes) writeMetadataIndex(w, m.offset, m.length, m.name);
    });
    group(Op.ChunkIndex, () => {
      for (const c of this.#chunkIndexes) writeChunkIndex(w, c);
    });
    const summaryOffsetStart = this.#pos + w.length;
    for (const [op, start, length] of groups) writeSummaryOffset(w, op, start, length);
    w.u8(Op.Footer)
      .u64(8 + 8 + 4)
      .u64(summaryStart)
      .u64(summaryOffsetStart);
    const summaryCrc = crc32(w.slice(summaryStart - this.#pos, w.length));
    w.u32(summaryCrc).raw(MCAP_MAGIC);
    this.#emit([w.bytes()], false);
    await this.#settled();
  }

  #newChunk(): OpenChunk {
    const staging = this.#pool.pop() ?? new ByteWriter(64 * 1024);
    return new OpenChunk(staging);
  }

  #writeChannelRecords(channelId: number): void {
    const ch = this.#channels.get(channelId);
    if (!ch) throw new Error(`no channel with id ${channelId}`);
    const c = this.#chunk;
    const before = c.staging.length;
    if (ch.schemaId !== 0 && !this.#schemaWritten.has(ch.schemaId)) {
      writeSchema(c.staging, this.#schemas[ch.schemaId - 1] as SchemaRec);
      this.#schemaWritten.add(ch.schemaId);
    }
    writeChannel(c.staging, ch);
    this.#channelWritten.add(channelId);
    c.size += c.staging.length - before;
  }

  /**
   * Closes the open chunk (if it has messages) and queues it for writing. Returns the (never rejecting) promise
   * of the write queued before it, so a caller may run ahead by one chunk.
   */
  #closeChunk(): Promise<void> | undefined {
    const c = this.#chunk;
    if (c.messages === 0) return undefined;
    this.#chunk = this.#newChunk();
    const records = c.parts();
    const crc = c.crc();
    const compressed = this.#opts.compress(records, c.size);
    const stored = compressed ? [compressed.compressedData] : records;
    const storedSize = compressed ? compressed.compressedData.length : c.size;
    const compression = compressed?.compression ?? '';
    const header = chunkHeader(c.start, c.end, c.size, crc, compression, storedSize);
    const chunkStart = this.#pos;
    const chunkLength = header.length + storedSize;
    const ix = new ByteWriter(1024);
    const ixAt = writeMessageIndexes(ix, c.indexes);
    const messageIndexOffsets = new Map<number, number>();
    for (const [id, at] of ixAt) messageIndexOffsets.set(id, chunkStart + chunkLength + at);
    this.#chunkIndexes.push({
      messageStartTime: c.start,
      messageEndTime: c.end,
      chunkStartOffset: chunkStart,
      chunkLength,
      messageIndexOffsets,
      messageIndexLength: ix.length,
      compression,
      compressedSize: storedSize,
      uncompressedSize: c.size,
    });
    this.#stats.chunkCount++;
    // Data-section CRC: the header, then the stored records (their CRC is the chunk CRC when uncompressed, so
    // combine instead of reading them again), then the message indexes.
    let d = crc32(header, this.#dataCrc);
    d = compressed ? crc32(compressed.compressedData, d) : crc32Combine(d, crc, storedSize);
    this.#dataCrc = d;
    const prev = this.#io;
    this.#emit([header, ...stored, ix.bytes()], false);
    // Once written, the staging buffer serves a later chunk.
    this.#io = this.#io.then(() => {
      c.staging.reset();
      this.#pool.push(c.staging);
    });
    this.#dataCrc = crc32(ix.bytes(), this.#dataCrc);
    return prev;
  }

  /** Queues `parts` to be written at the current offset; `crc` adds them to the data-section CRC. Never rejects. */
  #emit(parts: Uint8Array[], crc = true): void {
    let size = 0;
    for (const p of parts) {
      size += p.length;
      if (crc) this.#dataCrc = crc32(p, this.#dataCrc);
    }
    const at = this.#pos;
    this.#pos += size;
    this.#io = this.#io.then(async () => {
      if (this.#failure !== undefined) return;
      try {
        await writeAll(this.#fh, parts, at, size);
      } catch (err) {
        this.#failure = err;
      }
    });
  }

  async #settled(): Promise<void> {
    await this.#io;
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/** writev until every byte is written (a short write continues where it stopped). */
async function writeAll(fh: FileHandle, parts: Uint8Array[], position: number, size: number): Promise<void> {
  let done = 0;
  let rest = parts;
  while (done < size) {
    const { bytesWritten } = await fh.writev(rest, position + done);
    if (bytesWritten <= 0) throw new Error(`write made no progress at byte ${position + done}`);
    done += bytesWritten;
    if (done >= size) return;
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const p of rest) {
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      next.push(skip > 0 ? p.subarray(skip) : p);
      skip = 0;
    }
    rest = next;
  }
}
