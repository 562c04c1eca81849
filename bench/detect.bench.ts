/**
 * Detection throughput on real frames (../shared/data/vtest, YOLOX-Nano from ../shared/models), CPU.
 *  1. end-to-end (JPEG bytes → detections, rigs of six frames, maxBatch 6) as a ratio to raw session.run on
 *     pre-made input tensors of the same frames, on an identical session, in the same run (target ≥ 0.85);
 *  2. a six-camera rig detected in one call (batched) vs one frame per call (one-at-a-time);
 *  3. for reference, the batched rig with the session on the main thread instead of a worker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { CameraFrame } from '../src/contracts/camera.ts';
import { Detector, decodeLetterboxed, loadModelCard, writeInputTensor } from '../src/detect/index.ts';
import { sessionOptions } from '../src/detect/session.ts';
import { hasShared, repoRoot, shared } from '../test/shared.ts';

const FRAMES = 24;
const RIG = 6;
const PASSES = 3;
const THREADS = Number(process.env.VIPER_BENCH_THREADS ?? 2);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

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
  for (const f of frames) {
    const data = new Float32Array(size);
    writeInputTensor(await decodeLetterboxed(f.image, card.input), card.input, data, 0);
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
  await session.release();

  const f1 = (xs: number[]) => median(xs).toFixed(1);
  const lines = [
    `model ${card.name}, ${FRAMES} frames 768×576 JPEG as ${rigs.length} rigs of ${RIG}, cpu, ${THREADS} intra-op threads, ${PASSES} passes`,
    '                                      wall ms/frame   cpu ms/frame',
    `raw session.run on pre-made tensors : ${f1(wall.raw).padStart(13)}   ${f1(cpu.raw).padStart(12)}`,
    `end-to-end, rig batched (maxBatch ${RIG}) ${f1(wall.batched).padStart(12)}   ${f1(cpu.batched).padStart(12)}`,
    `end-to-end, one frame per call      : ${f1(wall.single).padStart(13)}   ${f1(cpu.single).padStart(12)}`,
    `end-to-end, rig batched, in-process : ${f1(wall.inProc).padStart(13)}   ${f1(cpu.inProc).padStart(12)}`,
    `end-to-end / raw throughput          : ${median(ratio.e2e).toFixed(3)} (median per rig; target ≥ 0.85)`,
    `batched / one-at-a-time throughput   : ${median(ratio.batching).toFixed(3)} (median per rig)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
