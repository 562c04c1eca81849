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
      return (chunk) => ({
        compression: 'zstd',
        compressedData: new Uint8Array(zstd.compress(chunk, ZSTD_LEVEL)),
      });
  }
}
