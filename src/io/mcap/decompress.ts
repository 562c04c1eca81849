/**
 * Decompression handlers from @mcap/support, guarded: a damaged chunk header can claim any uncompressed size,
 * and the raw wasm handlers would try to allocate it. Failures become plain errors the stream reader reports
 * with the chunk's position.
 */
import type { DecompressHandlers } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';

/** Largest uncompressed chunk accepted (writers use 4 MiB; 1 GiB leaves room for huge single images). */
const MAX_UNCOMPRESSED_CHUNK = 1 << 30;

let cached: Promise<DecompressHandlers> | undefined;

export function guardedDecompressHandlers(): Promise<DecompressHandlers> {
  cached ??= loadDecompressHandlers().then(guard);
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
