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

export type ChunkCompressor = (chunk: Uint8Array) => { compression: string; compressedData: Uint8Array };

/** Returns the compressor for McapWriter's `compressChunk`, or undefined for uncompressed chunks. */
export async function chunkCompressor(kind: 'zstd' | 'lz4' | 'none'): Promise<ChunkCompressor | undefined> {
  switch (kind) {
    case 'none':
      return undefined;
    case 'lz4':
      return (chunk) => ({ compression: 'lz4', compressedData: lz4CompressFrame(chunk) });
    case 'zstd':
      await zstd.isLoaded;
      return (chunk) =>
        incompressible(chunk)
          ? { compression: '', compressedData: chunk }
          : { compression: 'zstd', compressedData: new Uint8Array(zstd.compress(chunk, ZSTD_LEVEL)) };
  }
}

const SAMPLE_BYTES = 16 * 1024;
const SAMPLES = 4;

/**
 * Chunks of already-compressed payloads (JPEG/PNG images: most of a camera recording) gain nothing from zstd
 * but cost most of a replay's time. Compress four evenly spaced 16 KiB samples first; if they shrink by less
 * than 5 %, store the chunk uncompressed. Depends only on the bytes, so output stays deterministic.
 */
function incompressible(chunk: Uint8Array): boolean {
  if (chunk.length < 4 * SAMPLES * SAMPLE_BYTES) return false;
  const step = Math.floor((chunk.length - SAMPLE_BYTES) / (SAMPLES - 1));
  let packed = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const sample = chunk.subarray(i * step, i * step + SAMPLE_BYTES);
    packed += zstd.compress(sample, 1).length;
  }
  return packed > 0.95 * SAMPLES * SAMPLE_BYTES;
}
