/**
 * What the benchmarks share about their settings and their memory figures. Settings come from the environment;
 * each is checked here (`VIPER_BENCH_GB=abc` had generated "0 MiB, 0 messages" and printed a ratio as if measured)
 * and listed by `npm run bench -- --help`.
 */
import { readFileSync } from 'node:fs';

/** Every setting: its meaning and default, as --help prints them. */
export const BENCH_SETTINGS: Readonly<Record<string, string>> = {
  VIPER_BENCH_GB: 'replay: size of the generated recording in GiB (default 2.1)',
  VIPER_BENCH_REPS: 'replay, feeds, detect-recording: passes of each side (defaults 2, 2, 7)',
  VIPER_BENCH_IO_MB: 'io: size of the generated file in MB (default 200)',
  VIPER_BENCH_FEEDS: 'feeds: feeds in the throughput rounds (default 8)',
  VIPER_BENCH_FRAMES: 'feeds, detect-recording: frames per recording (defaults 20, 120)',
  VIPER_BENCH_MEMORY_FEEDS: 'feeds: feeds in the memory round (default 8 × VIPER_BENCH_FEEDS)',
  VIPER_BENCH_THREADS:
    "detect, detect-recording, detect-bundled: ONNX Runtime threads (default: the detector's)",
  VIPER_BENCH_TRACK_ONLY: "track: 'rig' runs only the rig-frame part",
};

/**
 * A numeric setting, or `fallback` when unset. Anything that is not a number in range stops the bench with one
 * line (exit 2), as a CLI option would.
 */
export function benchNumber(
  name: string,
  fallback: number,
  o: { min?: number; integer?: boolean } = {},
): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  const min = o.min ?? 0;
  if (!Number.isFinite(v) || v <= min || (o.integer && !Number.isInteger(v))) {
    process.stderr.write(
      `error: ${name}=${JSON.stringify(raw)} is not ${o.integer ? 'an integer' : 'a number'} above ${min} — ${BENCH_SETTINGS[name] ?? ''}\n`,
    );
    process.exit(2);
  }
  return v;
}

/**
 * Peak RSS of this process image in MB: /proc's VmHWM. getrusage's maxRSS would not do: Linux carries the forking
 * parent's high-water mark into a child across exec, so a child reported at least the bench's own peak.
 */
export function peakRssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // no /proc (not Linux): getrusage below
  }
  return process.resourceUsage().maxRSS / 1024;
}
