/**
 * MCAP record serialization for our writer: a growable little-endian byte builder and one function per record
 * kind we write (MCAP spec: opcode u8, body length u64, body). Strings are u32-length-prefixed UTF-8; maps are a
 * u32 byte length followed by key/value pairs.
 */

export const MCAP_MAGIC = new Uint8Array([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);

export const Op = {
  Header: 0x01,
  Footer: 0x02,
  Schema: 0x03,
  Channel: 0x04,
  Message: 0x05,
  Chunk: 0x06,
  MessageIndex: 0x07,
  ChunkIndex: 0x08,
  Statistics: 0x0b,
  Metadata: 0x0c,
  MetadataIndex: 0x0d,
  SummaryOffset: 0x0e,
  DataEnd: 0x0f,
} as const;

/** Opcode + u64 length. */
export const RECORD_PREFIX = 9;
/** Message record up to its data: prefix, channel id u16, sequence u32, log time u64, publish time u64. */
export const MESSAGE_HEADER = RECORD_PREFIX + 2 + 4 + 8 + 8;

const utf8 = new TextEncoder();

/** Appends little-endian values to a buffer that doubles when full. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  length = 0;

  constructor(capacity = 4096) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Forget what was written, keeping the buffer for reuse. */
  reset(): void {
    this.length = 0;
  }

  /** The bytes written so far (a view: valid until the next write that grows the buffer). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }

  /** A view of [start, end) of what was written. */
  slice(start: number, end: number): Uint8Array {
    return this.#buf.subarray(start, end);
  }

  #room(n: number): void {
    const need = this.length + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.#room(1);
    this.#buf[this.length++] = v;
    return this;
  }

  u16(v: number): this {
    this.#room(2);
    this.#view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.#room(4);
    this.#view.setUint32(this.length, v, true);
    this.length += 4;
    return this;
  }

  u64(v: bigint | number): this {
    this.#room(8);
    this.#view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
    return this;
  }

  raw(data: Uint8Array): this {
    this.#room(data.length);
    this.#buf.set(data, this.length);
    this.length += data.length;
    return this;
  }

  string(s: string): this {
    const b = utf8.encode(s);
    return this.u32(b.length).raw(b);
  }

  /** u32 byte length, then what `body` writes. */
  prefixed32(body: () => void): this {
    const at = this.length;
    this.u32(0);
    body();
    this.#view.setUint32(at, this.length - at - 4, true);
    return this;
  }

  /** A whole record: opcode, u64 length, then what `body` writes. Returns the record's size in bytes. */
  record(op: number, body: () => void): number {
    const at = this.length;
    this.u8(op).u64(0);
    body();
    this.#view.setBigUint64(at + 1, BigInt(this.length - at - RECORD_PREFIX), true);
    return this.length - at;
  }

  stringMap(entries: Iterable<[string, string]>): this {
    return this.prefixed32(() => {
      for (const [k, v] of entries) this.string(k).string(v);
    });
  }
}

export interface SchemaRec {
  id: number;
  name: string;
  encoding: string;
  data: Uint8Array;
}

export interface ChannelRec {
  id: number;
  schemaId: number;
  topic: string;
  messageEncoding: string;
  metadata: ReadonlyMap<string, string>;
}

export interface ChunkIndexRec {
  messageStartTime: bigint;
  messageEndTime: bigint;
  chunkStartOffset: number;
  chunkLength: number;
  messageIndexOffsets: Map<number, number>;
  messageIndexLength: number;
  compression: string;
  compressedSize: number;
  uncompressedSize: number;
}

interface StatisticsRec {
  messageCount: number;
  schemaCount: number;
  channelCount: number;
  metadataCount: number;
  chunkCount: number;
  messageStartTime: bigint;
  messageEndTime: bigint;
  channelMessageCounts: Map<number, number>;
}

export function writeHeader(w: ByteWriter, profile: string, library: string): number {
  return w.record(Op.Header, () => w.string(profile).string(library));
}

export function writeSchema(w: ByteWriter, s: SchemaRec): number {
  return w.record(Op.Schema, () =>
    w.u16(s.id).string(s.name).string(s.encoding).u32(s.data.length).raw(s.data),
  );
}

export function writeChannel(w: ByteWriter, c: ChannelRec): number {
  return w.record(Op.Channel, () =>
    w.u16(c.id).u16(c.schemaId).string(c.topic).string(c.messageEncoding).stringMap(c.metadata),
  );
}

/** A Message record's header; the `dataLength` data bytes follow it (written by the caller, or kept as a view). */
export function writeMessageHeader(
  w: ByteWriter,
  channelId: number,
  sequence: number,
  logTime: bigint,
  publishTime: bigint,
  dataLength: number,
): void {
  w.u8(Op.Message)
    .u64(MESSAGE_HEADER - RECORD_PREFIX + dataLength)
    .u16(channelId)
    .u32(sequence)
    .u64(logTime)
    .u64(publishTime);
}

/** Everything of a Chunk record before its records bytes. */
export function chunkHeader(
  start: bigint,
  end: bigint,
  uncompressedSize: number,
  uncompressedCrc: number,
  compression: string,
  storedSize: number,
): Uint8Array {
  const w = new ByteWriter(64);
  const name = utf8.encode(compression);
  w.u8(Op.Chunk)
    .u64(8 + 8 + 8 + 4 + 4 + name.length + 8 + storedSize)
    .u64(start)
    .u64(end)
    .u64(uncompressedSize)
    .u32(uncompressedCrc)
    .u32(name.length)
    .raw(name)
    .u64(storedSize);
  return w.bytes();
}

/** MessageIndex records of one chunk; returns each channel's record offset within the written bytes. */
export function writeMessageIndexes(
  w: ByteWriter,
  indexes: Map<number, { times: bigint[]; offsets: number[] }>,
): Map<number, number> {
  const at = new Map<number, number>();
  for (const [channelId, ix] of indexes) {
    at.set(channelId, w.length);
    w.record(Op.MessageIndex, () => {
      w.u16(channelId).prefixed32(() => {
        for (let i = 0; i < ix.times.length; i++) w.u64(ix.times[i] as bigint).u64(ix.offsets[i] as number);
      });
    });
  }
  return at;
}

export function writeMetadata(w: ByteWriter, name: string, entries: Iterable<[string, string]>): number {
  return w.record(Op.Metadata, () => w.string(name).stringMap(entries));
}

export function writeMetadataIndex(w: ByteWriter, offset: number, length: number, name: string): number {
  return w.record(Op.MetadataIndex, () => w.u64(offset).u64(length).string(name));
}

export function writeStatistics(w: ByteWriter, s: StatisticsRec): number {
  return w.record(Op.Statistics, () => {
    w.u64(s.messageCount)
      .u16(s.schemaCount)
      .u32(s.channelCount)
      .u32(0) // attachments: RecordingWriter writes none
      .u32(s.metadataCount)
      .u32(s.chunkCount)
      .u64(s.messageStartTime)
      .u64(s.messageEndTime)
      .prefixed32(() => {
        for (const [id, n] of s.channelMessageCounts) w.u16(id).u64(n);
      });
  });
}

export function writeChunkIndex(w: ByteWriter, c: ChunkIndexRec): number {
  return w.record(Op.ChunkIndex, () => {
    w.u64(c.messageStartTime)
      .u64(c.messageEndTime)
      .u64(c.chunkStartOffset)
      .u64(c.chunkLength)
      .prefixed32(() => {
        for (const [id, off] of c.messageIndexOffsets) w.u16(id).u64(off);
      })
      .u64(c.messageIndexLength)
      .string(c.compression)
      .u64(c.compressedSize)
      .u64(c.uncompressedSize);
  });
}

export function writeSummaryOffset(w: ByteWriter, op: number, start: number, length: number): number {
  return w.record(Op.SummaryOffset, () => w.u8(op).u64(start).u64(length));
}
