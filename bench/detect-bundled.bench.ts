/**
 * The bundled detector (models/viper-det) on simulated 960×540 JPEG camera frames, CPU:
 *  1. one frame per `Detector.detect` call (decode + letterbox + preprocess graph + model + decode + NMS), wall
 *     and process-CPU ms per frame; issue #7 asks ≤ 25 ms per 960×540 frame on the project's machines;
 *  2. a six-camera rig in one call (batched), ms per frame;
 *  3. the baseline, measured in the same run: raw session.run of the model alone on pre-made input tensors.
 *     Ratios against it say how much the pipeline around the model costs.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Detector, decodeLetterboxed, loadModelCard, writeInputTensor } from '../src/detect/index.ts';
import { sessionOptions } from '../src/detect/session.ts';
import { repoRoot } from '../test/shared.ts';
import { median } from './stats.ts';
import { urbanRigFrames } from './benchScene.ts';
import { benchNumber } from './env.ts';

const THREADS = benchNumber('VIPER_BENCH_THREADS', 1, { integer: true });
const PASSES = 3;

/** Wall and process-CPU milliseconds of `fn`. */
async function timed(fn: () => Promise<unknown>): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
}

export async function run(): Promise<void> {
  const cardPath = join(repoRoot, 'models', 'viper-det', 'viper-det.card.json');
  const card = await loadModelCard(cardPath);
  const frames = await urbanRigFrames(960, 540, [20, 40]);
  const session = await ort.InferenceSession.create(card.modelPath, sessionOptions('cpu', THREADS));
  const dims = [1, 3, card.input.height, card.input.width];
  const tensors: Float32Array[] = [];
  for (const f of frames) {
    const data = new Float32Array(3 * card.input.width * card.input.height);
    writeInputTensor(await decodeLetterboxed(f.image, card.input), card.input, data, 0);
    tensors.push(data);
  }
  const raw = (x: Float32Array) => session.run({ [card.input.name]: new ort.Tensor('float32', x, dims) });
  const det = await Detector.open({ model: cardPath, threads: THREADS, maxBatch: 6 });
  for (const [i, f] of frames.entries()) {
    await raw(tensors[i] as Float32Array);
    await det.detect([f]);
  }
  const wall = { raw: [] as number[], single: [] as number[], rig: [] as number[] };
  const cpu = { raw: [] as number[], single: [] as number[] };
  // Interleaved per rig so load from other processes hits all three alike.
  for (let p = 0; p < PASSES; p++) {
    for (let r = 0; r < frames.length; r += 6) {
      const rig = frames.slice(r, r + 6);
      for (let i = r; i < r + rig.length; i++) {
        const [w, c] = await timed(() => raw(tensors[i] as Float32Array));
        wall.raw.push(w);
        cpu.raw.push(c);
      }
      for (const f of rig) {
        const [w, c] = await timed(() => det.detect([f]));
        wall.single.push(w);
        cpu.single.push(c);
      }
      const [w] = await timed(() => det.detect(rig));
      wall.rig.push(w / rig.length);
    }
  }
  await det.close();
  await session.release();
  const f = (v: number) => v.toFixed(2).padStart(7);
  const single = median(wall.single);
  process.stdout.write(
    `viper-det ${card.input.width}×${card.input.height} input, ${frames.length} frames 960×540 JPEG, ` +
      `${PASSES} passes, ${THREADS} ORT thread(s); medians, ms per frame\n` +
      `  model alone (baseline)      wall ${f(median(wall.raw))}  cpu ${f(median(cpu.raw))}\n` +
      `  Detector, one frame a call  wall ${f(single)}  cpu ${f(median(cpu.single))}  ` +
      `(${(single / median(wall.raw)).toFixed(2)}× baseline; target ≤ 25 ms: ${single <= 25 ? 'met' : 'NOT met'})\n` +
      `  Detector, rig of six        wall ${f(median(wall.rig))}  ` +
      `(${(median(wall.rig) / median(wall.raw)).toFixed(2)}× baseline)\n`,
  );
}
