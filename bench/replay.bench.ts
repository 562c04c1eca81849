/**
 * Replay benchmark (issue #2): throughput of `viper replay` (pass-through graph, no detector) in MB/s and
 * messages/s as a ratio to a plain @mcap/core indexed read of the same file in the same run, and peak RSS of a
 * replay of a ≥ 2 GB generated recording (made here, deleted after, never committed).
 *
 * Both sides run in fresh child processes (same start, own peak RSS). The machine is shared, so wall times swing
 * with other load: plain read and replay alternate, VIPER_BENCH_REPS times each (default 2), and the ratio uses
 * each side's fastest run (all runs are printed too).
 *
 * Env: VIPER_BENCH_GB (default 2.1) sets the size of the big file.
 */
import { spawnSync } from 'node:child_process';
import { fsyncSync, mkdtempSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { secToNs, toFoxgloveTime } from '../src/contracts/time.ts';
import { RecordingWriter } from '../src/io/index.ts';
import { benchNumber } from './env.ts';

const repoRoot = join(import.meta.dirname, '..');

/** A 6-camera recording of incompressible image-sized payloads (like JPEGs), zstd-chunked like real drives. */
async function makeRecording(path: string, targetBytes: number): Promise<number> {
  const w = await RecordingWriter.create(path, { compression: 'zstd', chunkSize: 4 * 1024 * 1024 });
  const cams = [
    'cam_front',
    'cam_front_left',
    'cam_front_right',
    'cam_back',
    'cam_back_left',
    'cam_back_right',
  ];
  const ids = await Promise.all(
    cams.map((c) => w.addChannel(`/${c}/image`, { kind: 'foxglove', name: 'foxglove.CompressedImage' })),
  );
  // A pool of pseudo-random bytes; each message takes a different slice, so chunks do not compress.
  const pool = new Uint8Array(32 * 1024 * 1024);
  let x = 0x12345678;
  for (let i = 0; i < pool.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pool[i] = x & 0xff;
  }
  const size = 180_000;
  let written = 0;
  let messages = 0;
  for (let f = 0; written < targetBytes; f++) {
    const tNs = secToNs(f / 10);
    for (const [k, id] of ids.entries()) {
      const off = ((messages * 7919 * 4099) % (pool.length - size)) & ~7;
      const payload = pool.subarray(off, off + size);
      await w.writeObject(id, tNs + BigInt(k) * 1000n, {
        timestamp: toFoxgloveTime(tNs),
        frame_id: cams[k],
        data: payload,
        format: 'jpeg',
      });
      written += payload.length;
      messages++;
    }
  }
  await w.close();
  return messages;
}

/** The baseline: read every message with @mcap/core's McapIndexedReader (CRCs checked, its default). */
const PLAIN_READ = `
  import { peakRssMB } from ${JSON.stringify(join(repoRoot, 'bench/env.ts'))};
  import { open } from 'node:fs/promises';
  import { McapIndexedReader } from '@mcap/core';
  import { FileHandleReadable } from '@mcap/nodejs';
  import { loadDecompressHandlers } from '@mcap/support';
  const t0 = performance.now();
  const fh = await open(process.argv[1], 'r');
  const reader = await McapIndexedReader.Initialize({
    readable: new FileHandleReadable(fh),
    decompressHandlers: await loadDecompressHandlers(),
  });
  let messages = 0;
  for await (const _m of reader.readMessages()) messages++;
  await fh.close();
  const seconds = (performance.now() - t0) / 1000;
  const u = process.resourceUsage();
  const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
  const maxRssMB = peakRssMB();
  console.log(JSON.stringify({ seconds, cpuSeconds, maxRssMB, messages }));
`;

/** viper replay, pass-through graph (no detector). */
const REPLAY = `
  import { peakRssMB } from ${JSON.stringify(join(repoRoot, 'bench/env.ts'))};
  import { replay } from ${JSON.stringify(join(repoRoot, 'src/graph/replay.ts'))};
  const t0 = performance.now();
  const s = await replay({ input: process.argv[1], output: process.argv[2], stages: [] });
  const seconds = (performance.now() - t0) / 1000;
  const u = process.resourceUsage();
  const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
  const maxRssMB = peakRssMB();
  console.log(JSON.stringify({ seconds, cpuSeconds, maxRssMB, messages: s.messagesRead }));
`;

interface Run {
  seconds: number;
  /** User + system CPU of the whole child (start-up included), all threads. */
  cpuSeconds: number;
  maxRssMB: number;
  messages: number;
}

/**
 * Runs `script` in a fresh child process, so both sides start alike (cold, same loader) and peak RSS is the
 * run's own (VmHWM, see the scripts).
 */
function child(script: string, args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'viper-bench-replay-'));
  try {
    const gb = benchNumber('VIPER_BENCH_GB', 2.1);
    const input = join(dir, 'big.mcap');
    const made = await makeRecording(input, gb * 1024 ** 3);
    // Flush the generated file to disk first: gigabytes of its dirty pages would otherwise make the kernel
    // throttle whichever run writes next (the replay), measuring the disk's writeback rather than either side.
    const fd = openSync(input, 'r');
    fsyncSync(fd);
    closeSync(fd);
    const sizeMB = statSync(input).size / 1024 ** 2;
    console.log(
      `generated ${input}: ${sizeMB.toFixed(0)} MiB, ${made} messages (6 cameras, 180 kB incompressible images, zstd chunks)`,
    );

    const reps = benchNumber('VIPER_BENCH_REPS', 2, { integer: true });
    const bases: Run[] = [];
    const replays: Run[] = [];
    for (let i = 0; i < reps; i++) {
      bases.push(child(PLAIN_READ, [input]));
      // A fresh output file each time (deleting the last one drops its dirty pages instead of writing them).
      rmSync(join(dir, 'out.mcap'), { force: true });
      replays.push(child(REPLAY, [input, join(dir, 'out.mcap')]));
    }
    const fmt = (xs: Run[]) =>
      xs.map((x) => `${x.seconds.toFixed(1)} (cpu ${x.cpuSeconds.toFixed(1)})`).join(', ');
    console.log(`runs, wall s (cpu s): plain read ${fmt(bases)}; replay ${fmt(replays)}`);
    // Replay writes every byte again; the kernel's write work runs in libuv's I/O threads beside the main
    // thread, so replay needs about two cores' worth of time where the plain read needs one. On a busy machine
    // (load average ≥ cores) that work cannot overlap and the ratio drops: the load is printed with it.
    console.log(
      `load average (1 min) after the runs: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    );
    const base = bases.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const rep = replays.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const maxRssMB = Math.max(...replays.map((r) => r.maxRssMB));
    const baseMBs = sizeMB / base.seconds;
    const repMBs = sizeMB / rep.seconds;
    console.log(
      `plain @mcap/core indexed read: ${baseMBs.toFixed(0)} MiB/s, ${(base.messages / base.seconds).toFixed(0)} msg/s (${base.seconds.toFixed(1)} s), peak RSS ${Math.max(...bases.map((b) => b.maxRssMB)).toFixed(0)} MB`,
    );
    console.log(
      `viper replay (read + graph + write results): ${repMBs.toFixed(0)} MiB/s, ${(rep.messages / rep.seconds).toFixed(0)} msg/s (${rep.seconds.toFixed(1)} s)`,
    );
    console.log(`replay throughput ratio vs plain read: ${(repMBs / baseMBs).toFixed(2)} (target ≥ 0.8)`);
    console.log(
      `replay peak RSS on a ${(sizeMB / 1024).toFixed(2)} GiB recording: ${maxRssMB.toFixed(0)} MB (target < 300 MB)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
