/**
 * A random-access source that keeps the chunk records it read last. McapIndexedReader holds a chunk only for
 * one readMessages call, and the viewer makes one call per frame, so without this every frame step fetched its
 * whole chunk again (~4 MB at a time for a six-camera results file, for frames 100 ms apart in the same chunk).
 * Only reads of whole chunk records (at a chunk's start offset, as the reader makes them) are kept; everything
 * else (header, summary, message indexes) passes through. A read in flight is shared, so the frames that
 * playback prefetches together fetch their chunk once. A read that fails is forgotten and tried again next time.
 */
import type { McapTypes } from '@mcap/core';

/** Chunk bytes kept (as stored in the file, before decompression): 8 chunks of the 4 MiB that viper writes. */
const CHUNK_CACHE_BYTES = 32 * 1024 * 1024;
/**
 * Message index bytes McapIndexedReader keeps (its own cache, `messageIndexCacheSizeBytes`): a few KB per chunk;
 * once full, further indexes are read each time they are needed.
 */
export const MESSAGE_INDEX_CACHE_BYTES = 4 * 1024 * 1024;

export class ChunkCache implements McapTypes.IReadable {
  /** Most recently used last. */
  private readonly entries = new Map<string, { bytes: Promise<Uint8Array>; size: number }>();
  private held = 0;
  private chunkStarts = new Set<bigint>();

  constructor(
    private readonly inner: McapTypes.IReadable,
    /** A chunk larger than this is read each time, as without the cache. */
    readonly maxBytes = CHUNK_CACHE_BYTES,
  ) {}

  /** The start offsets of the file's chunks (from its chunk indexes): reads there are kept. */
  setChunkStarts(starts: Iterable<bigint>): void {
    this.chunkStarts = new Set(starts);
  }

  /** Bytes of chunk records held now (≤ maxBytes). */
  get heldBytes(): number {
    return this.held;
  }

  size(): Promise<bigint> {
    return this.inner.size();
  }

  read(offset: bigint, size: bigint): Promise<Uint8Array> {
    const n = Number(size);
    if (!this.chunkStarts.has(offset) || n > this.maxBytes) return this.inner.read(offset, size);
    const key = `${offset}:${size}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.bytes;
    }
    const entry = { bytes: this.inner.read(offset, size), size: n };
    this.entries.set(key, entry);
    this.held += n;
    entry.bytes.catch(() => this.drop(key, entry));
    for (const [k, e] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.drop(k, e);
    }
    return entry.bytes;
  }

  private drop(key: string, entry: { size: number }): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.held -= entry.size;
  }
}
