/**
 * Issue #7's pipeline benchmark: end-to-end detection throughput over a recording as a ratio to raw
 * session.run on pre-made tensors of the same frames, in the same run (target ≥ 0.85: the pipeline adds under
 * 15 %). YOLOX-Nano (../shared/models) on the real vtest frames (../shared/data/vtest, 768×576 JPEG), CPU.
 *
 * End-to-end is `replay` of a recording made by `viper import` with the detect stage alone: MCAP read, frame
 * assembly, batching, JPEG decode + letterbox, preprocessing graph, model, adapter, NMS, annotations written
 * to a results MCAP. Raw is the model alone on a session with the detector's options, on the main thread, fed
 * float tensors made before the clock starts, one run per frame (the model's batch is fixed at 1), as the
 * detector runs it. Passes alternate so load from other processes hits both alike.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importFrames } from '../src/cli/importFrames.ts';
import {
  createDetectStage,
  Detector,
  decodeLetterboxed,
  loadModelCard,
  writeInputTensor,
} from '../src/detect/index.ts';
import { defaultThreads, sessionOptions } from '../src/detect/session.ts';
import { replay } from '../src/graph/replay.ts';
import { hasShared, repoRoot, shared } from '../test/shared.ts';
import { median } from './stats.ts';
import { benchNumber } from './env.ts';

const FRAMES = benchNumber('VIPER_BENCH_FRAMES', 120, { integer: true });
const PASSES = benchNumber('VIPER_BENCH_REPS', 7, { integer: true });
const THREADS = process.env.VIPER_BENCH_THREADS
  ? benchNumber('VIPER_BENCH_THREADS', 1, { integer: true })
  : undefined;

export async function run(): Promise<void> {
  if (!hasShared) {
    process.stdout.write('skipped: ../shared (vtest frames, yolox_nano.onnx) is not present\n');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'viper-bench-detect-'));
  try {
    await measure(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(dir: string): Promise<void> {
  const cardPath = join(repoRoot, 'models', 'cards', 'yolox_nano.json');
  const card = await loadModelCard(cardPath);
  // The first FRAMES frames of vtest, imported as `viper import <folder>` does.
  const folder = join(dir, 'frames');
  mkdirSync(folder);
  const files = readdirSync(shared('data', 'vtest'))
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, FRAMES);
  for (const f of files) symlinkSync(shared('data', 'vtest', f), join(folder, f));
  const recording = join(dir, 'vtest.mcap');
  await importFrames({ source: folder, output: recording, camera: 'cam', startNs: 0n, hfovDeg: 60 });
  const images = files.map((f) => ({
    encoding: 'jpeg' as const,
    width: 0,
    height: 0,
    data: readFileSync(join(folder, f)),
  }));

  const size = 3 * card.input.width * card.input.height;
  const dims = [1, 3, card.input.height, card.input.width];
  const tensors: Float32Array[] = [];
  for (const image of images) {
    const data = new Float32Array(size);
    writeInputTensor(await decodeLetterboxed(image, card.input), card.input, data, 0);
    tensors.push(data);
  }
  const session = await ort.InferenceSession.create(card.modelPath, sessionOptions('cpu', THREADS));
  const raw = async () => {
    for (const x of tensors) await session.run({ [card.input.name]: new ort.Tensor('float32', x, dims) });
  };
  await raw();

  const detector = await Detector.open({ model: cardPath, threads: THREADS });
  // replay closes its stages at the end; the detector is kept open across passes.
  const stage = { ...createDetectStage(detector), close: undefined };
  const endToEnd = async (pass: number) => {
    const s = await replay({ input: recording, output: join(dir, `out${pass}.mcap`), stages: [stage] });
    if (s.cameraFrames !== files.length)
      throw new Error(`replay saw ${s.cameraFrames} of ${files.length} frames`);
    return s.cameraFrames;
  };
  await endToEnd(-1);

  const rows: string[] = [];
  const ratios: number[] = [];
  const ceilings: number[] = [];
  for (let p = 0; p < PASSES; p++) {
    const [rawMs, rawCpu] = await timed(raw);
    let frames = 0;
    const [e2eMs, e2eCpu] = await timed(async () => {
      frames = await endToEnd(p);
    });
    const rawPer = rawMs / tensors.length;
    const e2ePer = e2eMs / frames;
    ratios.push(rawPer / e2ePer);
    // The pipeline's CPU work spread perfectly over every core, against the raw run's wall time.
    ceilings.push(Math.min(1, rawPer / (e2eCpu / frames / availableParallelism())));
    rows.push(
      `pass ${p + 1}: raw ${rawPer.toFixed(1)} ms/frame (cpu ${(rawCpu / tensors.length).toFixed(1)}), ` +
        `end-to-end ${e2ePer.toFixed(1)} ms/frame (cpu ${(e2eCpu / frames).toFixed(1)}), ratio ${(rawPer / e2ePer).toFixed(3)}, load ${loadavg()[0]?.toFixed(1)}`,
    );
  }
  await detector.close();
  await session.release();
  process.stdout.write(
    `${[
      `model ${card.name}, recording of ${files.length} vtest frames (768×576 JPEG, one camera), replay with the detect stage only, cpu, ${THREADS ?? defaultThreads()} intra-op threads, ${availableParallelism()} cores`,
      ...rows,
      `end-to-end / raw throughput: ${median(ratios).toFixed(3)} (median of ${PASSES} passes; target ≥ 0.85)`,
      `best ratio the cores allow: ${median(ceilings).toFixed(3)} (end-to-end CPU time spread perfectly over ${availableParallelism()} cores)`,
    ].join('\n')}\n`,
  );
}

async function timed(fn: () => Promise<void>): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return [performance.now() - t0, (c.user + c.system) / 1000];
}
