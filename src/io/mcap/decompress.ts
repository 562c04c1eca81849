/**
 * Decompression handlers from @mcap/support, guarded: a damaged chunk header can claim any uncompressed size,
 * and the raw wasm handlers would try to allocate it. Failures become plain errors the stream reader reports
 * with the chunk's position. lz4 is decoded by Viper's own decoder (lz4Decode.ts says why: the wasm one fails
 * every chunk after a damaged one).
 */
import type { DecompressHandlers } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { MAX_UNCOMPRESSED_CHUNK } from './chunkLimit.ts';
import { lz4DecompressFrame } from './lz4Decode.ts';

let cached: Promise<DecompressHandlers> | undefined;

export function guardedDecompressHandlers(): Promise<DecompressHandlers> {
  cached ??= loadDecompressHandlers().then((handlers) =>
    guard({ ...handlers, lz4: (buffer, size) => lz4DecompressFrame(buffer, Number(size)) }),
  );
  return cached;
}

function guard(handlers: DecompressHandlers): DecompressHandlers {
  const out: DecompressHandlers = {};
  for (const [name, fn] of Object.entries(handlers)) {
    out[name] = (buffer: Uint8Array, size: bigint): Uint8Array => {
      if (size > BigInt(MAX_UNCOMPRESSED_CHUNK)) {
        throw new Error(`${name} chunk claims ${size} uncompressed bytes (limit ${MAX_UNCOMPRESSED_CHUNK})`);
      }
      let result: Uint8Array;
      try {
        result = fn(buffer, size);
      } catch (err) {
        throw new Error(`${name} decompression failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (BigInt(result.byteLength) !== size) {
        throw new Error(`${name} decompression gave ${result.byteLength} bytes (expected ${size})`);
      }
      return result;
    };
  }
  return out;
}
