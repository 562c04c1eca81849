/**
 * Detection throughput on real frames (../shared/data/vtest, YOLOX-Nano from ../shared/models), CPU.
 *  1. end-to-end (JPEG bytes → detections, rigs of six frames, maxBatch 6, one `detect` call per rig) as a ratio
 *     to raw session.run on pre-made input tensors of the same frames, on an identical session, in the same run
 *     (issue #7's ratio over a whole recording is detect-recording.bench.ts);
 *  2. a six-camera rig detected in one call (batched) vs one frame per call (one-at-a-time);
 *  3. for reference, the batched rig with the session on the main thread instead of a worker;
 *  4. where the end-to-end time goes: CPU ms per frame of each step run alone (decode + letterbox, the
 *     preprocessing graph, the model, adapter + NMS), and the ratio the machine's cores allow at best: the
 *     pipeline's CPU work spread perfectly over all cores against the raw run's wall time.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { CameraFrame } from '../src/contracts/camera.ts';
import { adapters } from '../src/detect/adapters/index.ts';
import {
  buildPreprocessModel,
  Detector,
  decodeLetterboxed,
  type Letterboxed,
  loadModelCard,
  nms,
  writeInputTensor,
} from '../src/detect/index.ts';
import { PRE_INPUT } from '../src/detect/preGraph.ts';
import { defaultThreads, sessionOptions } from '../src/detect/session.ts';
import { hasShared, repoRoot, shared } from '../test/shared.ts';
import { median } from './stats.ts';
import { benchNumber } from './env.ts';

const FRAMES = 24;
const RIG = 6;
const PASSES = 3;
// Unset: the detector's default (defaultThreads(), one per core but one), for the baseline too.
const THREADS = process.env.VIPER_BENCH_THREADS
  ? benchNumber('VIPER_BENCH_THREADS', 1, { integer: true })
  : undefined;

export async function run(): Promise<void> {
  if (!hasShared) {
    process.stdout.write('skipped: ../shared (vtest frames, yolox_nano.onnx) is not present\n');
    return;
  }
  const cardPath = join(repoRoot, 'models', 'cards', 'yolox_nano.json');
  const card = await loadModelCard(cardPath);
  const frames: CameraFrame[] = Array.from({ length: FRAMES }, (_, i) => {
    const data = readFileSync(shared('data', 'vtest', `${String(i + 1).padStart(4, '0')}.jpg`));
    const image = { encoding: 'jpeg' as const, width: 0, height: 0, data };
    return {
      feedId: 'vtest',
      cameraId: `cam_${i % RIG}`,
      tNs: BigInt(i),
      image,
      calibration: null,
      transforms: [],
    };
  });
  const rigs: CameraFrame[][] = [];
  for (let i = 0; i < FRAMES; i += RIG) rigs.push(frames.slice(i, i + RIG));

  // Baseline: the model alone on a session with the detector's options, on the main thread, fed float tensors
  // made before the clock starts (decode, letterbox and normalisation all excluded).
  const session = await ort.InferenceSession.create(card.modelPath, sessionOptions('cpu', THREADS));
  const size = 3 * card.input.width * card.input.height;
  const dims = [1, 3, card.input.height, card.input.width];
  const tensors: Float32Array[] = [];
  const letterboxed: Letterboxed[] = [];
  for (const f of frames) {
    const data = new Float32Array(size);
    const lb = await decodeLetterboxed(f.image, card.input);
    writeInputTensor(lb, card.input, data, 0);
    letterboxed.push(lb);
    tensors.push(data);
  }
  const raw = (x: Float32Array) => session.run({ [card.input.name]: new ort.Tensor('float32', x, dims) });
  await raw(tensors[0] as Float32Array);

  const det = await Detector.open({ model: cardPath, threads: THREADS, maxBatch: RIG });
  const inProc = await Detector.open({ model: cardPath, threads: THREADS, maxBatch: RIG, worker: false });
  // Interleaved per rig (raw, batched, one-at-a-time), so load from other processes hits all three alike;
  // figures are medians over rigs × passes of wall ms and of process CPU ms (all threads, libvips included).
  const wall = {
    raw: [] as number[],
    batched: [] as number[],
    single: [] as number[],
    inProc: [] as number[],
  };
  const cpu = {
    raw: [] as number[],
    batched: [] as number[],
    single: [] as number[],
    inProc: [] as number[],
  };
  const ratio = { e2e: [] as number[], batching: [] as number[] };
  const timed = async (fn: () => Promise<void>): Promise<[number, number]> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const c = process.cpuUsage(c0);
    return [performance.now() - t0, (c.user + c.system) / 1000];
  };
  for (let p = 0; p < PASSES; p++) {
    for (const [r, rig] of rigs.entries()) {
      const [rw, rc] = await timed(async () => {
        for (const x of tensors.slice(r * RIG, (r + 1) * RIG)) await raw(x);
      });
      const [bw, bc] = await timed(async () => {
        await det.detect(rig);
      });
      const [sw, sc] = await timed(async () => {
        for (const f of rig) await det.detect([f]);
      });
      const [iw, ic] = await timed(async () => {
        await inProc.detect(rig);
      });
      wall.inProc.push(iw / RIG);
      cpu.inProc.push(ic / RIG);
      wall.raw.push(rw / RIG);
      wall.batched.push(bw / RIG);
      wall.single.push(sw / RIG);
      cpu.raw.push(rc / RIG);
      cpu.batched.push(bc / RIG);
      cpu.single.push(sc / RIG);
      ratio.e2e.push(rw / bw);
      ratio.batching.push(sw / bw);
    }
  }
  await det.close();
  await inProc.close();
  const steps = await stepCosts(card, session, frames, letterboxed, tensors);
  await session.release();

  const f1 = (xs: number[]) => median(xs).toFixed(1);
  const cores = availableParallelism();
  const ceiling = Math.min(1, median(wall.raw) / (median(cpu.batched) / cores));
  const lines = [
    `model ${card.name}, ${FRAMES} frames 768×576 JPEG as ${rigs.length} rigs of ${RIG}, cpu, ${THREADS ?? defaultThreads()} intra-op threads, ${PASSES} passes`,
    '                                      wall ms/frame   cpu ms/frame',
    `raw session.run on pre-made tensors : ${f1(wall.raw).padStart(13)}   ${f1(cpu.raw).padStart(12)}`,
    `end-to-end, rig batched (maxBatch ${RIG}) ${f1(wall.batched).padStart(12)}   ${f1(cpu.batched).padStart(12)}`,
    `end-to-end, one frame per call      : ${f1(wall.single).padStart(13)}   ${f1(cpu.single).padStart(12)}`,
    `end-to-end, rig batched, in-process : ${f1(wall.inProc).padStart(13)}   ${f1(cpu.inProc).padStart(12)}`,
    `end-to-end / raw, one rig per call   : ${median(ratio.e2e).toFixed(3)} (median per rig; issue #7's ratio is detect-recording's)`,
    `batched / one-at-a-time throughput   : ${median(ratio.batching).toFixed(3)} (median per rig)`,
    'each step alone, cpu ms/frame        : ' +
      Object.entries(steps)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', '),
    `best ratio ${cores} cores allow         : ${ceiling.toFixed(3)} (end-to-end cpu ${f1(cpu.batched)} ms/frame spread over ${cores} cores vs raw wall ${f1(wall.raw)} ms)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** CPU ms per frame of each step of the pipeline run alone, in order, on the same frames. */
async function stepCosts(
  card: Awaited<ReturnType<typeof loadModelCard>>,
  session: ort.InferenceSession,
  frames: CameraFrame[],
  letterboxed: Letterboxed[],
  tensors: Float32Array[],
): Promise<Record<string, number>> {
  const { input, output } = card;
  const cpuPerFrame = async (fn: (i: number) => Promise<unknown> | unknown): Promise<number> => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < frames.length; i++) await fn(i);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / frames.length;
  };
  const pre = await ort.InferenceSession.create(buildPreprocessModel(input), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });
  const outs: ort.Tensor[] = [];
  const params = {
    inputW: input.width,
    inputH: input.height,
    numClasses: card.classes.length,
    strides: card.output.strides ?? [],
    scoreThreshold: card.thresholds.score,
    keep: card.classes.map(() => true),
  };
  const dims = [1, input.height, input.width, 3];
  const costs = {
    'decode+letterbox': await cpuPerFrame((i) => decodeLetterboxed((frames[i] as CameraFrame).image, input)),
    'preprocessing graph': await cpuPerFrame((i) =>
      pre.run({ [PRE_INPUT]: new ort.Tensor('uint8', (letterboxed[i] as Letterboxed).pixels, dims) }),
    ),
    model: await cpuPerFrame(async (i) => {
      const x = new ort.Tensor('float32', tensors[i] as Float32Array, [1, 3, input.height, input.width]);
      outs[i] = (await session.run({ [input.name]: x }))[output.name] as ort.Tensor;
    }),
    'adapter+NMS': await cpuPerFrame((i) => {
      const o = outs[i] as ort.Tensor;
      const candidates = adapters[output.layout](o.data as Float32Array, o.dims.slice(1), params);
      return nms(candidates, {
        scoreThreshold: card.thresholds.score,
        iouThreshold: card.thresholds.iou,
        maxDetections: card.thresholds.maxDetections,
      });
    }),
  };
  await pre.release();
  return costs;
}
