/**
 * Chunk compressors for the writer. zstd through @foxglove/wasm-zstd (the library @mcap/support decompresses
 * with), lz4 through our own frame encoder (lz4.ts). Both are deterministic: same bytes in, same bytes out.
 */
import * as zstdModule from '@foxglove/wasm-zstd';
import { lz4CompressFrame } from './lz4.ts';

/** zstd level 3 is zstd's default: a good speed/size trade for image-heavy chunks. */
const ZSTD_LEVEL = 3;

type ZstdApi = { isLoaded: Promise<boolean>; compress(buffer: Uint8Array, level?: number): Uint8Array };
const zstd = ((zstdModule as unknown as { default?: ZstdApi }).default ?? zstdModule) as ZstdApi;

/** What a chunk's records were stored as; `undefined` from a compressor means "store the records as they are". */
export interface Compressed {
  compression: string;
  compressedData: Uint8Array;
}

/**
 * Compresses a chunk's records, given as consecutive byte ranges (`size` bytes in all) so incompressible chunks
 * are never joined into one buffer. Returns undefined to store the records uncompressed (compression '').
 */
export type ChunkCompressor = (parts: readonly Uint8Array[], size: number) => Compressed | undefined;

/** The compressor for `kind` ('none' stores every chunk uncompressed). */
export async function chunkCompressor(kind: 'zstd' | 'lz4' | 'none'): Promise<ChunkCompressor> {
  switch (kind) {
    case 'none':
      return () => undefined;
    case 'lz4':
      return (parts, size) => ({ compression: 'lz4', compressedData: lz4CompressFrame(join(parts, size)) });
    case 'zstd':
      await zstd.isLoaded;
      return (parts, size) =>
        incompressible(parts, size)
          ? undefined
          : {
              compression: 'zstd',
              compressedData: new Uint8Array(zstd.compress(join(parts, size), ZSTD_LEVEL)),
            };
  }
}

const SAMPLE_BYTES = 4 * 1024;
const SAMPLES = 4;

/**
 * Chunks of already-compressed payloads (JPEG/PNG images: most of a camera recording) gain nothing from zstd
 * but cost most of a replay's time. Compress four evenly spaced 4 KiB samples first; if they shrink by less
 * than 5 %, store the chunk uncompressed. Depends only on the bytes, so output stays deterministic.
 */
function incompressible(parts: readonly Uint8Array[], size: number): boolean {
  if (size < 4 * SAMPLES * SAMPLE_BYTES) return false;
  const step = Math.floor((size - SAMPLE_BYTES) / (SAMPLES - 1));
  let packed = 0;
  for (let i = 0; i < SAMPLES; i++) packed += zstd.compress(range(parts, i * step, SAMPLE_BYTES), 1).length;
  return packed > 0.95 * SAMPLES * SAMPLE_BYTES;
}

/** The parts as one buffer (no copy when there is only one). */
function join(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes [offset, offset + length) of the parts taken as one (a view when they lie in one part). */
function range(parts: readonly Uint8Array[], offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let skip = offset;
  let got = 0;
  for (const p of parts) {
    if (skip >= p.length) {
      skip -= p.length;
      continue;
    }
    if (got === 0 && skip + length <= p.length) return p.subarray(skip, skip + length);
    const take = Math.min(p.length - skip, length - got);
    out.set(p.subarray(skip, skip + take), got);
    got += take;
    skip = 0;
    if (got === length) break;
  }
  return out;
}
