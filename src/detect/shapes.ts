/**
 * Check a session's declared inputs and outputs against its card, so a model that contradicts its card fails
 * at open with the numbers, not later with a garbled decode.
 */
import type * as ort from 'onnxruntime-node';
import { ModelError } from '../contracts/errors.ts';
import { expectedOutputDims } from './adapters/index.ts';
import type { ModelCard } from './card.ts';
import type { SessionMeta } from './runner.ts';

interface ModelShapes {
  /** Batch size the model requires, or null when the batch dimension is dynamic. */
  fixedBatch: number | null;
  /** Output shape per image (batch excluded) the card implies; null entries are free. */
  outputDims: (number | null)[];
}

type Dim = number | string;

function tensorShape(
  meta: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): readonly Dim[] | null {
  const m = meta.find((v) => v.name === name);
  return m?.isTensor ? m.shape : null;
}

function tensorType(meta: readonly ort.InferenceSession.ValueMetadata[], name: string): string | null {
  const m = meta.find((v) => v.name === name);
  return m?.isTensor ? m.type : null;
}

function fmt(shape: readonly (Dim | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Throws ModelError naming the first contradiction between the session and the card. */
export function checkShapes(session: SessionMeta, card: ModelCard): ModelShapes {
  const where = `${card.modelPath} (card ${card.cardPath})`;
  const { input, output } = card;
  if (!session.inputNames.includes(input.name)) {
    throw new ModelError({
      what: `model has no input "${input.name}" (it has ${session.inputNames.join(', ')})`,
      where,
      hint: 'fix input.name in the card',
    });
  }
  // Viper feeds the one image tensor: a second input (an original-size tensor) failed at the warm-up with ORT's
  // "input 'orig_size' is missing in 'feeds'".
  if (session.inputNames.length > 1) {
    throw new ModelError({
      what: `model has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); Viper feeds one, the image "${input.name}"`,
      where,
      hint: 'export the model with the image as its only input (fold fixed values such as the input size into the graph)',
    });
  }
  if (!session.outputNames.includes(output.name)) {
    throw new ModelError({
      what: `model has no output "${output.name}" (it has ${session.outputNames.join(', ')})`,
      where,
      hint: 'fix output.name in the card',
    });
  }
  // The preprocessing graph feeds float32 and the adapters read float32: a float16 or int8 model would fail only
  // at its first run, after the recording was opened and frames decoded.
  for (const [kind, name, meta] of [
    ['input', input.name, session.inputMetadata],
    ['output', output.name, session.outputMetadata],
  ] as const) {
    const type = tensorType(meta, name);
    if (type !== null && type !== 'float32') {
      throw new ModelError({
        what: `${kind} "${name}" is ${type}, Viper runs models with float32 ${kind}s`,
        where,
        hint: 'export the model with float32 inputs and outputs (a float16 or quantized model can keep float32 I/O, e.g. keep_io_types)',
      });
    }
  }
  const inShape = tensorShape(session.inputMetadata, input.name) ?? [];
  const want: Dim[] =
    input.layout === 'NCHW'
      ? ['batch', 3, input.height, input.width]
      : ['batch', input.height, input.width, 3];
  const inputOk =
    inShape.length === 4 &&
    want.every((d, i) => i === 0 || typeof inShape[i] !== 'number' || inShape[i] === d);
  if (!inputOk) {
    throw new ModelError({
      what: `input "${input.name}" is ${fmt(inShape)} but the card says ${fmt(want)} (${input.layout})`,
      where,
      hint: 'fix input.width/height/layout in the card, or use the model the card was written for',
    });
  }
  const fixedBatch = typeof inShape[0] === 'number' && inShape[0] > 0 ? inShape[0] : null;
  const outputDims = expectedOutputDims(
    output.layout,
    input.width,
    input.height,
    card.classes.length,
    output.strides,
  );
  const outShape = tensorShape(session.outputMetadata, output.name) ?? [];
  checkOutputDims(outShape, outputDims, card, where);
  return { fixedBatch, outputDims };
}

/** Output dims (batch included) against what the layout implies; symbolic dims pass until a run shows them. */
export function checkOutputDims(
  actual: readonly Dim[],
  expected: readonly (number | null)[],
  card: ModelCard,
  where: string,
): void {
  const ok =
    actual.length === expected.length + 1 &&
    expected.every((d, i) => d === null || typeof actual[i + 1] !== 'number' || actual[i + 1] === d);
  if (!ok) {
    throw new ModelError({
      what: `output "${card.output.name}" is ${fmt(actual)} but a ${card.output.layout} head with ${card.classes.length} classes needs ${fmt(['batch', ...expected])}`,
      where,
      hint: 'check output.layout, output.strides, the classes list and the input size in the card',
    });
  }
}
