/**
 * Reads an MCAP recording: indexed (summary opened by @mcap/core's McapIndexedReader, then chunk by chunk through
 * the chunk indexes, see chunkRead.ts) when the file has a usable summary, streamed in bounded reads otherwise.
 * Either way memory stays flat in the file size and messages come in canonical order (log time, topic, sequence).
 * Damage is reported as RecordingError with its position; `recover: true` instead yields the intact messages
 * before the damage and reports the loss.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { DecompressHandlers, TypedMcapRecords } from '@mcap/core';
import { RecordingError } from '../../contracts/errors.ts';
import { compareNs, type TimeNs } from '../../contracts/time.ts';
import { createDecoder } from '../codecs/decode.ts';
import type {
  ChannelInfo,
  Decoded,
  ReadOptions,
  RecordedMessage,
  RecordingSummary,
  RecoveryReport,
} from '../types.ts';
import { bagFolderFile } from './bagFolder.ts';
import { guardedDecompressHandlers } from './decompress.ts';
import {
  checkMagic,
  factsFromIndex,
  fileAccessError,
  fileSize,
  isFolder,
  recordingError,
  footerPointsAtSummary,
  scanFile,
  tryIndexed,
} from './inspectFile.ts';
import type { FileFacts, IndexedOpen, MetadataRecord, SchemaRecord } from './inspectFile.ts';
import { damageError, HINT_RECOVER } from './damage.ts';
import { reorder } from './order.ts';
import { readChunks } from './chunkRead.ts';
import { DamageError, streamRecords } from './recordStream.ts';
import type { Damage } from './recordStream.ts';

type ChunkIndexRecord = TypedMcapRecords['ChunkIndex'];

export interface OpenOptions {
  /** Read the intact part of a truncated or damaged file instead of failing (default false). */
  recover?: boolean;
}

export class RecordingReader {
  readonly path: string;
  readonly #fh: FileHandle;
  readonly #size: number;
  readonly #recover: boolean;
  readonly #handlers: DecompressHandlers;
  #indexed: IndexedOpen | undefined;
  readonly #facts: FileFacts;
  /** Damage found by the open-time scan (streamed files) or while reading (indexed files). */
  #damage: Damage | undefined;
  /**
   * Damaged chunks recovery read past (a CRC-checked index), by file offset: kept across reads, so a later partial
   * read (one topic's first message) neither forgets nor counts twice what a full read skipped.
   */
  readonly #skipped = new Map<bigint, { bytes: number; startNs: bigint; endNs: bigint }>();
  #messagesRead = 0;
  #closed = false;
  readonly #decoders = new Map<number, (data: Uint8Array) => Decoded>();

  private constructor(init: {
    path: string;
    fh: FileHandle;
    size: number;
    recover: boolean;
    handlers: DecompressHandlers;
    indexed: IndexedOpen | undefined;
    facts: FileFacts;
    damage: Damage | undefined;
  }) {
    this.path = init.path;
    this.#fh = init.fh;
    this.#size = init.size;
    this.#recover = init.recover;
    this.#handlers = init.handlers;
    this.#indexed = init.indexed;
    this.#facts = init.facts;
    this.#damage = init.damage;
    if (init.damage) this.#messagesRead = init.facts.messageCount;
  }

  /**
   * Opens and validates `given` (a file, or a rosbag2 folder holding one MCAP file: `bagFolderFile`). Throws
   * RecordingError for a missing, empty, non-MCAP or (unless recover) damaged file.
   */
  static async open(given: string, opts: OpenOptions = {}): Promise<RecordingReader> {
    const recover = opts.recover ?? false;
    const path = (await isFolder(given)) ? await bagFolderFile(given) : given;
    const size = await fileSize(path);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw fileAccessError('open', path, 'check the file permissions', err);
    }
    try {
      await checkMagic(fh, size, path);
      const handlers = await guardedDecompressHandlers();
      const opened = await tryIndexed(fh, size, handlers);
      if (opened) {
        const facts = factsFromIndex(opened.reader);
        return new RecordingReader({
          path,
          fh,
          size,
          recover,
          handlers,
          indexed: opened,
          facts,
          damage: undefined,
        });
      }
      const { facts, damage } = await scanFile(fh, size, handlers);
      if (damage && !recover) throw damageError(damage, path);
      if (await footerPointsAtSummary(fh, size)) facts.summaryUnusable = true;
      return new RecordingReader({ path, fh, size, recover, handlers, indexed: undefined, facts, damage });
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  summary(): RecordingSummary {
    const f = this.#facts;
    return {
      path: this.path,
      sizeBytes: this.#size,
      indexed: this.#indexed !== undefined,
      ...(f.summaryUnusable ? { summaryUnusable: true } : {}),
      profile: f.profile,
      library: f.library,
      startNs: f.startNs,
      endNs: f.endNs,
      messageCount: f.messageCount,
      channels: this.channels(),
      compression: [...f.compression],
    };
  }

  channels(): ChannelInfo[] {
    return [...this.#facts.channels.values()].map((c) => ({ ...c }));
  }

  /**
   * The schema record of a channel (name, encoding, raw data), e.g. to copy the channel into another file with a
   * `raw` SchemaSpec. Schemaless channels give `{ name: '', encoding: '', data: empty }`.
   */
  schemaOf(channelId: number): SchemaRecord {
    if (!this.#facts.channels.has(channelId))
      throw recordingError(`no channel with id ${channelId}`, this.path);
    return this.#facts.schemaOfChannel.get(channelId) ?? { name: '', encoding: '', data: new Uint8Array(0) };
  }

  /**
   * A decoder for one channel's messages (cached). Throws RecordingError naming the topic and encoding when the
   * channel's schema or message encoding is not supported.
   */
  decoder(channelId: number): (data: Uint8Array) => Decoded {
    const cached = this.#decoders.get(channelId);
    if (cached) return cached;
    const channel = this.#facts.channels.get(channelId);
    if (!channel) throw recordingError(`no channel with id ${channelId}`, this.path);
    const schema = this.#facts.schemaOfChannel.get(channelId);
    const dec = createDecoder(channel, schema?.data ?? new Uint8Array(0));
    this.#decoders.set(channelId, dec);
    return dec;
  }

  /**
   * One message decoded; a message that does not decode is a RecordingError naming the file, the topic and the
   * log time (the decoder alone knows only its channel).
   */
  decode(m: RecordedMessage): Decoded {
    const dec = this.decoder(m.channel.id);
    try {
      return dec(m.data);
    } catch (err) {
      if (!(err instanceof RecordingError)) throw err;
      throw new RecordingError({
        what: err.what,
        where: `${this.path} ${m.channel.topic} @ ${m.logTimeNs}`,
        hint:
          err.hint ?? 'this message is damaged in the file (its chunk has no CRC that would have caught it)',
        cause: err,
      });
    }
  }

  /** The file's metadata records (the writer's run settings, a scenario's name, …), in file order. */
  async metadata(): Promise<MetadataRecord[]> {
    if (!this.#indexed) return this.#facts.metadata ?? [];
    const out: MetadataRecord[] = [];
    for await (const m of this.#indexed.reader.readMetadata())
      out.push({ name: m.name, metadata: Object.fromEntries(m.metadata) });
    return out;
  }

  /** What recover mode salvaged (meaningful after `messages()` has been read). */
  recovery(): RecoveryReport {
    const d = this.#damage;
    const skipped = this.#skipped.size;
    const gaps = [...this.#skipped.values()].sort((a, b) => compareNs(a.startNs, b.startNs));
    const report: RecoveryReport = {
      damaged: d !== undefined,
      messagesRead: this.#messagesRead,
      bytesLost: skipped > 0 ? gaps.reduce((a, g) => a + g.bytes, 0) : d ? this.#size - d.offset : 0,
    };
    if (skipped > 0) report.gaps = gaps.map(({ startNs, endNs }) => ({ startNs, endNs }));
    if (d)
      report.reason =
        skipped > 0
          ? `${d.reason}; ${skipped} damaged chunk${skipped === 1 ? '' : 's'} skipped, the chunks after read`
          : d.reason;
    return report;
  }

  /** Messages in canonical order (log time, topic, sequence). `endNs` is inclusive. */
  messages(opts: ReadOptions = {}): AsyncIterable<RecordedMessage> {
    if (this.#closed) throw recordingError('reader is closed', this.path);
    return this.#indexed ? this.#readIndexed(this.#indexed, opts) : this.#readStreamed(opts, 0);
  }

  /**
   * The log times of a topic's first and last messages (undefined when it has none): a camera's own span, not the
   * file's. A streamed file's scan at open recorded them; an indexed file reads the topic's first message, then
   * only from the latest start among the chunks that hold the topic (its last message is in one of them, at or
   * after that start), so a long file is not read through for it. `firstNs`: the topic's first log time, when the
   * caller has read it already.
   */
  /** The first message (canonical order) on any of `topics`; undefined when they have none. */
  async firstMessage(topics: string[]): Promise<RecordedMessage | undefined> {
    for await (const m of this.messages({ topics })) return m;
    return undefined;
  }

  async topicSpan(topic: string, firstNs?: TimeNs): Promise<{ startNs: TimeNs; endNs: TimeNs } | undefined> {
    const ids = new Set([...this.#facts.channels.values()].filter((c) => c.topic === topic).map((c) => c.id));
    const scanned = this.#indexed ? undefined : this.#facts.channelSpans;
    if (scanned && !this.#damage) {
      let span: { startNs: TimeNs; endNs: TimeNs } | undefined;
      for (const id of ids) {
        const s = scanned.get(id);
        if (!s) continue;
        span = span
          ? {
              startNs: s[0] < span.startNs ? s[0] : span.startNs,
              endNs: s[1] > span.endNs ? s[1] : span.endNs,
            }
          : { startNs: s[0], endNs: s[1] };
      }
      return span;
    }
    const startNs = firstNs ?? (await this.firstMessage([topic]))?.logTimeNs;
    if (startNs === undefined) return undefined;
    let from = startNs;
    const chunks = this.#indexed?.reader.chunkIndexes ?? [];
    // Chunks written without message indexes do not say which topics they hold: the topic is read through.
    if (chunks.every((ci) => ci.messageIndexOffsets.size > 0)) {
      for (const ci of chunks) {
        const holds = [...ci.messageIndexOffsets.keys()].some((id) => ids.has(id));
        if (holds && ci.messageStartTime > from) from = ci.messageStartTime;
      }
    }
    let endNs = startNs;
    for await (const m of this.messages({ topics: [topic], startNs: from })) endNs = m.logTimeNs;
    return { startNs, endNs };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh.close();
  }

  async *#readIndexed(indexed: IndexedOpen, opts: ReadOptions): AsyncGenerator<RecordedMessage> {
    this.#messagesRead = 0;
    let delivered = 0;
    const resolve = (id: number) => this.#facts.channels.get(id);
    try {
      // Recovering with a CRC-checked index: it says where every other chunk is, so a damaged chunk is skipped
      // and the chunks after it read (they were all lost before).
      const skip =
        this.#recover && indexed.trusted
          ? (d: Damage, ci: ChunkIndexRecord) => {
              this.#damage ??= d;
              this.#skipped.set(ci.chunkStartOffset, {
                bytes: Number(ci.chunkLength),
                startNs: ci.messageStartTime,
                endNs: ci.messageEndTime,
              });
            }
          : undefined;
      for await (const msg of readChunks(
        this.#fh,
        indexed.reader.chunkIndexes,
        this.#handlers,
        resolve,
        opts,
        skip,
      )) {
        delivered++;
        this.#messagesRead = delivered;
        yield msg;
      }
      return;
    } catch (err) {
      if (!(err instanceof DamageError)) throw err;
      // A CRC-verified index is right, so the chunk is damaged. Otherwise confirm with a streaming pass: if the
      // data section streams cleanly, only the index was wrong and streaming takes over.
      const { damage } = indexed.trusted
        ? { damage: err.damage }
        : await scanFile(this.#fh, this.#size, this.#handlers);
      if (damage) {
        this.#damage = damage;
        if (!this.#recover) throw damageError(damage, this.path);
        return;
      }
    }
    this.#indexed = undefined;
    yield* this.#readStreamed(opts, delivered);
  }

  async *#readStreamed(opts: ReadOptions, skip: number): AsyncGenerator<RecordedMessage> {
    this.#messagesRead = skip;
    const topics = opts.topics ? new Set(opts.topics) : undefined;
    const source = async function* (this: RecordingReader): AsyncGenerator<RecordedMessage> {
      try {
        for await (const { record } of streamRecords(this.#fh, this.#size, this.#handlers)) {
          if (record.type !== 'Message') continue;
          if (opts.startNs !== undefined && record.logTime < opts.startNs) continue;
          if (opts.endNs !== undefined && record.logTime > opts.endNs) continue;
          const msg = this.#toMessage(
            record.channelId,
            record.sequence,
            record.logTime,
            record.publishTime,
            record.data,
          );
          if (topics && !topics.has(msg.channel.topic)) continue;
          yield msg;
        }
      } catch (err) {
        if (!(err instanceof DamageError)) throw err;
        this.#damage = err.damage;
        if (!this.#recover) throw damageError(err.damage, this.path);
      }
    }.call(this);
    let n = 0;
    for await (const msg of reorder(source)) {
      if (n++ < skip) continue;
      this.#messagesRead++;
      yield msg;
    }
  }

  #toMessage(
    channelId: number,
    sequence: number,
    logTime: bigint,
    publishTime: bigint,
    data: Uint8Array,
  ): RecordedMessage {
    const channel = this.#facts.channels.get(channelId);
    if (!channel) {
      throw new RecordingError({
        what: `message on unknown channel ${channelId} at log time ${logTime}`,
        where: this.path,
        hint: HINT_RECOVER,
        cause: new DamageError({
          reason: `message on unknown channel ${channelId}`,
          offset: 0,
          truncated: false,
        }),
      });
    }
    return { channel, sequence, logTimeNs: logTime, publishTimeNs: publishTime, data };
  }
}
