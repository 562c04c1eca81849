/**
 * What RecordingReader.open learns about a file before it can be read: the basic checks (exists, not empty,
 * MCAP magic), an indexed open with sanity checks of the index, and otherwise a streaming scan that rebuilds
 * the summary and finds the first damaged record.
 */
import { otherKind } from '../fileKind.ts';
import { stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { McapIndexedReader, Opcode } from '@mcap/core';
import type { DecompressHandlers, TypedMcapRecords } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { RecordingError } from '../../contracts/errors.ts';
import type { ChannelInfo } from '../types.ts';
import { MCAP_MAGIC, Op, RECORD_PREFIX } from './recordBytes.ts';
import { DamageError, hasMagicAt, streamRecords } from './recordStream.ts';
import type { Damage } from './recordStream.ts';

export interface SchemaRecord {
  name: string;
  encoding: string;
  data: Uint8Array;
}

/** Everything the reader's summary needs, from either the index or a scan. */
export interface FileFacts {
  profile: string;
  library: string;
  startNs: bigint;
  endNs: bigint;
  messageCount: number;
  channels: Map<number, ChannelInfo>;
  /** channel id → schema (absent for schemaless channels). */
  schemaOfChannel: Map<number, SchemaRecord>;
  compression: string[];
  /** Metadata records, in file order: a scan collects them; an indexed file reads them on demand. */
  metadata?: MetadataRecord[];
  /** The footer points at a summary section that could not be used (set when a file is streamed). */
  summaryUnusable?: boolean;
  /** Per channel, the log times of its first and last messages (a scan records them; an index does not). */
  channelSpans?: Map<number, [bigint, bigint]>;
}

/** An MCAP Metadata record: a name and its key–value pairs. */
export interface MetadataRecord {
  name: string;
  metadata: Record<string, string>;
}

export function recordingError(what: string, path: string, hint?: string, cause?: unknown): RecordingError {
  return new RecordingError({ what, where: path, hint, cause });
}

/**
 * A file that could not be opened or created (`doing`: "open" / "create"), its errno code named. Running out of
 * file handles gets its own hint: it is about how many files are open at once, not this file.
 */
export function fileAccessError(doing: string, path: string, hint: string, err: unknown): RecordingError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EMFILE' || code === 'ENFILE') {
    return recordingError(
      `cannot ${doing} file: too many files open (${code})`,
      path,
      'raise the open-files limit (ulimit -n), or replay fewer feeds at a time (--feeds-at-once)',
      err,
    );
  }
  return recordingError(`cannot ${doing} file (${code ?? 'error'})`, path, hint, err);
}

/** A Footer record (20 bytes of content: summary start, summary offset start, summary CRC) ends 8 bytes before the end. */
async function footerBeforeLast8(fh: FileHandle, size: number): Promise<boolean> {
  const FOOTER_BYTES = RECORD_PREFIX + 20;
  if (size < FOOTER_BYTES + MCAP_MAGIC.length) return false;
  const b = Buffer.alloc(RECORD_PREFIX);
  await fh.read(b, 0, RECORD_PREFIX, size - MCAP_MAGIC.length - FOOTER_BYTES);
  return b[0] === Op.Footer && b.readBigUInt64LE(1) === 20n;
}

/** The first 16 bytes of every SQLite 3 database, such as a rosbag2 `.db3` bag. */
const SQLITE_MAGIC = new TextEncoder().encode('SQLite format 3\0');

/** Rejects files that are not MCAP before any parser sees them; a rosbag2 SQLite bag is named as such. */
export async function checkMagic(fh: FileHandle, size: number, path: string): Promise<void> {
  const head = new Uint8Array(Math.min(size, SQLITE_MAGIC.length));
  await fh.read(head, 0, head.length, 0);
  if (!hasMagicAt(head)) {
    if (head.length === SQLITE_MAGIC.length && head.every((b, i) => b === SQLITE_MAGIC[i])) {
      throw recordingError(
        'a rosbag2 SQLite bag (.db3), not an MCAP file',
        path,
        'Viper reads MCAP; convert it with `ros2 bag convert` (storage_id: mcap)',
      );
    }
    // A file cut inside its first 8 bytes starts as an MCAP does: it is a cut-off recording, not another format.
    if (head.length > 0 && head.length < MCAP_MAGIC.length && head.every((b, i) => b === MCAP_MAGIC[i])) {
      throw recordingError(
        `truncated: the file is ${head.length} bytes, cut inside the MCAP magic it starts with`,
        path,
        'the recording was cut off as it was written (a full disk, an interrupted copy): nothing in it can be read',
      );
    }
    const seen = Array.from(head.subarray(0, MCAP_MAGIC.length), (b) => b.toString(16).padStart(2, '0')).join(
      ' ',
    );
    const other = otherKind(head, path);
    throw recordingError(
      other ? `${other.what}, not an MCAP recording` : `not an MCAP file (starts with ${seen || 'nothing'})`,
      path,
      other?.hint ??
        'expected the MCAP magic 89 4d 43 41 50 30 0d 0a: pass an MCAP recording, or a rosbag2 folder holding one',
    );
  }
}

export interface IndexedOpen {
  reader: McapIndexedReader;
  /**
   * The summary passed its CRC: a chunk that does not read back is then damaged data, not a bad index. Without a
   * summary CRC a chunk offset not pointing at a chunk means the index is wrong, and the file is streamed.
   */
  trusted: boolean;
}

/**
 * Opens the file's summary and index. Returns undefined when the file has none, or one that cannot be used
 * (bad CRC, offsets outside the data section, no statistics, or — unless CRC-verified — chunk offsets not
 * pointing at chunks): the caller then streams the data section instead.
 */
export async function tryIndexed(
  fh: FileHandle,
  size: number,
  decompressHandlers: DecompressHandlers,
): Promise<IndexedOpen | undefined> {
  let reader: McapIndexedReader;
  try {
    reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(fh), decompressHandlers });
  } catch {
    return undefined;
  }
  const stats = reader.statistics;
  if (stats === undefined) return undefined;
  if (reader.chunkIndexes.length === 0 && stats.messageCount > 0n) return undefined; // unchunked messages
  if (!statisticsFit(stats, reader.chunkIndexes)) return undefined;
  const trusted = reader.footer.summaryCrc !== 0;
  const dataEnd = reader.dataEndOffset;
  const probe = new Uint8Array(1);
  for (const ci of reader.chunkIndexes) {
    if (ci.chunkStartOffset < BigInt(MCAP_MAGIC.length) || ci.chunkStartOffset + ci.chunkLength > dataEnd)
      return undefined;
    if (ci.compression !== '' && decompressHandlers[ci.compression] === undefined) return undefined;
    if (ci.messageStartTime > ci.messageEndTime) return undefined;
    for (const id of ci.messageIndexOffsets.keys()) if (!reader.channelsById.has(id)) return undefined;
    await fh.read(probe, 0, 1, Number(ci.chunkStartOffset));
    if (probe[0] !== Opcode.CHUNK && !trusted) return undefined;
  }
  for (const ch of reader.channelsById.values()) {
    if (ch.schemaId !== 0 && !reader.schemasById.has(ch.schemaId)) return undefined;
  }
  if (BigInt(size) < dataEnd) return undefined;
  return { reader, trusted };
}

/** Message record: opcode (1) + length (8) + channel id (2) + sequence (4) + log time (8) + publish time (8). */
const MIN_MESSAGE_RECORD_BYTES = 31;

/**
 * Statistics that the chunks cannot hold (more messages than their bytes fit, a channel counting more than the
 * file, a time span ending before it starts) are not the file's: its messages are counted by a scan instead.
 */
function statisticsFit(
  stats: TypedMcapRecords['Statistics'],
  chunks: readonly TypedMcapRecords['ChunkIndex'][],
): boolean {
  const bytes = chunks.reduce((n, c) => n + c.uncompressedSize, 0n);
  if (stats.messageCount * BigInt(MIN_MESSAGE_RECORD_BYTES) > bytes) return false;
  for (const n of stats.channelMessageCounts.values()) if (n > stats.messageCount) return false;
  return stats.messageCount === 0n || stats.messageStartTime <= stats.messageEndTime;
}

export function factsFromIndex(reader: McapIndexedReader): FileFacts {
  const stats = reader.statistics as TypedMcapRecords['Statistics'];
  const channels = new Map<number, ChannelInfo>();
  const schemaOfChannel = new Map<number, SchemaRecord>();
  for (const ch of [...reader.channelsById.values()].sort((a, b) => a.id - b.id)) {
    const schema = reader.schemasById.get(ch.schemaId);
    channels.set(ch.id, channelInfo(ch, schema, Number(stats.channelMessageCounts.get(ch.id) ?? 0n)));
    if (schema)
      schemaOfChannel.set(ch.id, { name: schema.name, encoding: schema.encoding, data: schema.data });
  }
  const compression = [...new Set(reader.chunkIndexes.map((c) => c.compression))].sort();
  return {
    profile: reader.header.profile,
    library: reader.header.library,
    startNs: stats.messageCount > 0n ? stats.messageStartTime : 0n,
    endNs: stats.messageCount > 0n ? stats.messageEndTime : 0n,
    messageCount: Number(stats.messageCount),
    channels,
    schemaOfChannel,
    compression,
  };
}

function channelInfo(
  ch: TypedMcapRecords['Channel'],
  schema: TypedMcapRecords['Schema'] | undefined,
  count: number | undefined,
): ChannelInfo {
  const info: ChannelInfo = {
    id: ch.id,
    topic: ch.topic,
    schemaName: schema?.name ?? '',
    schemaEncoding: schema?.encoding ?? '',
    messageEncoding: ch.messageEncoding,
  };
  if (count !== undefined) info.messageCount = count;
  return info;
}

/** Streams the whole data section once: summary facts plus the first damage, if any. */
export async function scanFile(
  fh: FileHandle,
  size: number,
  decompressHandlers: DecompressHandlers,
): Promise<{ facts: FileFacts; damage: Damage | undefined }> {
  const schemas = new Map<number, TypedMcapRecords['Schema']>();
  const rawChannels = new Map<number, TypedMcapRecords['Channel']>();
  const counts = new Map<number, number>();
  const spans = new Map<number, [bigint, bigint]>();
  const compression = new Set<string>();
  let profile = '';
  let library = '';
  let start = 0n;
  let end = 0n;
  let messageCount = 0;
  let damage: Damage | undefined;
  let dataEndAt = -1;
  const metadata: MetadataRecord[] = [];
  try {
    for await (const { record, offset } of streamRecords(fh, size, decompressHandlers)) {
      switch (record.type) {
        case 'DataEnd':
          dataEndAt = offset;
          break;
        case 'Header':
          profile = record.profile;
          library = record.library;
          break;
        case 'Schema':
          schemas.set(record.id, record);
          break;
        case 'Channel':
          rawChannels.set(record.id, record);
          break;
        case 'Chunk':
          compression.add(record.compression);
          break;
        case 'Metadata':
          metadata.push({ name: record.name, metadata: Object.fromEntries(record.metadata) });
          break;
        case 'Message':
          if (messageCount === 0 || record.logTime < start) start = record.logTime;
          if (messageCount === 0 || record.logTime > end) end = record.logTime;
          messageCount++;
          counts.set(record.channelId, (counts.get(record.channelId) ?? 0) + 1);
          {
            const s = spans.get(record.channelId);
            if (!s) spans.set(record.channelId, [record.logTime, record.logTime]);
            else if (record.logTime < s[0]) s[0] = record.logTime;
            else if (record.logTime > s[1]) s[1] = record.logTime;
          }
          break;
        default:
          break;
      }
    }
  } catch (err) {
    if (!(err instanceof DamageError)) throw err;
    damage = err.damage;
  }
  if (!damage && dataEndAt >= 0 && !(await endsWithMagic(fh, size))) {
    // Every message is intact, but the summary/footer was cut off: the writer never finished the file. Unless a
    // whole footer record sits just before the last 8 bytes: then the closing magic itself is what is damaged.
    const at = dataEndAt + DATA_END_RECORD_BYTES;
    damage = (await footerBeforeLast8(fh, size))
      ? {
          reason: `the closing magic (the last 8 bytes, at byte ${size - MCAP_MAGIC.length}) is damaged; every message is intact`,
          offset: at,
          truncated: false,
        }
      : {
          reason: `truncated: file ends inside the summary section at byte ${size} (data ends at byte ${at}; every message is intact)`,
          offset: at,
          truncated: true,
        };
  }
  const channels = new Map<number, ChannelInfo>();
  const schemaOfChannel = new Map<number, SchemaRecord>();
  for (const ch of [...rawChannels.values()].sort((a, b) => a.id - b.id)) {
    const schema = schemas.get(ch.schemaId);
    channels.set(ch.id, channelInfo(ch, schema, counts.get(ch.id) ?? 0));
    if (schema)
      schemaOfChannel.set(ch.id, { name: schema.name, encoding: schema.encoding, data: schema.data });
  }
  return {
    facts: {
      profile,
      library,
      startNs: start,
      endNs: end,
      messageCount,
      channels,
      schemaOfChannel,
      compression: [...compression].sort(),
      metadata,
      channelSpans: spans,
    },
    damage,
  };
}

/**
 * Whether the file's footer points at a summary section: read straight from the file's last bytes (Footer record:
 * opcode, length, summary_start, summary_offset_start, summary_crc; then the magic), so a damaged summary is
 * told from none without parsing it.
 */
export async function footerPointsAtSummary(fh: FileHandle, size: number): Promise<boolean> {
  const FOOTER = 1 + 8 + 8 + 8 + 4;
  if (size < FOOTER + 2 * MCAP_MAGIC.length) return false;
  const b = new Uint8Array(FOOTER);
  await fh.read(b, 0, FOOTER, size - MCAP_MAGIC.length - FOOTER);
  if (b[0] !== Opcode.FOOTER) return false;
  return new DataView(b.buffer).getBigUint64(9, true) !== 0n;
}

/** DataEnd record: opcode (1) + length (8) + data_section_crc (4). */
const DATA_END_RECORD_BYTES = 13;

async function endsWithMagic(fh: FileHandle, size: number): Promise<boolean> {
  if (size < 2 * MCAP_MAGIC.length) return false;
  const tail = new Uint8Array(MCAP_MAGIC.length);
  await fh.read(tail, 0, MCAP_MAGIC.length, size - MCAP_MAGIC.length);
  return hasMagicAt(tail);
}

/** A folder (a ROS 2 bag folder, say); false when missing or unreadable. */
export async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isDirectory(),
    () => false, // missing or unreadable: fileSize says which
  );
}

/** A regular, non-empty file's size; else the RecordingError that says what the path is. */
export async function fileSize(path: string): Promise<number> {
  try {
    const st = await stat(path);
    // A device or a pipe has no size and no random access (/dev/zero read as 'empty', a FIFO as nothing).
    if (!st.isFile()) {
      throw recordingError(
        'is not a regular file (a device, pipe or socket)',
        path,
        'MCAP is read with random access: save the recording to a file first',
      );
    }
    if (st.size === 0)
      throw recordingError('empty file (0 bytes)', path, 'the writer produced nothing; re-record it');
    return st.size;
  } catch (err) {
    if (err instanceof RecordingError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw recordingError('file not found', path, 'check the path', err);
    throw recordingError(
      `cannot read file (${code ?? 'error'})`,
      path,
      'check the path and permissions',
      err,
    );
  }
}
