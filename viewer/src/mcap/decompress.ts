/**
 * Chunk decompression for MCAP in the browser: zstd from the WebAssembly build that @mcap/support uses
 * (@foxglove/wasm-zstd), lz4 by Viper's own decoder (src/io/mcap/lz4Decode.ts: the wasm lz4 keeps one context
 * that a damaged chunk leaves failing every later one). The zstd glue expects Node's Buffer and a bundler that can
 * `require` a .wasm file, so the module is instantiated here directly: the glue needs only two imports (heap
 * resize and a big memcpy) and the exports below, whose minified names are fixed by the pinned version and
 * checked on load.
 */
import { MAX_UNCOMPRESSED_CHUNK } from '../../../src/io/mcap/chunkLimit.ts';
import { lz4DecompressFrame } from '../../../src/io/mcap/lz4Decode.ts';

type Decompress = (src: Uint8Array, decompressedSize: number) => Uint8Array;

// From the `Module["asm"]["x"]` bindings in dist/wasm-zstd.js (1.0.1).
const ZSTD = { memory: 'c', ctors: 'd', malloc: 'f', free: 'g', decompress: 'j' };

type WasmFn = (...args: number[]) => number;
// Minimal structural types so this file also type-checks without the DOM lib (it runs in Node tests too).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  instantiate(
    bytes: ArrayBuffer | Uint8Array,
    imports: object,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const lz4Decompress: Decompress = lz4DecompressFrame;

/**
 * An MCAP reader's handler for `kind` from `fn`: a chunk claiming more than MAX_UNCOMPRESSED_CHUNK is refused
 * before anything is allocated (zstd's wasm heap, grown for a damaged size, would stay that size for the tab).
 */
export function chunkHandler(kind: string, fn: Decompress): (buf: Uint8Array, size: bigint) => Uint8Array {
  return (buf, size) => {
    if (size > BigInt(MAX_UNCOMPRESSED_CHUNK))
      throw new Error(`${kind} chunk claims ${size} uncompressed bytes (limit ${MAX_UNCOMPRESSED_CHUNK})`);
    return fn(buf, Number(size));
  };
}

/** The zstd decompressor from @foxglove/wasm-zstd's .wasm bytes. */
export async function instantiateZstd(wasm: ArrayBuffer | Uint8Array): Promise<Decompress> {
  let memory: WasmMemory | undefined;
  const imports = {
    a: {
      // emscripten_resize_heap(requestedSize): grow linear memory; 1 on success.
      a: (requested: number) => {
        if (!memory) return 0;
        const need = (requested >>> 0) - memory.buffer.byteLength;
        if (need <= 0) return 1;
        try {
          memory.grow(Math.ceil(need / 65536));
          return 1;
        } catch {
          return 0;
        }
      },
      // emscripten_memcpy_big(dest, src, num)
      b: (dest: number, src: number, num: number) => {
        new Uint8Array(memory!.buffer).copyWithin(dest, src, src + num);
      },
    },
  };
  const { instance } = await wasmApi.instantiate(wasm, imports);
  const ex = instance.exports;
  for (const key of Object.values(ZSTD)) {
    if (!(key in ex))
      throw new Error(`zstd wasm: export "${key}" missing (unexpected @foxglove/wasm-zstd version)`);
  }
  memory = ex[ZSTD.memory] as WasmMemory;
  (ex[ZSTD.ctors] as WasmFn)();
  const malloc = ex[ZSTD.malloc] as WasmFn;
  const free = ex[ZSTD.free] as WasmFn;
  const decompress = ex[ZSTD.decompress] as WasmFn;

  return (src, size) => {
    const srcPtr = malloc(src.byteLength);
    const dstPtr = malloc(size);
    try {
      new Uint8Array(memory!.buffer, srcPtr, src.byteLength).set(src);
      const n = decompress(dstPtr, size, srcPtr, src.byteLength);
      if (n < 0 || n !== size)
        throw new Error(`zstd decompression failed (got ${n} bytes, expected ${size})`);
      return new Uint8Array(memory!.buffer, dstPtr, size).slice();
    } finally {
      free(srcPtr);
      free(dstPtr);
    }
  };
}
