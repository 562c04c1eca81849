/** Bad input gives one clear ModelError line (or, for a bad frame, a counted per-frame error). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/contracts/errors.ts';
import { Detector, loadModelCard } from '../../src/detect/index.ts';
import { ortReason } from '../../src/detect/session.ts';
import { frame } from './frames.ts';
import {
  onePersonModel,
  expectOpenError,
  TINY_VIPER_CARD,
  tempDir,
  writeModelWithCard,
} from './tinyModel.ts';

const dir = tempDir();
const card = TINY_VIPER_CARD;
// One person box per frame: centre (16, 16), 8×8, score 0.9.
const good = onePersonModel();
const goodPath = writeModelWithCard(dir, 'good', good, card);
const opened: Detector[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

const openError = (options: Parameters<typeof Detector.open>[0]) => expectOpenError(options, opened);

describe('opening a model', () => {
  it('missing model: .onnx path, card pointing nowhere, unknown bundled name', async () => {
    const missing = await openError({ model: join(dir, 'nothing.onnx') });
    expect(missing.what).toBe('model file not found');
    // The model itself is missing: the hint is about the path, not about a card beside it.
    expect(missing.hint).toMatch(/^check the path; the bundled model is \S*viper-det\.card\.json$/);
    writeFileSync(join(dir, 'cardless.onnx'), good);
    const cardless = await openError({ model: join(dir, 'cardless.onnx') });
    expect(cardless.what).toBe('model card not found');
    expect(cardless.hint).toBe(
      'put a card beside the model as cardless.card.json, or pass the card itself; its fields: src/detect/README.md, "Model cards"',
    );
    // A card beside it under the plain .json name is pointed at.
    writeFileSync(join(dir, 'cardless.json'), '{}');
    expect((await openError({ model: join(dir, 'cardless.onnx') })).hint).toMatch(
      /as cardless\.card\.json \(cardless\.json is there: rename it\)/,
    );
    expect((await openError({ model: join(dir, 'nothing.card.json') })).hint).toMatch(/^check the path/);
    writeFileSync(
      join(dir, 'orphan.card.json'),
      JSON.stringify({ ...card, name: 'orphan', model: 'gone.onnx' }),
    );
    const e = await openError({ model: join(dir, 'orphan.card.json') });
    expect(e.what).toBe('model file not found');
    expect(e.where).toContain('gone.onnx');
    expect((await openError({ model: 'no_such_model' })).what).toBe('model card not found');
  });

  it('a card whose model path is a folder says so, not that no execution provider could load it', async () => {
    mkdirSync(join(dir, 'weights'), { recursive: true });
    writeFileSync(join(dir, 'weights', 'det.onnx'), good);
    writeFileSync(
      join(dir, 'infolder.card.json'),
      JSON.stringify({ ...card, name: 'infolder', model: 'weights' }),
    );
    const e = await openError({ model: join(dir, 'infolder.card.json') });
    expect(e.what).toBe("the card's model path is a folder, not an .onnx file");
    expect(e.where).toBe(join(dir, 'weights'));
    expect(e.hint).toBe(
      `the card ${join(dir, 'infolder.card.json')} names it as "weights" (relative to the card): name the .onnx file, e.g. "weights/det.onnx"`,
    );
  });

  it('a file that is not ONNX', async () => {
    writeModelWithCard(dir, 'text', new TextEncoder().encode('this is not a model\n'), card);
    const e = await openError({ model: join(dir, 'text.onnx') });
    expect(e.what).toBe('file is not an ONNX model');
    // A long path must not crowd ORT's telling words out of the shortened reason.
    const long = 'y'.repeat(120);
    writeModelWithCard(dir, long, new TextEncoder().encode('this is not a model\n'), card);
    expect((await openError({ model: join(dir, `${long}.onnx`) })).what).toBe('file is not an ONNX model');
  });

  it('a model whose shapes contradict its card', async () => {
    writeModelWithCard(dir, 'size', good, { ...card, input: { ...card.input, width: 416, height: 416 } });
    expect((await openError({ model: join(dir, 'size.onnx') })).what).toMatch(
      /input "images" is \[n, 3, 32, 32\] but the card says/,
    );
    writeModelWithCard(dir, 'classes', good, {
      ...card,
      classes: ['person', 'car'],
      classMap: { person: 'pedestrian' },
    });
    expect((await openError({ model: join(dir, 'classes.onnx') })).what).toMatch(
      /output "output" is \[n, 1, 6\] but a viper head with 2 classes needs \[batch, \?, 7\]/,
    );
    writeModelWithCard(dir, 'name', good, { ...card, input: { ...card.input, name: 'pixels' } });
    expect((await openError({ model: join(dir, 'name.onnx') })).what).toBe(
      'model has no input "pixels" (it has images)',
    );
  });

  it('an invalid card names the field', async () => {
    writeFileSync(
      join(dir, 'bad.card.json'),
      JSON.stringify({ ...card, name: 'bad', model: 'good.onnx', classMap: { person: 'alien' } }),
    );
    const e = await openError({ model: join(dir, 'bad.card.json') });
    expect(e.where).toContain('classMap.person');
    expect(e.what).toMatch(/\(got "alien"\)$/);
    // A missing field is said to be missing (zod words it as a wrong option).
    const { colorOrder: _c, ...noColour } = card.input;
    writeFileSync(
      join(dir, 'nocol.card.json'),
      JSON.stringify({ ...card, name: 'nocol', model: 'good.onnx', input: noColour }),
    );
    const nc = await openError({ model: join(dir, 'nocol.card.json') });
    expect([nc.what, nc.where]).toEqual([
      expect.stringMatching(/^invalid model card: missing \(/),
      expect.stringMatching(/at input\.colorOrder$/),
    ]);
    // Invalid JSON: where as file:line:column.
    writeFileSync(join(dir, 'json.card.json'), '{\n  "name": "x",,\n}\n');
    expect((await openError({ model: join(dir, 'json.card.json') })).where).toMatch(/json\.card\.json:2:15$/);
    // A class named twice (its second index would be read as the first) and an NMS IoU of 0 are refused too.
    const classes = [...card.classes];
    classes[1] = classes[0]!;
    writeFileSync(
      join(dir, 'dup.card.json'),
      JSON.stringify({ ...card, name: 'dup', model: 'good.onnx', classes }),
    );
    const dup = await openError({ model: join(dir, 'dup.card.json') });
    expect(`${dup.what} ${dup.where}`).toMatch(new RegExp(`"${classes[0]}" is also class 0.*classes\\.1`));
    writeFileSync(
      join(dir, 'iou0.card.json'),
      JSON.stringify({
        ...card,
        name: 'iou0',
        model: 'good.onnx',
        thresholds: { ...card.thresholds, iou: 0 },
      }),
    );
    expect((await openError({ model: join(dir, 'iou0.card.json') })).where).toContain('thresholds.iou');
    // Strides on a head that has none (the tiny card's is viper) would be ignored without a word.
    {
      writeFileSync(
        join(dir, 'strides.card.json'),
        JSON.stringify({
          ...card,
          name: 'strides',
          model: 'good.onnx',
          output: { ...card.output, strides: [8, 16, 32] },
        }),
      );
      const st = await openError({ model: join(dir, 'strides.card.json') });
      expect(`${st.what} ${st.where}`).toMatch(/has no strides .*output\.strides/);
    }
  });

  it('an unknown provider', async () => {
    const e = await openError({ model: goodPath, ep: ['cpu', 'npu'] });
    expect(e.what).toBe('unknown execution provider "npu"');
  });

  it('falls back along the provider list with a line, and records the one that ran', async () => {
    const lines: string[] = [];
    const det = await Detector.open({
      model: goodPath,
      ep: ['cuda,cpu'],
      threads: 1,
      log: (l) => lines.push(l),
    });
    opened.push(det);
    if (det.executionProvider === 'cpu') {
      // No CUDA libraries here: one line says so and names the fallback.
      expect(det.fallbacks).toEqual([expect.stringMatching(/^cuda \(.+\)$/)]);
      expect(lines[0]).toMatch(/^detect: execution provider cuda did not load \(.+\); falling back to cpu$/);
    } else {
      expect(det.executionProvider).toBe('cuda');
      expect(lines).toEqual([]);
    }
    expect(det.describe().executionProvider).toBe(det.executionProvider);
  });

  it('a provider list where none loads: one short line naming each and its reason, and the fallback to add', async () => {
    const err = await Detector.open({ model: goodPath, ep: ['tensorrt'], threads: 1, log: () => {} }).then(
      (d) => {
        opened.push(d);
        return null;
      },
      (e: unknown) => e,
    );
    if (err === null) return; // TensorRT libraries present: nothing to report.
    expect(err).toBeInstanceOf(ModelError);
    const e = err as ModelError;
    expect(e.what).toMatch(/^no execution provider could load the model \(tensorrt: [^\n]+\)$/);
    expect(e.what).not.toMatch(/onnxruntime_src|\.cc:\d+/);
    // Missing GPU libraries also get the README's install step (test/detect/gpuLibraries.test.ts).
    expect(e.hint).toMatch(/(^|\) or )add cpu to --ep as a fallback, e.g. --ep tensorrt,cpu$/);
    expect(e.message.length).toBeLessThan(300 + goodPath.length + (e.hint?.length ?? 0));
  });

  it('a misspelt card field is refused (its default would be used unseen), with the nearest field', async () => {
    const typo = (name: string, over: object) => {
      const path = join(dir, `${name}.card.json`);
      writeFileSync(path, JSON.stringify({ ...card, name, model: 'good.onnx', ...over }));
      return loadModelCard(path).then(
        () => null,
        (e: unknown) => e as ModelError,
      );
    };
    const top = await typo('typo-top', { clases: card.classes, classes: undefined });
    expect([top?.what, top?.hint]).toEqual([
      "invalid model card: unknown field 'clases'",
      "did you mean 'classes'?",
    ]);
    const nested = await typo('typo-nested', { thresholds: { scor: 0.5 } });
    expect([nested?.what, nested?.hint]).toEqual([
      "invalid model card: unknown field 'thresholds.scor'",
      "did you mean 'score'?",
    ]);
    const deep = await typo('typo-deep', { input: { ...card.input, letterbox: { algin: 'center' } } });
    expect(deep?.what).toBe("invalid model card: unknown field 'input.letterbox.algin'");
  });

  it('loads a card beside an .onnx the same as the card itself, and one saved with a byte-order mark', async () => {
    const a = await loadModelCard(goodPath);
    const b = await loadModelCard(join(dir, 'good.card.json'));
    expect(a).toEqual(b);
    expect(a.modelPath).toBe(goodPath);
    const bom = join(dir, 'bom.card.json');
    writeFileSync(bom, `\uFEFF${readFileSync(join(dir, 'good.card.json'), 'utf8')}`);
    expect(await loadModelCard(bom)).toEqual({ ...a, cardPath: bom });
  });

  it("a model's folder: its one card, else a line saying what the folder holds", async () => {
    const one = join(dir, 'one');
    mkdirSync(one);
    writeModelWithCard(one, 'good', good, card);
    expect((await loadModelCard(one)).modelPath).toBe(join(one, 'good.onnx'));
    // The bundled model by its folder, as a user may well type it.
    expect((await loadModelCard('models/viper-det')).name).toBe('viper-det');
    const none = join(dir, 'none');
    mkdirSync(none);
    const e = await openError({ model: none });
    expect([e.what, e.where, e.hint]).toEqual([
      'is a folder with no model card (*.card.json)',
      none,
      'give the card (.json) or the .onnx beside it',
    ]);
    // `dir` holds several cards (this file's models): named, not read as JSON (EISDIR).
    expect((await openError({ model: dir })).what).toMatch(/^is a folder with \d+ model cards \(/);
  });
});

describe('a corrupt frame', () => {
  it('is skipped and counted; the rest of the batch goes on', async () => {
    const det = await Detector.open({ model: goodPath, threads: 1, maxBatch: 4 });
    opened.push(det);
    const jpeg = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .jpeg()
      .toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 3));
    const garbage = new Uint8Array(500).fill(0x5a);
    const frames = [
      frame('c0', jpeg, 'jpeg'),
      frame('c1', truncated, 'jpeg'),
      frame('c2', jpeg, 'jpeg'),
      frame('c3', garbage, 'jpeg'),
      frame('c4', jpeg, 'jpeg'),
    ];
    const res = await det.detect(frames);
    expect(res.map((r) => r.error === undefined)).toEqual([true, false, true, false, true]);
    expect(res[1]?.error).toMatch(/^cannot decode jpeg: /);
    expect(res[1]?.detections).toEqual([]);
    // 64×48 → 32×24 at the top left: the 8×8 box at (16, 16) maps to (24..40, 24..40) in the image.
    for (const i of [0, 2, 4]) {
      expect(res[i]?.detections).toEqual([
        {
          cameraId: `c${i}`,
          cls: 'pedestrian',
          score: expect.closeTo(0.9, 6),
          box: { x1: 24, y1: 24, x2: 40, y2: 40 },
        },
      ]);
    }
    expect(det.stats).toEqual({ frames: 5, decodeErrors: 2, runs: 2 });
  });
});

describe("ORT's reason on one line", () => {
  it('keeps the reason of an enforce failure, without source location, signature or condition', () => {
    const webgpu =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
    expect(ortReason(new Error(webgpu))).toBe('Failed to get a WebGPU adapter: No supported adapters');
  });

  it('drops the entry point name of a provider whose library is missing', () => {
    expect(
      ortReason(new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library')),
    ).toBe('Failed to load shared library');
  });

  it('drops the path of a model that failed to load (the error line names it), leaves other messages alone, and cuts long ones at a word', () => {
    expect(
      ortReason(new Error(`Load model from /tmp/${'x'.repeat(150)}.onnx failed:Protobuf parsing failed.`)),
    ).toBe('Protobuf parsing failed');
    const long = ortReason(new Error(`${'word '.repeat(60)}end`));
    expect(long.length).toBeLessThanOrEqual(121);
    expect(long).toMatch(/^word( word)+…$/);
  });
});
