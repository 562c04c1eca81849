/**
 * Chunk decompression for MCAP in the browser, from the zstd and lz4 WebAssembly builds that @mcap/support
 * uses (@foxglove/wasm-zstd, @foxglove/wasm-lz4). Their JS glue expects Node's Buffer and a bundler that can
 * `require` a .wasm file, so the modules are instantiated here directly: the glue needs only two imports
 * (heap resize and a big memcpy) and the exports below, whose minified names are fixed by the pinned versions
 * and checked on load.
 */
type Decompress = (src: Uint8Array, decompressedSize: number) => Uint8Array;

interface Layout {
  memory: string;
  ctors: string;
  malloc: string;
  free: string;
  decompress: string;
  /** lz4 only: creates the reusable decompression context passed first to `decompress`. */
  context?: string;
}

// From the `Module["asm"]["x"]` bindings in dist/wasm-zstd.js (1.0.1) and dist/wasm-lz4.js (1.0.2).
const LAYOUTS: Record<'zstd' | 'lz4', Layout> = {
  zstd: { memory: 'c', ctors: 'd', malloc: 'f', free: 'g', decompress: 'j' },
  lz4: { memory: 'c', ctors: 'd', malloc: 'e', free: 'f', decompress: 'h', context: 'i' },
};

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

export async function instantiateDecompressor(
  kind: 'zstd' | 'lz4',
  wasm: ArrayBuffer | Uint8Array,
): Promise<Decompress> {
  const layout = LAYOUTS[kind];
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
  for (const key of Object.values(layout)) {
    if (!(key in ex))
      throw new Error(`${kind} wasm: export "${key}" missing (unexpected @foxglove/wasm-${kind} version)`);
  }
  memory = ex[layout.memory] as WasmMemory;
  (ex[layout.ctors] as WasmFn)();
  const malloc = ex[layout.malloc] as WasmFn;
  const free = ex[layout.free] as WasmFn;
  const decompress = ex[layout.decompress] as WasmFn;
  const ctx = layout.context ? (ex[layout.context] as WasmFn)() : undefined;

  return (src, size) => {
    const srcPtr = malloc(src.byteLength);
    const dstPtr = malloc(size);
    try {
      new Uint8Array(memory!.buffer, srcPtr, src.byteLength).set(src);
      const n =
        ctx === undefined
          ? decompress(dstPtr, size, srcPtr, src.byteLength)
          : decompress(ctx, dstPtr, size, srcPtr, src.byteLength);
      if (n < 0 || n !== size)
        throw new Error(`${kind} decompression failed (got ${n} bytes, expected ${size})`);
      return new Uint8Array(memory!.buffer, dstPtr, size).slice();
    } finally {
      free(srcPtr);
      free(dstPtr);
    }
  };
}
