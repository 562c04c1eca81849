/**
 * io layer throughput and memory on a generated camera recording (six cameras, ~200 KB images, zstd chunks):
 *  1. write: RecordingWriter MB/s as a ratio to writing the same bytes with plain fs writes;
 *  2. read: indexed and streamed RecordingReader MB/s as a ratio to a plain sequential fs read of the file;
 *  3. memory: peak JS heap + ArrayBuffer growth while reading, against the file size (must stay a small fraction).
 * Size with VIPER_BENCH_IO_MB (default 200).
 */
import { appendFile, open, rm, stat, truncate } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingReader, RecordingWriter } from '../src/io/index.ts';
import { benchNumber } from './env.ts';

const MB = 1024 * 1024;

/** A Footer record with summary_start = 0 (no summary section) followed by the closing magic (MCAP spec). */
const SUMMARYLESS_FOOTER = Buffer.concat([
  Buffer.from([0x02, 20, 0, 0, 0, 0, 0, 0, 0]),
  Buffer.alloc(20),
  Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]),
]);

async function rawRead(path: string): Promise<number> {
  const fh = await open(path, 'r');
  const buf = new Uint8Array(4 * MB);
  let total = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  await fh.close();
  return total;
}

/** JS heap + ArrayBuffers (image payloads live there): what grows if a reader buffers the file. */
function jsMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs `fn` sampling memory every 5 ms; returns its duration and the peak growth over the start (an upper bound: garbage not yet collected counts). */
async function measured(fn: () => Promise<void>): Promise<{ s: number; peakMb: number }> {
  const base = jsMemory();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, jsMemory());
  }, 5);
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, jsMemory());
  return { s, peakMb: (peak - base) / MB };
}

async function readEverything(path: string): Promise<number> {
  const r = await RecordingReader.open(path);
  let bytes = 0;
  for await (const m of r.messages()) bytes += m.data.byteLength;
  await r.close();
  return bytes;
}

export async function run(): Promise<void> {
  const targetMb = benchNumber('VIPER_BENCH_IO_MB', 200);
  const path = join(tmpdir(), `viper-io-bench-${process.pid}.mcap`);
  const rawPath = `${path}.raw`;
  const imageBytes = 200 * 1024;
  const frames = Math.ceil((targetMb * MB) / (6 * imageBytes));
  // Incompressible images (as JPEGs are), from a seeded xorshift: one fresh buffer per image.
  let x = 2463534242;
  const image = (): Uint8Array => {
    const u = new Uint32Array(imageBytes / 4);
    for (let i = 0; i < u.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      u[i] = x >>> 0;
    }
    return new Uint8Array(u.buffer);
  };
  const pool = Array.from({ length: 64 }, image);

  // Baseline write: the same payload bytes straight to a file.
  const baseW = await measured(async () => {
    const fh = await open(rawPath, 'w');
    for (let f = 0; f < frames; f++) {
      for (let c = 0; c < 6; c++) await fh.write(pool[(f * 6 + c) % pool.length] as Uint8Array);
    }
    await fh.close();
  });
  const write = await measured(async () => {
    const w = await RecordingWriter.create(path);
    const ids: number[] = [];
    for (let c = 0; c < 6; c++)
      ids.push(await w.addChannel(`/cam_${c}/image`, { kind: 'foxglove', name: 'CompressedImage' }));
    for (let f = 0; f < frames; f++) {
      const tNs = BigInt(f) * 33_000_000n;
      for (let c = 0; c < 6; c++) {
        const data = pool[(f * 6 + c) % pool.length] as Uint8Array;
        await w.writeObject(ids[c] as number, tNs, {
          timestamp: { sec: 0, nsec: 0 },
          frame_id: `cam_${c}`,
          format: 'jpeg',
          data,
        });
      }
    }
    await w.close();
  });
  const size = (await stat(path)).size;
  const payloadMb = (frames * 6 * imageBytes) / MB;
  console.log(`file: ${(size / MB).toFixed(0)} MB, ${frames * 6} images of ${imageBytes / 1024} KB`);
  console.log(
    `write: ${(payloadMb / write.s).toFixed(0)} MB/s vs fs write ${(payloadMb / baseW.s).toFixed(0)} MB/s → ratio ${(baseW.s / write.s).toFixed(2)}`,
  );

  await rawRead(path); // warm the page cache so every read below starts equal
  const baseR = await measured(async () => {
    await rawRead(path);
  });
  let n = 0;
  const indexed = await measured(async () => {
    n = await readEverything(path);
  });
  // Streamed: the same file without its summary (cut after DataEnd, then a Footer with summary_start = 0 and
  // the closing magic, as a summary-less writer ends a file) → the reader streams it.
  const bytes = readFileSync(path);
  const summaryStart = Number(bytes.readBigUInt64LE(bytes.length - 8 - 29 + 9));
  await truncate(path, summaryStart);
  await appendFile(path, SUMMARYLESS_FOOTER);
  const streamed = await measured(async () => {
    await readEverything(path);
  });
  const fileMb = size / MB;
  console.log(`fs read: ${(fileMb / baseR.s).toFixed(0)} MB/s (page cache)`);
  console.log(
    `indexed read: ${(fileMb / indexed.s).toFixed(0)} MB/s → ratio ${(baseR.s / indexed.s).toFixed(2)}, peak memory +${indexed.peakMb.toFixed(0)} MB (${((100 * indexed.peakMb) / fileMb).toFixed(1)}% of file), ${(n / MB).toFixed(0)} MB payload`,
  );
  console.log(
    `streamed read (open-time scan + read): ${(fileMb / streamed.s).toFixed(0)} MB/s → ratio ${(baseR.s / streamed.s).toFixed(2)}, peak memory +${streamed.peakMb.toFixed(0)} MB (${((100 * streamed.peakMb) / fileMb).toFixed(1)}% of file)`,
  );
  await rm(path, { force: true });
  await rm(rawPath, { force: true });
}
