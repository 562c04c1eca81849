/**
 * Model cards: the JSON file beside each model that says how to feed it and how to read it (input tensor,
 * colour order, normalisation, letterbox, output layout, class names and their mapping onto Viper's classes,
 * thresholds). Validated with zod on entry; everything downstream trusts the parsed card.
 */
import { decodeText, otherKind } from '../io/fileKind.ts';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { nearest, valueAt } from '../sim/scenario/errors.ts';
import { VIPER_CLASSES, ViperClass } from '../contracts/classes.ts';
import type { PostSpec } from './postprocess.ts';
import { ModelError } from '../contracts/errors.ts';

export const OutputLayout = z.enum(['yolox', 'yolov8', 'viper']);
export type OutputLayout = z.infer<typeof OutputLayout>;

const Triple = z.tuple([z.number(), z.number(), z.number()]);

export const ModelCardSchema = z
  .strictObject({
    name: z.string().min(1),
    /** Path of the .onnx file, relative to the card (or absolute). */
    model: z.string().min(1),
    description: z.string().optional(),
    license: z.string().optional(),
    source: z.string().optional(),
    input: z.strictObject({
      name: z.string().min(1),
      layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      /** Channel order the model expects. */
      colorOrder: z.enum(['rgb', 'bgr']),
      /** value = (pixel · scale − mean[c]) / std[c], channels in the model's colour order. */
      scale: z.number().positive().default(1),
      mean: Triple.default([0, 0, 0]),
      std: Triple.refine((s) => s.every((v) => v > 0), 'std must be > 0').default([1, 1, 1]),
      letterbox: z
        .strictObject({
          /** Where the resized image sits: top-left (YOLOX) or centred (Ultralytics). */
          align: z.enum(['top-left', 'center']).default('top-left'),
          padValue: z.number().int().min(0).max(255).default(114),
        })
        .default({ align: 'top-left', padValue: 114 }),
    }),
    output: z.strictObject({
      name: z.string().min(1),
      layout: OutputLayout,
      /** Grid strides, in output row order (yolox only). */
      strides: z.array(z.number().int().positive()).min(1).optional(),
    }),
    /** The model's class names, by class index. */
    classes: z.array(z.string().min(1)).min(1),
    /** Model class name → Viper class; classes not named here are dropped. */
    classMap: z.record(z.string(), ViperClass),
    /**
     * Viper classes this model confuses with one another (e.g. [["car", "truck", "bus"]]): the tracker lets them
     * continue each other's tracks, so a class flip does not start a new id (TrackerConfig.classGroups).
     */
    classGroups: z.array(z.array(ViperClass).min(2)).optional(),
    /**
     * The score a detection of this model needs to start a track (ByteTrack's birth threshold, the reference's
     * track_thresh + 0.1 = 0.6 unless given): it depends on how the model's scores are calibrated. The command
     * line (`--birth-thresh`, `--track-thresh`) and a `--params` file override it.
     */
    birthThresh: z.number().min(0).max(1).optional(),
    thresholds: z
      .strictObject({
        score: z.number().min(0).max(1).default(0.3),
        // 0 would suppress every box that touches a better one, of whatever size: no NMS a model expects.
        iou: z.number().gt(0).max(1).default(0.45),
        maxDetections: z.number().int().positive().default(300),
        /**
         * Boxes of different classes suppress each other too (YOLOX's demo and Ultralytics' `agnostic_nms`):
         * for models that put a car box and a truck box on one vehicle, which then became two objects.
         */
        classAgnostic: z.boolean().default(false),
      })
      .default({ score: 0.3, iou: 0.45, maxDetections: 300, classAgnostic: false }),
  })
  .superRefine((card, ctx) => {
    if (Object.keys(card.classMap).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['classMap'],
        message: 'classMap maps no class onto a Viper class, so every detection would be dropped',
      });
    }
    card.classes.forEach((name, i) => {
      const first = card.classes.indexOf(name);
      if (first !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['classes', i],
          message: `"${name}" is also class ${first}: the output's class index ${i} would be read as it`,
        });
    });
    for (const name of Object.keys(card.classMap)) {
      if (!card.classes.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['classMap', name], message: `"${name}" is not in classes` });
      }
    }
    if (card.output.layout === 'yolox' && !card.output.strides) {
      ctx.addIssue({ code: 'custom', path: ['output', 'strides'], message: 'yolox layout needs strides' });
    }
    if (card.output.layout !== 'yolox' && card.output.strides) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'strides'],
        message: `a ${card.output.layout} head has no strides (only yolox grid outputs do): it would be ignored`,
      });
    }
  });

/** The fields a card may have at `path` (the top level, `input`, `input.letterbox`, `output`, `thresholds`). */
function knownCardFields(path: readonly PropertyKey[]): string[] {
  let shape: z.ZodType = ModelCardSchema;
  for (const key of path) {
    const inner = unwrap(shape);
    if (!(inner instanceof z.ZodObject)) return [];
    shape = inner.shape[key as string] as z.ZodType;
  }
  const inner = unwrap(shape);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

/** A schema without its default/optional/refinement wrappers. */
function unwrap(t: z.ZodType): z.ZodType {
  let cur: z.ZodType = t;
  for (;;) {
    const def = (cur as unknown as { def: { innerType?: z.ZodType; in?: z.ZodType } }).def;
    const next = def.innerType ?? def.in;
    if (!next) return cur;
    cur = next;
  }
}

export type ModelCard = z.infer<typeof ModelCardSchema> & {
  /** Absolute path of the card file. */
  cardPath: string;
  /** Absolute path of the .onnx file. */
  modelPath: string;
};

const modelsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
/** The bundled detector's card (trained on the simulator; see models/README.md). */
export const BUNDLED_MODEL = join(modelsDir, 'viper-det', 'viper-det.card.json');

/** Where a card for `ref` may live: the path itself, `<name>.card.json` beside an .onnx, or a bundled name. */
function cardCandidates(ref: string): string[] {
  if (extname(ref) === '.onnx') return [join(dirname(ref), `${basename(ref, '.onnx')}.card.json`)];
  if (extname(ref) === '.json') return [ref];
  if (!ref.includes('/') && !ref.includes('\\')) {
    return [join(modelsDir, 'cards', `${ref}.json`), join(modelsDir, `${ref}.card.json`)];
  }
  return [ref];
}

/** The one card (`*.card.json`) in a model's folder (e.g. models/viper-det/); a folder with none or several is refused. */
function cardInFolder(dir: string): string {
  const cards = readdirSync(dir).filter((f) => f.endsWith('.card.json'));
  if (cards.length === 1) return join(dir, cards[0]!);
  throw new ModelError({
    what:
      cards.length === 0
        ? 'is a folder with no model card (*.card.json)'
        : `is a folder with ${cards.length} model cards (${cards.slice(0, 3).join(', ')}${cards.length > 3 ? ', …' : ''})`,
    where: dir,
    hint: 'give the card (.json) or the .onnx beside it',
  });
}

/** Hint for a model or card path that does not exist: the path is wrong, and here is one that is right. */
function checkPathHint(): string {
  const rel = relative(process.cwd(), BUNDLED_MODEL);
  return `check the path; the bundled model is ${rel.startsWith('..') || isAbsolute(rel) ? BUNDLED_MODEL : rel}`;
}

/**
 * Load and validate a model card.
 * @param ref a card path (`*.json`), an `.onnx` with a sibling `<name>.card.json`, or a bundled model's name
 *   (e.g. `yolox_nano` → models/cards/yolox_nano.json).
 * @example const card = await loadModelCard('models/cards/yolox_nano.json');
 */
export async function loadModelCard(ref: string): Promise<ModelCard> {
  if (existsSync(ref) && statSync(ref).isDirectory()) return loadModelCard(cardInFolder(ref));
  const candidates = cardCandidates(ref).map((p) => resolve(p));
  const cardPath = candidates.find((p) => existsSync(p));
  if (!cardPath) {
    // A file that is there but is no card nor model (a recording passed as --model): said as what it is.
    if (existsSync(ref) && statSync(ref).isFile() && !/\.(onnx|json)$/i.test(ref)) {
      const other = otherKind(readHead(ref), ref);
      throw new ModelError({
        what: other ? `${other.what}, not a model` : 'not a model card (.json) or an ONNX model (.onnx)',
        where: ref,
        hint: '--model takes a card (.json), an .onnx beside its <name>.card.json, or a name under models/cards/',
      });
    }
    const isOnnx = extname(ref) === '.onnx';
    if (isOnnx && !existsSync(ref)) {
      throw new ModelError({ what: 'model file not found', where: ref, hint: checkPathHint() });
    }
    throw new ModelError({
      what: 'model card not found',
      where: isOnnx ? ref : candidates.join(' or '),
      hint: isOnnx
        ? `put a card beside the model as ${basename(candidates[0] ?? '')}${existsSync(ref.replace(/\.onnx$/, '.json')) ? ` (${basename(ref.replace(/\.onnx$/, '.json'))} is there: rename it)` : ''}, or pass the card itself; its fields: src/detect/README.md, "Model cards"`
        : extname(ref) === '.json'
          ? checkPathHint()
          : 'give a card path, an .onnx with a sibling <name>.card.json, or a name under models/cards/',
    });
  }
  let raw: unknown;
  const bytes = await readFile(cardPath);
  const other = otherKind(bytes.subarray(0, 16), cardPath);
  if (other)
    throw new ModelError({
      what: `${other.what}, not a model card`,
      where: cardPath,
      hint: '--model takes a card (.json), an .onnx beside its <name>.card.json, or a name under models/cards/',
    });
  // UTF-8 with a byte-order mark, or UTF-16 (decodeText): the mark had been refused as an invisible JSON token.
  const text = decodeText(bytes);
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    // V8 says "at position 14": an editor goes to a line and column.
    const pos = /at position (\d+)/.exec(String(cause));
    const lines = pos ? text.slice(0, Number(pos[1])).split('\n') : [];
    throw new ModelError({
      what: 'model card is not valid JSON',
      where: pos ? `${cardPath}:${lines.length}:${lines[lines.length - 1]!.length + 1}` : cardPath,
      hint: String(cause),
      cause,
    });
  }
  const parsed = ModelCardSchema.safeParse(raw);
  if (!parsed.success) {
    // A misspelt field would otherwise be dropped without a word and its default used; it is named first, since
    // the field it was meant to be is then also missing.
    const issues = parsed.error.issues;
    const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
    if (first?.code === 'unrecognized_keys') {
      const key = first.keys[0]!;
      const name = [...first.path, key].join('.');
      const guess = nearest(key, knownCardFields(first.path));
      throw new ModelError({
        what: `invalid model card: unknown field '${name}'`,
        where: cardPath,
        hint: guess ? `did you mean '${guess}'?` : 'see src/detect/README.md for the card fields',
      });
    }
    // zod words a missing field as a wrong value ("Invalid option: expected one of …"), and a wrong one without
    // quoting it: say which it is.
    const given = first ? valueAt(raw, first.path) : undefined;
    const why =
      first === undefined
        ? 'schema mismatch'
        : given === undefined
          ? `missing (${first.message.replace(/, received undefined$/, '')})`
          : `${first.message} (got ${JSON.stringify(given)?.slice(0, 60)})`;
    throw new ModelError({
      what: `invalid model card: ${why}`,
      where: `${cardPath} at ${first?.path.join('.') || '(root)'}`,
      hint: `${parsed.error.issues.length} issue(s); see src/detect/README.md for the card fields`,
    });
  }
  const modelPath = isAbsolute(parsed.data.model)
    ? parsed.data.model
    : resolve(dirname(cardPath), parsed.data.model);
  if (!existsSync(modelPath)) {
    throw new ModelError({
      what: 'model file not found',
      where: modelPath,
      hint: `the card ${cardPath} names it as "${parsed.data.model}" (relative to the card)`,
    });
  }
  if (statSync(modelPath).isDirectory()) {
    // ONNX Runtime said "The model path is a directory", under "no execution provider could load the model".
    const onnx = readdirSync(modelPath).filter((f) => f.endsWith('.onnx'));
    throw new ModelError({
      what: "the card's model path is a folder, not an .onnx file",
      where: modelPath,
      hint: `the card ${cardPath} names it as "${parsed.data.model}" (relative to the card): name the .onnx file${onnx.length === 1 ? `, e.g. "${join(parsed.data.model, onnx[0]!)}"` : ''}`,
    });
  }
  return { ...parsed.data, cardPath, modelPath };
}

/** Class index → Viper class (undefined: dropped), in the model's class order. */
export function classTable(card: Pick<ModelCard, 'classes' | 'classMap'>): (ViperClass | undefined)[] {
  return card.classes.map((name) => card.classMap[name]);
}

/** The first bytes of a file (what it is, for a refusal). */
function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(16);
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** The card's adapter, its pre-NMS filter and NMS thresholds, for the runner (postprocess.ts). */
export function postSpec(card: ModelCard): PostSpec {
  const classOf = classTable(card);
  return {
    layout: card.output.layout,
    params: {
      inputW: card.input.width,
      inputH: card.input.height,
      numClasses: card.classes.length,
      strides: card.output.strides ?? [],
      scoreThreshold: card.thresholds.score,
      keep: classOf.map((c) => c !== undefined),
    },
    nms: {
      scoreThreshold: card.thresholds.score,
      iouThreshold: card.thresholds.iou,
      maxDetections: card.thresholds.maxDetections,
      classAgnostic: card.thresholds.classAgnostic,
      // Per Viper class: model classes mapped to one (COCO car and truck → car) suppress each other.
      groupOf: classOf.map((c, i) => (c === undefined ? -1 - i : VIPER_CLASSES.indexOf(c))),
    },
  };
}
