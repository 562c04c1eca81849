/**
 * Tiled detection (`replay --tiles`): what the extra model runs cost. The bundled detector on a simulated
 * six-camera rig at 1600×900 (nuScenes' image size) in one `Detector.detect` call, untiled (the baseline, measured
 * in the same run) and with 2x1 and 2x2 tiles, interleaved pass by pass so load from other processes hits all alike.
 * Printed: ms per camera frame, the ratio to untiled, the ratio per model image (1 + cols × rows images a frame:
 * near 1 when the tiles cost what a whole frame does) and the detections found.
 */
import { join } from 'node:path';
import { Detector } from '../src/detect/index.ts';
import type { TileGrid } from '../src/detect/tiles.ts';
import { repoRoot } from '../test/shared.ts';
import { benchNumber } from './env.ts';
import { median } from './stats.ts';
import { urbanRigFrames } from './benchScene.ts';

const THREADS = benchNumber('VIPER_BENCH_THREADS', 1, { integer: true });
const PASSES = 9;

export async function run(): Promise<void> {
  const model = join(repoRoot, 'models', 'viper-det', 'viper-det.card.json');
  const frames = await urbanRigFrames(1600, 900, [40]);
  const settings: [string, TileGrid | undefined][] = [
    ['untiled', undefined],
    ['2x1', { cols: 2, rows: 1, overlap: 0.2 }],
    ['2x2', { cols: 2, rows: 2, overlap: 0.2 }],
  ];
  const dets = await Promise.all(
    settings.map(([, tiles]) =>
      Detector.open({ model, threads: THREADS, maxBatch: 6, ...(tiles ? { tiles } : {}) }),
    ),
  );
  try {
    const found = await Promise.all(
      dets.map(async (d) => (await d.detect(frames)).flatMap((r) => r.detections)),
    );
    const ms = settings.map(() => [] as number[]);
    const ratio = settings.map(() => [] as number[]);
    for (let p = 0; p < PASSES; p++) {
      const pass: number[] = [];
      for (const d of dets) {
        const t0 = performance.now();
        await d.detect(frames);
        pass.push((performance.now() - t0) / frames.length);
      }
      pass.forEach((t, i) => {
        ms[i]!.push(t);
        ratio[i]!.push(t / pass[0]!);
      });
    }
    process.stdout.write(
      `bundled model, six 1600×900 JPEG frames per call, ${THREADS} intra-op thread(s), median of ${PASSES} passes:\n`,
    );
    settings.forEach(([name, tiles], i) => {
      const images = 1 + (tiles ? tiles.cols * tiles.rows : 0);
      const r = median(ratio[i]!);
      process.stdout.write(
        `  ${name.padEnd(8)} ${median(ms[i]!).toFixed(1)} ms/frame, ${r.toFixed(2)}× untiled, ` +
          `${(r / images).toFixed(2)}× per model image (${images} a frame); ${found[i]!.length} detections\n`,
      );
    });
  } finally {
    for (const d of dets) await d.close();
  }
}
