/**
 * Streaming pass over an MCAP file's records, top-level record by top-level record, tracking byte offsets and
 * chunk numbers so damage is reported precisely ("chunk CRC mismatch … in chunk 3 at byte 40960"). Parsing is
 * @mcap/core's McapStreamReader, fed exactly one top-level record at a time; memory is bounded by the largest
 * record (a chunk), never the file.
 */
import type { FileHandle } from 'node:fs/promises';
import { McapStreamReader, Opcode } from '@mcap/core';
import type { DecompressHandlers, TypedMcapRecord } from '@mcap/core';
import { FileWindow } from './fileWindow.ts';
import { MCAP_MAGIC, RECORD_PREFIX } from './recordBytes.ts';

/** Where and why a streaming pass stopped before a valid end of data. */
export interface Damage {
  /** One-line description with values, e.g. "chunk CRC mismatch 0x1a2b (expected 0x3c4d) in chunk 2 at byte 4096". */
  reason: string;
  /** Byte offset of the first record that could not be read. */
  offset: number;
  /** True when the file simply ends early (no footer / record cut off). */
  truncated: boolean;
}

export class DamageError extends Error {
  readonly damage: Damage;
  constructor(damage: Damage) {
    super(damage.reason);
    this.damage = damage;
  }
}

interface StreamedRecord {
  record: TypedMcapRecord;
  /** Offset of the top-level record (the chunk, for records inside a chunk). */
  offset: number;
  /** Chunk number (0-based) for records inside a chunk, else -1. */
  chunk: number;
}

const OPCODE_NAMES: Record<number, string> = {
  [Opcode.HEADER]: 'Header',
  [Opcode.FOOTER]: 'Footer',
  [Opcode.SCHEMA]: 'Schema',
  [Opcode.CHANNEL]: 'Channel',
  [Opcode.MESSAGE]: 'Message',
  [Opcode.CHUNK]: 'Chunk',
  [Opcode.MESSAGE_INDEX]: 'MessageIndex',
  [Opcode.CHUNK_INDEX]: 'ChunkIndex',
  [Opcode.ATTACHMENT]: 'Attachment',
  [Opcode.ATTACHMENT_INDEX]: 'AttachmentIndex',
  [Opcode.STATISTICS]: 'Statistics',
  [Opcode.METADATA]: 'Metadata',
  [Opcode.METADATA_INDEX]: 'MetadataIndex',
  [Opcode.SUMMARY_OFFSET]: 'SummaryOffset',
  [Opcode.DATA_END]: 'DataEnd',
};

function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? `unknown opcode 0x${op.toString(16)}`;
}

export function hasMagicAt(bytes: Uint8Array): boolean {
  return bytes.length >= MCAP_MAGIC.length && MCAP_MAGIC.every((v, i) => bytes[i] === v);
}

/**
 * Yields every record of the data section in file order (chunk contents expanded; Chunk records themselves are
 * yielded too, with `chunk` set, so callers can see compression). Stops after DataEnd or the footer. Throws
 * DamageError at the first record that is cut off or fails to parse / decompress / pass its CRC.
 */
export async function* streamRecords(
  fh: FileHandle,
  size: number,
  decompressHandlers: DecompressHandlers,
): AsyncGenerator<StreamedRecord, void, void> {
  const win = new FileWindow(fh, size);
  const tail =
    size >= MCAP_MAGIC.length
      ? await win.read(size - MCAP_MAGIC.length, MCAP_MAGIC.length)
      : new Uint8Array(0);
  // A file that still ends with the magic was not cut short: bad lengths inside it are damage, not truncation.
  const endsWithMagic = size >= 2 * MCAP_MAGIC.length && hasMagicAt(tail.slice());
  const cut = (offset: number, reason: string): DamageError =>
    new DamageError({
      reason: endsWithMagic ? `damaged record at byte ${offset}: ${reason}` : `truncated: ${reason}`,
      offset,
      truncated: !endsWithMagic,
    });

  const parser = new McapStreamReader({
    includeChunks: true,
    decompressHandlers,
    validateCrcs: true,
    noMagicPrefix: true,
  });
  let pos = MCAP_MAGIC.length;
  let chunkNo = -1;
  for (;;) {
    if (pos >= size) throw cut(pos, `file ends at byte ${pos} without a footer`);
    if (size - pos < RECORD_PREFIX) throw cut(pos, `file ends inside a record header at byte ${pos}`);
    const head = await win.read(pos, RECORD_PREFIX);
    const opcode = head[0] as number;
    const len = new DataView(head.buffer, head.byteOffset, RECORD_PREFIX).getBigUint64(1, true);
    const left = size - pos - RECORD_PREFIX;
    const name = opcodeName(opcode);
    if (len > BigInt(left)) {
      throw cut(
        pos,
        `file ends inside a ${name} record at byte ${pos} (record needs ${len} bytes, ${left} left)`,
      );
    }
    // Opcodes 0x80-0xff are private records a reader must skip; anything else unknown is damage, not data.
    if (opcode === 0 || (opcode > Opcode.MAX && opcode < 0x80)) {
      throw new DamageError({
        reason: `damaged record at byte ${pos}: unknown opcode 0x${opcode.toString(16)}`,
        offset: pos,
        truncated: false,
      });
    }
    const total = RECORD_PREFIX + Number(len) + (opcode === Opcode.FOOTER ? MCAP_MAGIC.length : 0);
    if (pos + total > size)
      throw cut(pos, `file ends after the footer at byte ${pos} without the closing magic`);
    const bytes = await win.read(pos, total);
    if (opcode === Opcode.CHUNK) chunkNo++;
    const inChunk = opcode === Opcode.CHUNK;
    try {
      parser.append(bytes);
      for (let rec = parser.nextRecord(); rec !== undefined; rec = parser.nextRecord()) {
        yield { record: rec, offset: pos, chunk: inChunk ? chunkNo : -1 };
      }
    } catch (err) {
      if (err instanceof DamageError) throw err;
      throw new DamageError({
        reason: describeParseError(err, name, pos, inChunk ? chunkNo : -1),
        offset: pos,
        truncated: false,
      });
    }
    if (parser.bytesRemaining() !== 0) {
      throw new DamageError({
        reason: `damaged ${name} record at byte ${pos}: length does not match its content`,
        offset: pos,
        truncated: false,
      });
    }
    if (opcode === Opcode.DATA_END || opcode === Opcode.FOOTER) return;
    pos += total;
  }
}

/** Turns @mcap/core's parse errors into one line with the chunk number and byte offset. */
function describeParseError(err: unknown, recordName: string, offset: number, chunk: number): string {
  const raw = err instanceof Error ? err.message : String(err);
  const msg = raw.replace(/\s*\[(library=[^\]]*|no header)\]\s*$/, '');
  const crc = /Incorrect chunk CRC (\d+) \(expected (\d+)\)/.exec(msg);
  const where = chunk >= 0 ? `in chunk ${chunk} at byte ${offset}` : `at byte ${offset}`;
  if (crc) {
    return `chunk CRC mismatch ${hex(Number(crc[1]))} (expected ${hex(Number(crc[2]))}) ${where}`;
  }
  if (/Unsupported compression/.test(msg)) return `${msg.toLowerCase()} ${where}`;
  if (chunk >= 0) return `damaged chunk ${where}: ${msg}`;
  return `damaged ${recordName} record ${where}: ${msg}`;
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
