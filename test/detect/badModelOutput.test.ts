/** Odd models: non-finite outputs are no detections; non-float32 I/O and empty class maps fail at open, on one line. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Detector } from '../../src/detect/index.ts';
import { encodeModel, floatTensor, int64Tensor, type NodeSpec } from '../../src/detect/onnxProto.ts';
import { postprocess } from '../../src/detect/postprocess.ts';
import { uniformRgb } from './frames.ts';
import {
  buildTinyModel,
  expectOpenError,
  TINY_VIPER_CARD,
  tempDir,
  writeModelWithCard,
} from './tinyModel.ts';

const dir = tempDir();
const card = TINY_VIPER_CARD;
/** A viper-head model whose one row is `row` (cx, cy, w, h, objectness, class score) for every image. */
const oneRow = (name: string, row: number[]) =>
  writeModelWithCard(
    dir,
    name,
    buildTinyModel({ batch: 'n', width: 32, height: 32, outDims: [1, 6], c: row, m: row.map(() => 0) }),
    card,
  );
const opened: Detector[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

async function detectOnce(model: string) {
  const det = await Detector.open({ model, threads: 1, log: () => {} });
  opened.push(det);
  const [r] = await det.detect([uniformRgb('c0', 64, 48, 90)]);
  return r!;
}

const openError = (model: string) => expectOpenError({ model }, opened);

describe('model outputs with NaN or Inf', () => {
  it('are no detections (an infinite box used to become a whole-image box, an infinite score a sure one)', async () => {
    expect((await detectOnce(oneRow('finite', [16, 16, 8, 8, 0.9, 1]))).detections).toHaveLength(1);
    for (const [name, row] of [
      ['infW', [16, 16, Number.POSITIVE_INFINITY, 8, 0.9, 1]],
      ['infObj', [16, 16, 8, 8, Number.POSITIVE_INFINITY, 1]],
      ['nanCx', [Number.NaN, 16, 8, 8, 0.9, 1]],
      ['nanObj', [16, 16, 8, 8, Number.NaN, 1]],
    ] as const) {
      const r = await detectOnce(oneRow(name, [...row]));
      expect(r.error, name).toBeUndefined();
      expect(r.detections, name).toEqual([]);
    }
  });

  it('are dropped before NMS, where they would sort and suppress unpredictably', () => {
    const rows = [
      [16, 16, 8, 8, 0.9, 1],
      [16, 16, Number.NEGATIVE_INFINITY, 8, 0.95, 1],
      [16, 16, 8, 8, Number.POSITIVE_INFINITY, 1],
    ];
    const spec = {
      layout: 'viper' as const,
      params: { inputW: 32, inputH: 32, numClasses: 1, scoreThreshold: 0.3, keep: [true] },
      nms: { scoreThreshold: 0.3, iouThreshold: 0.45, maxDetections: 10 },
    };
    const [kept] = postprocess(Float32Array.from(rows.flat()), [1, 3, 6], spec);
    expect(kept).toEqual([{ x1: 12, y1: 12, x2: 20, y2: 20, score: expect.closeTo(0.9, 6), classIndex: 0 }]);
  });

  it('a head with no rows at all gives no detections and no error', async () => {
    const empty = buildTinyModel({ batch: 'n', width: 32, height: 32, outDims: [0, 6], c: [], m: [] });
    const r = await detectOnce(writeModelWithCard(dir, 'norows', empty, card));
    expect(r).toMatchObject({ detections: [] });
    expect(r.error).toBeUndefined();
  });
});

describe('models Viper cannot feed or read', () => {
  /** The tiny model with a Cast after a non-float32 input and/or before a non-float32 output. */
  function castModel(name: string, inType: number, outType: number): string {
    const row = [16, 16, 8, 8, 0.9, 1];
    const nodes: NodeSpec[] = [
      ...(inType === 1 ? [] : [{ opType: 'Cast', input: ['images'], output: ['x'], int: { to: 1 } }]),
      {
        opType: 'ReduceMax',
        input: [inType === 1 ? 'images' : 'x'],
        output: ['m'],
        ints: { axes: [1, 2, 3] },
        int: { keepdims: 0 },
      },
      { opType: 'Unsqueeze', input: ['m', 'axes'], output: ['m3'] },
      { opType: 'Mul', input: ['m3', 'M'], output: ['shift'] },
      { opType: 'Add', input: ['shift', 'C'], output: [outType === 1 ? 'output' : 'y'] },
      ...(outType === 1 ? [] : [{ opType: 'Cast', input: ['y'], output: ['output'], int: { to: outType } }]),
    ];
    const bytes = encodeModel({
      nodes,
      initializers: [
        floatTensor('C', [1, 1, 6], row),
        floatTensor('M', [1, 1, 6], [0, 0, 0, 0, 0, 0]),
        int64Tensor('axes', [2], [1, 2]),
      ],
      inputs: [{ name: 'images', elemType: inType, shape: ['n', 3, 32, 32] }],
      outputs: [{ name: 'output', elemType: outType, shape: ['n', 1, 6] }],
    });
    return writeModelWithCard(dir, name, bytes, card);
  }
  const FLOAT = 1;
  const INT8 = 3;
  const FLOAT16 = 10;

  it('a float16 or int8 input or output fails at open, not at the first run after the recording opened', async () => {
    expect((await openError(castModel('f16in', FLOAT16, FLOAT))).what).toBe(
      'input "images" is float16, Viper runs models with float32 inputs',
    );
    expect((await openError(castModel('i8in', INT8, FLOAT))).what).toMatch(/^input "images" is int8/);
    expect((await openError(castModel('f16out', FLOAT, FLOAT16))).what).toBe(
      'output "output" is float16, Viper runs models with float32 outputs',
    );
    expect((await detectOnce(castModel('f32', FLOAT, FLOAT))).detections).toHaveLength(1);
  });

  it('a model with a second input (an original-size tensor) fails at open naming both', async () => {
    const two = encodeModel({
      nodes: [
        {
          opType: 'ReduceMax',
          input: ['images'],
          output: ['m'],
          ints: { axes: [1, 2, 3] },
          int: { keepdims: 0 },
        },
        { opType: 'Unsqueeze', input: ['m', 'axes'], output: ['m3'] },
        { opType: 'Mul', input: ['m3', 'C'], output: ['output'] },
      ],
      initializers: [floatTensor('C', [1, 1, 6], [16, 16, 8, 8, 0.9, 1]), int64Tensor('axes', [2], [1, 2])],
      inputs: [
        { name: 'images', elemType: 1, shape: ['n', 3, 32, 32] },
        { name: 'orig_size', elemType: 1, shape: ['n', 2] },
      ],
      outputs: [{ name: 'output', elemType: 1, shape: ['n', 1, 6] }],
    });
    const e = await openError(writeModelWithCard(dir, 'twoin', two, card));
    expect(e.what).toBe('model has 2 inputs (images, orig_size); Viper feeds one, the image "images"');
  });

  it('a card whose classMap maps nothing (every detection dropped) is an invalid card', async () => {
    oneRow('nomap', [16, 16, 8, 8, 0.9, 1]);
    writeFileSync(
      join(dir, 'nomap.card.json'),
      JSON.stringify({ ...card, name: 'nomap', model: 'nomap.onnx', classMap: {} }),
    );
    const e = await openError(join(dir, 'nomap.card.json'));
    expect(e.what).toMatch(/classMap maps no class/);
    expect(e.where).toContain('classMap');
  });
});

describe('models whose batch axis is dynamic in name only', () => {
  const row = [16, 16, 8, 8, 0.9, 1];
  /** Nodes from the (dynamic-batch) input to `x1`, a [1, 1] tensor whatever the batch, then out = C + 0·x1. */
  const singleBatch = (name: string, toOne: NodeSpec[]) =>
    writeModelWithCard(
      dir,
      name,
      encodeModel({
        nodes: [
          ...toOne,
          { opType: 'Mul', input: ['x1', 'zero'], output: ['z'] },
          { opType: 'Unsqueeze', input: ['z', 'ax2'], output: ['z3'] },
          { opType: 'Add', input: ['z3', 'C'], output: ['output'] },
        ],
        initializers: [
          floatTensor('C', [1, 1, 6], row),
          floatTensor('zero', [1], [0]),
          int64Tensor('ax2', [1], [2]),
          int64Tensor('flat', [2], [1, -1]),
        ],
        inputs: [{ name: 'images', elemType: 1, shape: ['n', 3, 32, 32] }],
        outputs: [{ name: 'output', elemType: 1, shape: ['n', 1, 6] }],
      }),
      card,
    );

  it.each([
    // torch's `B + 0 * x.mean()`: one output row for any batch (four frames in six lost their boxes, exit 0).
    [
      'an output that ignores the input batch',
      [
        {
          opType: 'ReduceMean',
          input: ['images'],
          output: ['mean'],
          int: { keepdims: 1 },
          ints: { axes: [0, 1, 2, 3] },
        },
        { opType: 'Reshape', input: ['mean', 'flat'], output: ['x1'] },
      ],
    ],
    // A reshape to batch 1 fails at batch 2 (the results file was begun before it failed).
    [
      'a reshape to batch 1',
      [
        { opType: 'Reshape', input: ['images', 'flat'], output: ['r'] },
        { opType: 'ReduceMax', input: ['r'], output: ['x1'], int: { keepdims: 1 }, ints: { axes: [1] } },
      ],
    ],
  ] as [string, NodeSpec[]][])(
    '%s: found at warm-up, run one image at a time, every frame detected',
    async (label, nodes) => {
      const model = singleBatch(label.replace(/\W+/g, '_'), nodes);
      const lines: string[] = [];
      const det = await Detector.open({ model, threads: 1, maxBatch: 6, log: (l) => lines.push(l) });
      opened.push(det);
      expect(det.fixedBatch).toBe(1);
      expect(lines.join('\n')).toMatch(
        /declares a dynamic batch but does not run two images at once .*: running one image at a time/,
      );
      const frames = Array.from({ length: 6 }, (_, i) => uniformRgb(`c${i}`, 64, 48, 90));
      const out = await det.detect(frames);
      expect(out.map((r) => r.detections.length)).toEqual([1, 1, 1, 1, 1, 1]);
    },
  );
});

describe('NMS per Viper class', () => {
  it('two model classes mapped to one Viper class suppress each other on one object; mapped apart they do not', async () => {
    // A car row (0.8) and a truck row (0.7) on one box, in Viper's own head: cx, cy, w, h, objectness, car, truck.
    const rows = [16, 16, 8, 8, 1, 0.8, 0, 16.5, 16, 8, 8, 1, 0, 0.7];
    const model = buildTinyModel({
      batch: 'n',
      width: 32,
      height: 32,
      outDims: [2, 7],
      c: rows,
      m: rows.map(() => 0),
    });
    const two = { ...card, classes: ['car', 'truck'] };
    const merged = await detectOnce(
      writeModelWithCard(dir, 'cartruck1', model, { ...two, classMap: { car: 'car', truck: 'car' } }),
    );
    expect(merged.detections.map((d) => [d.cls, d.score])).toEqual([['car', expect.closeTo(0.8, 5)]]);
    const apart = await detectOnce(
      writeModelWithCard(dir, 'cartruck2', model, { ...two, classMap: { car: 'car', truck: 'truck' } }),
    );
    expect(apart.detections.map((d) => d.cls).sort()).toEqual(['car', 'truck']);
  });
});
