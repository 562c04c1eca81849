/**
 * Writes an MCAP recording: chunked (zstd by default, lz4 or none), with message indexes, chunk indexes,
 * statistics and summary offsets, so readers can seek (McapFileWriter.ts does the bytes). Output bytes depend only
 * on the calls made: no wall clock, a fixed library string, schemas deduplicated in first-use order. Calls take
 * effect in call order, so callers may fire writes without awaiting each; `close()` is idempotent and safe on
 * error/SIGINT paths.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { RecordingError, systemFailure } from '../../contracts/errors.ts';
import { encodeFoxglove, foxgloveSchemaData, foxgloveSchemaName } from '../codecs/foxglove.ts';
import { foxgloveJsonSchema } from '../codecs/jsonSchema.ts';
import type { SchemaSpec, WriterOptions } from '../types.ts';
import { chunkCompressor } from './compress.ts';
import { McapFileWriter } from './McapFileWriter.ts';
import { fileAccessError } from './inspectFile.ts';

/**
 * The MCAP header's library field. Pinned, not package.json's version: a release bump must not change the bytes
 * of every recording (the suite's digests and goldens would all move with no change in content).
 */
const VIPER_LIBRARY = 'viper 0.1.0';
const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

interface ChannelState {
  topic: string;
  spec: SchemaSpec;
  sequence: number;
}

const utf8 = new TextEncoder();
const DONE: Promise<void> = Promise.resolve();

/** Paths of the writers created and not yet finalized in this process, in creation order. */
const unfinished = new Set<string>();

/**
 * Outputs being written and not yet finalized: what a forced exit (a second Ctrl-C) would leave without a
 * summary, for the CLI to name.
 */
export function unfinishedOutputs(): string[] {
  return [...unfinished];
}

export class RecordingWriter {
  readonly path: string;
  readonly #fh: FileHandle;
  readonly #mcap: McapFileWriter;
  readonly #schemaIds = new Map<string, number>();
  readonly #channelIds = new Map<string, number>();
  readonly #channels = new Map<number, ChannelState>();
  #closing: Promise<void> | undefined;

  private constructor(path: string, fh: FileHandle, mcap: McapFileWriter) {
    this.path = path;
    this.#fh = fh;
    this.#mcap = mcap;
  }

  /** Creates (truncates) `path` and writes the MCAP header. */
  static async create(path: string, opts: WriterOptions = {}): Promise<RecordingWriter> {
    const compress = await chunkCompressor(opts.compression ?? 'zstd');
    let fh: FileHandle;
    try {
      fh = await open(path, 'w');
    } catch (err) {
      throw fileAccessError('create', path, 'check that the folder exists and is writable', err);
    }
    const mcap = new McapFileWriter(fh, {
      chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
      compress,
      profile: opts.profile ?? '',
      library: opts.library ?? VIPER_LIBRARY,
    });
    unfinished.add(path);
    return new RecordingWriter(path, fh, mcap);
  }

  /**
   * Registers a channel and returns its id. Identical schemas are written once; registering the same topic with
   * the same schema again returns the existing id.
   */
  addChannel(topic: string, schema: SchemaSpec): Promise<number> {
    return this.#now(() => {
      const rec = schemaRecord(schema);
      const schemaKey = `${rec.name}\0${rec.encoding}\0${Buffer.from(rec.data).toString('base64')}`;
      // Schemaless channels (raw copies of them) use schema id 0, no Schema record.
      let schemaId =
        rec.name === '' && rec.encoding === '' && rec.data.length === 0 ? 0 : this.#schemaIds.get(schemaKey);
      if (schemaId === undefined) {
        schemaId = this.#mcap.addSchema(rec.name, rec.encoding, rec.data);
        this.#schemaIds.set(schemaKey, schemaId);
      }
      const channelKey = JSON.stringify([topic, schemaId, rec.messageEncoding]);
      const existing = this.#channelIds.get(channelKey);
      if (existing !== undefined) return Promise.resolve(existing);
      const id = this.#mcap.addChannel(schemaId, topic, rec.messageEncoding, new Map());
      this.#channelIds.set(channelKey, id);
      this.#channels.set(id, { topic, spec: schema, sequence: 0 });
      return Promise.resolve(id);
    });
  }

  /**
   * Writes one already-encoded message. Sequence numbers count per channel from 0. Large payloads are written
   * from `data` itself when their chunk is flushed (no copy), so do not modify `data` after the call. The promise
   * resolves at once unless a chunk was flushed while the previous one is still being written (backpressure).
   */
  write(
    channelId: number,
    logTimeNs: bigint,
    data: Uint8Array,
    publishTimeNs: bigint = logTimeNs,
  ): Promise<void> {
    return this.#now(() => {
      const ch = this.#channel(channelId);
      if (logTimeNs < 0n) throw this.#error(`negative log time ${logTimeNs} on ${ch.topic}`);
      return this.#mcap.addMessage(channelId, ch.sequence++, logTimeNs, publishTimeNs, data) ?? DONE;
    });
  }

  /** Encodes `obj` with the channel's schema (Foxglove protobuf or JSON) and writes it. */
  writeObject(channelId: number, logTimeNs: bigint, obj: object): Promise<void> {
    const ch = this.#channels.get(channelId);
    // Encode now (synchronously) so the caller may reuse `obj` right after the call.
    let data: Uint8Array;
    try {
      data = ch ? encodeObject(ch.spec, obj) : new Uint8Array(0);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(channelId, logTimeNs, data);
  }

  /** Writes a Metadata record (e.g. run configuration); keys are written sorted so output stays deterministic. */
  addMetadata(name: string, metadata: Record<string, string> | Map<string, string>): Promise<void> {
    const entries = metadata instanceof Map ? [...metadata.entries()] : Object.entries(metadata);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return this.#now(() => this.#mcap.addMetadata(name, entries));
  }

  /** Finalizes the file (summary, statistics, indexes, CRCs) and closes it. Idempotent; never writes twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        // After a failed write the file cannot be finalized (its error was reported): only release it.
        if (this.#mcap.failure !== undefined) return;
        await this.#mcap.end().catch((err: unknown) => {
          throw this.#writeFailed(err);
        });
      } finally {
        await this.#fh.close().catch(() => undefined);
        unfinished.delete(this.path);
      }
    })();
    return this.#closing;
  }

  #channel(id: number): ChannelState {
    const ch = this.#channels.get(id);
    if (!ch) throw this.#error(`no channel with id ${id}`, 'call addChannel first and use the id it returns');
    return ch;
  }

  #error(what: string, hint?: string): RecordingError {
    return new RecordingError({ what, where: this.path, hint });
  }

  /**
   * Runs `op` now (appends are synchronous and take effect in call order) and turns its throw into a rejection.
   * A closed writer, or one whose file write failed, refuses every call.
   */
  #now<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(this.#error('writer is closed'));
    if (this.#mcap.failure !== undefined) return Promise.reject(this.#writeFailed(this.#mcap.failure));
    try {
      return op().catch((err: unknown) => {
        throw this.#writeFailed(err);
      });
    } catch (err) {
      return Promise.reject(this.#writeFailed(err));
    }
  }

  /**
   * A file write the system refused (a full disk, a removed drive) as one line naming the file and the error; the
   * file then ends at the last chunk written, which `--recover` reads. Other errors pass unchanged.
   */
  #writeFailed(err: unknown): unknown {
    const why = systemFailure(err);
    if (why === undefined) return err;
    return new RecordingError({
      what: `cannot write the file: ${why}`,
      where: this.path,
      hint: 'it ends at the last chunk written: `viper inspect <file> --recover` shows what it holds',
      cause: err,
    });
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
        data: utf8.encode(JSON.stringify(foxgloveJsonSchema(spec.jsonSchema))),
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
