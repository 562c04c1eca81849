/**
 * Tiny ONNX models built in the test (src/detect/onnxProto.ts, protobufjs), whose outputs are known:
 *   output[b] = C + max(images[b]) · M
 * C and M are given per-image output tensors; max over the whole (normalised) input image lets a test route a
 * distinct, known output to each frame of a batch (black frame → C, white frame with scale 1/255 → C + M).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ModelError } from '../../src/contracts/errors.ts';
import { Detector } from '../../src/detect/index.ts';
import { DataType, type Dim, encodeModel, floatTensor, int64Tensor } from '../../src/detect/onnxProto.ts';

interface TinyModelSpec {
  /** Input [batch, 3, height, width]; batch a number (fixed) or a name (dynamic). */
  batch: Dim;
  width: number;
  height: number;
  /** Per-image output shape (batch excluded), e.g. [4 + C, N]. */
  outDims: number[];
  /** Output for a black image, row-major over outDims. */
  c: ArrayLike<number>;
  /** Added per unit of the image's max input value. */
  m: ArrayLike<number>;
  inputName?: string;
  outputName?: string;
}

/** Serialise the model to ONNX bytes. */
export function buildTinyModel(spec: TinyModelSpec): Uint8Array {
  const input = spec.inputName ?? 'images';
  const output = spec.outputName ?? 'output';
  const perImage = [1, ...spec.outDims];
  return encodeModel({
    nodes: [
      { opType: 'ReduceMax', input: [input], output: ['m'], ints: { axes: [1, 2, 3] }, int: { keepdims: 0 } },
      { opType: 'Unsqueeze', input: ['m', 'axes'], output: ['m3'] },
      { opType: 'Mul', input: ['m3', 'M'], output: ['shift'] },
      { opType: 'Add', input: ['shift', 'C'], output: [output] },
    ],
    initializers: [
      floatTensor('C', perImage, spec.c),
      floatTensor('M', perImage, spec.m),
      int64Tensor(
        'axes',
        [spec.outDims.length],
        spec.outDims.map((_, i) => i + 1),
      ),
    ],
    inputs: [{ name: input, elemType: DataType.FLOAT, shape: [spec.batch, 3, spec.height, spec.width] }],
    outputs: [{ name: output, elemType: DataType.FLOAT, shape: [spec.batch, ...spec.outDims] }],
  });
}

/** A fresh temporary directory for model and card files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'viper-detect-'));
}

/** Write `<dir>/<name>.onnx` and its sibling card `<name>.card.json`; returns the .onnx path. */
export function writeModelWithCard(
  dir: string,
  name: string,
  model: Uint8Array,
  card: Record<string, unknown>,
): string {
  const onnx = join(dir, `${name}.onnx`);
  writeFileSync(onnx, model);
  writeFileSync(
    join(dir, `${name}.card.json`),
    JSON.stringify({ name, model: `${name}.onnx`, ...card }, null, 2),
  );
  return onnx;
}

/**
 * Opens a detector (one thread, quiet) expecting a one-line ModelError, and returns it; a detector that opens
 * anyway is pushed to `opened`, for the caller to close.
 */
export async function expectOpenError(
  options: Parameters<typeof Detector.open>[0],
  opened: Detector[],
): Promise<ModelError> {
  const err = await Detector.open({ threads: 1, log: () => {}, ...options }).then(
    (d) => {
      opened.push(d);
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelError);
  expect((err as Error).message.split('\n')).toHaveLength(1);
  return err as ModelError;
}

/** Card of a 32×32 one-class (person → pedestrian) model with Viper's own head, as the bad-input tests build. */
export const TINY_VIPER_CARD = {
  input: { name: 'images', width: 32, height: 32, colorOrder: 'rgb', scale: 1 / 255 },
  output: { name: 'output', layout: 'viper' },
  classes: ['person'],
  classMap: { person: 'pedestrian' },
  thresholds: { score: 0.3 },
};

/** A tiny `viper`-layout model with one person box per frame: centre (16, 16), 8×8, score 0.9, on 32×32 input. */
export function onePersonModel(): Uint8Array {
  return buildTinyModel({
    batch: 'n',
    width: 32,
    height: 32,
    outDims: [1, 6],
    c: [16, 16, 8, 8, 0.9, 1],
    m: [0, 0, 0, 0, 0, 0],
  });
}
