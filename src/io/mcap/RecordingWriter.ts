/**
 * Writes an MCAP recording: chunked (zstd by default, lz4 or none), with message indexes, chunk indexes,
 * statistics and summary offsets, so readers can seek. Output bytes depend only on the calls made: no wall
 * clock, a fixed library string, schemas deduplicated in first-use order. Calls are serialized internally, so
 * callers may fire writes without awaiting each; `close()` is idempotent and safe on error/SIGINT paths.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { RecordingError } from '../../contracts/errors.ts';
import { encodeFoxglove, foxgloveSchemaData, foxgloveSchemaName } from '../codecs/foxglove.ts';
import type { SchemaSpec, WriterOptions } from '../types.ts';
import { chunkCompressor } from './compress.ts';

export const VIPER_LIBRARY = 'viper 0.1.0';
const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

interface ChannelState {
  topic: string;
  spec: SchemaSpec;
  sequence: number;
}

const utf8 = new TextEncoder();

export class RecordingWriter {
  readonly path: string;
  readonly #fh: FileHandle;
  readonly #writer: McapWriter;
  readonly #schemaIds = new Map<string, number>();
  readonly #channelIds = new Map<string, number>();
  readonly #channels = new Map<number, ChannelState>();
  #queue: Promise<unknown> = Promise.resolve();
  #failure: unknown;
  #closing: Promise<void> | undefined;

  private constructor(path: string, fh: FileHandle, writer: McapWriter) {
    this.path = path;
    this.#fh = fh;
    this.#writer = writer;
  }

  /** Creates (truncates) `path` and writes the MCAP header. */
  static async create(path: string, opts: WriterOptions = {}): Promise<RecordingWriter> {
    const compressChunk = await chunkCompressor(opts.compression ?? 'zstd');
    let fh: FileHandle;
    try {
      fh = await open(path, 'w');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new RecordingError({
        what: `cannot create file (${code})`,
        where: path,
        hint: 'check that the folder exists and is writable',
        cause: err,
      });
    }
    const writer = new McapWriter({
      writable: new FileHandleWritable(fh),
      useStatistics: true,
      useSummaryOffsets: true,
      useChunks: true,
      useChunkIndex: true,
      useMessageIndex: true,
      repeatSchemas: true,
      repeatChannels: true,
      useAttachmentIndex: true,
      useMetadataIndex: true,
      chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
      ...(compressChunk ? { compressChunk } : {}),
    });
    const rw = new RecordingWriter(path, fh, writer);
    await rw.#run(() =>
      writer.start({ profile: opts.profile ?? '', library: opts.library ?? VIPER_LIBRARY }),
    );
    return rw;
  }

  /**
   * Registers a channel and returns its id. Identical schemas are written once; registering the same topic with
   * the same schema and metadata again returns the existing id.
   */
  addChannel(topic: string, schema: SchemaSpec, metadata: Map<string, string> = new Map()): Promise<number> {
    return this.#run(async () => {
      const rec = schemaRecord(schema);
      const schemaKey = `${rec.name}\0${rec.encoding}\0${Buffer.from(rec.data).toString('base64')}`;
      // Schemaless channels (raw copies of them) use schema id 0, no Schema record.
      let schemaId =
        rec.name === '' && rec.encoding === '' && rec.data.length === 0 ? 0 : this.#schemaIds.get(schemaKey);
      if (schemaId === undefined) {
        schemaId = await this.#writer.registerSchema({
          name: rec.name,
          encoding: rec.encoding,
          data: rec.data,
        });
        this.#schemaIds.set(schemaKey, schemaId);
      }
      const meta = [...metadata.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const channelKey = JSON.stringify([topic, schemaId, rec.messageEncoding, meta]);
      const existing = this.#channelIds.get(channelKey);
      if (existing !== undefined) return existing;
      const id = await this.#writer.registerChannel({
        topic,
        schemaId,
        messageEncoding: rec.messageEncoding,
        metadata: new Map(meta),
      });
      this.#channelIds.set(channelKey, id);
      this.#channels.set(id, { topic, spec: schema, sequence: 0 });
      return id;
    });
  }

  /** Writes one already-encoded message. Sequence numbers count per channel from 0. */
  write(
    channelId: number,
    logTimeNs: bigint,
    data: Uint8Array,
    publishTimeNs: bigint = logTimeNs,
  ): Promise<void> {
    return this.#run(async () => {
      const ch = this.#channel(channelId);
      if (logTimeNs < 0n) throw this.#error(`negative log time ${logTimeNs} on ${ch.topic}`);
      await this.#writer.addMessage({
        channelId,
        sequence: ch.sequence++,
        logTime: logTimeNs,
        publishTime: publishTimeNs,
        data,
      });
    });
  }

  /** Encodes `obj` with the channel's schema (Foxglove protobuf or JSON) and writes it. */
  writeObject(
    channelId: number,
    logTimeNs: bigint,
    obj: object,
    publishTimeNs: bigint = logTimeNs,
  ): Promise<void> {
    const ch = this.#channels.get(channelId);
    // Encode now (synchronously) so the caller may reuse `obj` right after the call.
    let data: Uint8Array;
    try {
      data = ch ? encodeObject(ch.spec, obj) : new Uint8Array(0);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(channelId, logTimeNs, data, publishTimeNs);
  }

  /** Writes a Metadata record (e.g. run configuration); keys are written sorted so output stays deterministic. */
  addMetadata(name: string, metadata: Record<string, string> | Map<string, string>): Promise<void> {
    const entries = metadata instanceof Map ? [...metadata.entries()] : Object.entries(metadata);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return this.#run(() => this.#writer.addMetadata({ name, metadata: new Map(entries) }));
  }

  /** Finalizes the file (summary, statistics, indexes, CRCs) and closes it. Idempotent; never writes twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#queue.catch(() => undefined);
        await this.#writer.end();
      } finally {
        await this.#fh.close().catch(() => undefined);
      }
    })();
    return this.#closing;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #channel(id: number): ChannelState {
    const ch = this.#channels.get(id);
    if (!ch) throw this.#error(`no channel with id ${id}`, 'call addChannel first and use the id it returns');
    return ch;
  }

  #error(what: string, hint?: string): RecordingError {
    return new RecordingError({ what, where: this.path, hint });
  }

  /** Runs `op` after every earlier call (McapWriter corrupts the file if calls overlap). */
  #run<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(this.#error('writer is closed'));
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const p = this.#queue.then(async () => {
      if (this.#failure !== undefined) throw this.#failure;
      try {
        return await op();
      } catch (err) {
        // Our own validation errors leave the file consistent; I/O errors do not.
        if (!(err instanceof RecordingError)) this.#failure = err;
        throw err;
      }
    });
    this.#queue = p.catch(() => undefined);
    return p;
  }
}

function schemaRecord(spec: SchemaSpec): {
  name: string;
  encoding: string;
  data: Uint8Array;
  messageEncoding: string;
} {
  switch (spec.kind) {
    case 'foxglove':
      return {
        name: foxgloveSchemaName(spec.name),
        encoding: 'protobuf',
        data: foxgloveSchemaData(spec.name),
        messageEncoding: 'protobuf',
      };
    case 'json':
      return {
        name: spec.name,
        encoding: 'jsonschema',
        data: utf8.encode(JSON.stringify(spec.jsonSchema)),
        messageEncoding: 'json',
      };
    case 'raw':
      return {
        name: spec.name,
        encoding: spec.encoding,
        data: spec.data,
        messageEncoding: spec.messageEncoding,
      };
  }
}

/** JSON with bigint written as decimal strings (nanosecond times do not fit a double). */
export function encodeJson(obj: object): Uint8Array {
  return utf8.encode(JSON.stringify(obj, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

function encodeObject(spec: SchemaSpec, obj: object): Uint8Array {
  switch (spec.kind) {
    case 'foxglove':
      return encodeFoxglove(spec.name, obj);
    case 'json':
      return encodeJson(obj);
    case 'raw':
      throw new RecordingError({
        what: `cannot encode an object for raw channel schema '${spec.name}'`,
        hint: 'raw channels take already-encoded bytes: use write()',
      });
  }
}
