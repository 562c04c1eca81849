/**
 * Many fixed cameras (the city operator's case): FEEDS one-camera recordings (simulated, 640×360, FRAMES frames
 * each) through the bundled model with ByteTrack, replayed at once as feeds around one detector
 * (`viper replay a.mcap b.mcap … -o dir`) against the same recordings replayed one after another, each with its
 * own detector (what one `viper replay` per camera does, minus Node's start-up), and one after another around
 * one detector loaded once, in the same run, alternated. Reports the throughput ratios and how full the shared
 * detector's calls were; then the peak memory replaying these feeds and eight times as many
 * (VIPER_BENCH_MEMORY_FEEDS), each in a process of its own (bench/feedsMemory.ts).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_MODEL } from '../src/detect/card.ts';
import { Detector } from '../src/detect/Detector.ts';
import { type DetectorLike, MAX_CALL_FRAMES } from '../src/detect/shared.ts';
import { buildStages } from '../src/graph/buildStages.ts';
import { replay } from '../src/graph/replay.ts';
import { FEEDS_AT_ONCE, replayFeeds } from '../src/graph/replayFeeds.ts';
import { recordScenario } from '../src/sim/record.ts';
import { scenarioFromValue } from '../src/sim/scenario/load.ts';
import { tinyScenario } from '../test/sim/testing.ts';
import { benchNumber } from './env.ts';

const FEEDS = benchNumber('VIPER_BENCH_FEEDS', 8, { integer: true });
const FRAMES = benchNumber('VIPER_BENCH_FRAMES', 20, { integer: true });
const PASSES = benchNumber('VIPER_BENCH_REPS', 2, { integer: true });
const MEMORY_FEEDS = Math.max(FEEDS, benchNumber('VIPER_BENCH_MEMORY_FEEDS', 8 * FEEDS, { integer: true }));

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'viper-bench-feeds-'));
  let loaded: Detector | undefined;
  try {
    const inputs: string[] = [];
    for (let k = 0; k < FEEDS; k++) {
      const s = tinyScenario({
        name: `cam${k}`,
        seed: 100 + k,
        duration: FRAMES / 10,
        rate: 10,
        rig: { width: 640, height: 360, cameras: [{ id: 'cam', hfov: 70, position: [1.5, 0, 1.5] }] },
      });
      inputs.push(join(dir, `cam${k}.mcap`));
      await recordScenario(scenarioFromValue(s, `cam${k}`).world, inputs[k]!);
    }
    const stageOptions = { detector: 'model' as const, model: BUNDLED_MODEL };
    const oneByOne = async () => {
      for (const [k, input] of inputs.entries()) {
        const { stages, metadata } = await buildStages(stageOptions, input);
        await replay({ input, output: join(dir, `alone${k}.mcap`), stages, metadata });
      }
    };
    // One after another around one detector loaded once (kept open across the feeds): what is left of the
    // gain without the model loads is the batching across feeds and the feeds' overlap.
    const det = await Detector.open({ model: BUNDLED_MODEL });
    loaded = det;
    const keep: DetectorLike = {
      card: det.card,
      executionProvider: det.executionProvider,
      fallbacks: det.fallbacks,
      detect: (f) => det.detect(f),
      describe: () => det.describe(),
      close: async () => {},
    };
    const oneByOneLoaded = async () => {
      for (const [k, input] of inputs.entries()) {
        const opts = { ...stageOptions, openDetector: async () => keep };
        const { stages, metadata } = await buildStages(opts, input);
        await replay({ input, output: join(dir, `loaded${k}.mcap`), stages, metadata });
      }
    };
    let detector: Record<string, unknown> | null = null;
    const together = async () => {
      const r = await replayFeeds({ inputs, outDir: join(dir, 'feeds'), stageOptions });
      if (r.feeds.some((f) => 'error' in f)) throw new Error('a feed failed');
      detector = r.detector;
    };
    const times = { alone: [] as number[], loaded: [] as number[], together: [] as number[] };
    for (let p = 0; p < PASSES; p++) {
      for (const [name, fn] of [
        ['alone', oneByOne],
        ['loaded', oneByOneLoaded],
        ['together', together],
      ] as const) {
        const t0 = performance.now();
        await fn();
        times[name].push((performance.now() - t0) / 1000);
      }
    }
    const best = (xs: number[]) => Math.min(...xs);
    const frames = FEEDS * FRAMES;
    const d = detector as unknown as Record<string, number>;
    process.stdout.write(
      `${FEEDS} one-camera feeds × ${FRAMES} frames (640×360 JPEG), bundled model + ByteTrack + fusion, best of ${PASSES}:\n` +
        `  one after another, a detector each: ${best(times.alone).toFixed(2)} s (${(frames / best(times.alone)).toFixed(1)} frames/s)\n` +
        `  one after another, one detector   : ${best(times.loaded).toFixed(2)} s (${(frames / best(times.loaded)).toFixed(1)} frames/s)\n` +
        `  at once around one detector      : ${best(times.together).toFixed(2)} s (${(frames / best(times.together)).toFixed(1)} frames/s)\n` +
        `  throughput ratio, at once / one after another: ${(best(times.alone) / best(times.together)).toFixed(2)} ` +
        `(a detector each), ${(best(times.loaded) / best(times.together)).toFixed(2)} (one detector)\n` +
        `  shared detector: ${d.frames} frames in ${d.runs} runs from ${d.calls} calls, at most ${d.largestCall} frames in one call; load ${loadavg()[0]!.toFixed(1)}\n`,
    );
    // Memory with many more feeds (copies of these under new names), each count in a process of its own:
    // bounded by the feeds replayed at a time (FEEDS_AT_ONCE) and the frames one detector call carries.
    const many = inputs.flatMap((input, k) =>
      Array.from({ length: Math.ceil(MEMORY_FEEDS / FEEDS) }, (_, c) => {
        const copy = join(dir, `copy${c}-${k}.mcap`);
        copyFileSync(input, copy);
        return copy;
      }),
    );
    const peak = (feeds: string[], out: string) => {
      const child = join(dirname(fileURLToPath(import.meta.url)), 'feedsMemory.ts');
      const r = spawnSync(process.execPath, ['--import', 'tsx', child, join(dir, out), ...feeds], {
        encoding: 'utf8',
      });
      const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as {
        failed: number;
        peakMB: number;
      } | null;
      if (r.status !== 0 || !j || j.failed > 0) throw new Error(`feeds memory child failed: ${r.stderr}`);
      return j.peakMB;
    };
    const few = peak(inputs, 'mem-few');
    const lots = peak(many, 'mem-many');
    process.stdout.write(
      `  peak memory (RSS, a process each): ${few.toFixed(0)} MB replaying ${inputs.length} feeds, ${lots.toFixed(0)} MB ` +
        `replaying ${many.length} (${FEEDS_AT_ONCE} at a time, at most ${MAX_CALL_FRAMES} frames a detector call)\n`,
    );
  } finally {
    await loaded?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
