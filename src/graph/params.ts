/**
 * Perception parameters from a file (`viper replay --params tuned.yaml`, `viper scenarios run --params`): the 2D
 * tracker's and the fusion's settings, each field overriding its default. YAML or JSON, checked with zod before
 * anything runs (an unknown field, with the nearest known one; a value out of range), and recorded in the results
 * file's metadata, so a results file says what it was made with. `viper params` prints every default, a file to
 * start from.
 *
 * @example
 * tracker:
 *   matchThresh: 0.9
 *   trackBuffer: 45
 * fuse:
 *   worldTracker: { maxCoastS: 4 }
 */
import { readFile } from 'node:fs/promises';
import { textInput } from '../io/fileKind.ts';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../contracts/errors.ts';
import { DEFAULT_MEASURE } from '../fuse/measure.ts';
import { MeasureParams, WorldTrackerParams } from '../fuse/params.ts';
import { DEFAULT_WORLD_TRACKER } from '../fuse/worldTracker.ts';
import { nearest } from '../sim/scenario/errors.ts';
import { parseTrackerConfig, TrackerConfig } from '../track/config.ts';
import { TRACK_STAGE_DEFAULTS } from '../track/stage.ts';

/**
 * The tracker's settings less its kind (`--tracker`), every one optional and without its default: zod fills a
 * missing field with its `.default()` even in a `.partial()` object, and a file that names one setting must change
 * that one only (a filled-in `imageWidth: 0` would turn the exit rule off).
 */
const TrackerParams = z.strictObject(
  Object.fromEntries(
    Object.entries(TrackerConfig.omit({ kind: true }).shape).map(([k, v]) => [
      k,
      (v instanceof z.ZodDefault ? v.unwrap() : v).optional(),
    ]),
  ),
) as unknown as z.ZodType<Partial<Omit<TrackerConfig, 'kind'>>>;

export const PerceptionParams = z.strictObject({
  tracker: TrackerParams.optional(),
  fuse: z
    .strictObject({ measure: MeasureParams.optional(), worldTracker: WorldTrackerParams.optional() })
    .optional(),
});
export type PerceptionParams = z.infer<typeof PerceptionParams>;

/**
 * Every parameter at the value replay uses when none is given (the track stage's defaults over the reference's),
 * less the three that replay sets for itself unless a file gives them: `imageWidth` (each camera's own width, for
 * the exit rule; 0 turns it off), `classGroups` (the model card's) and `newTrackMargin` (from the card's
 * `birthThresh`).
 */
export function defaultParams(): {
  tracker: Omit<TrackerConfig, 'kind' | 'imageWidth' | 'classGroups' | 'newTrackMargin'>;
  fuse: { measure: typeof DEFAULT_MEASURE; worldTracker: Omit<typeof DEFAULT_WORLD_TRACKER, 'frameId'> };
} {
  const {
    kind: _kind,
    imageWidth: _width,
    classGroups: _groups,
    newTrackMargin: _margin,
    ...tracker
  } = parseTrackerConfig({ ...TRACK_STAGE_DEFAULTS });
  const { frameId: _frame, ...worldTracker } = DEFAULT_WORLD_TRACKER;
  return { tracker, fuse: { measure: { ...DEFAULT_MEASURE }, worldTracker } };
}

/** The defaults as a YAML file, with a header saying what it is. */
export function defaultParamsYaml(): string {
  return `# viper perception parameters (defaults). Keep the fields you change; give the file to
# viper replay --params <file> or viper scenarios run --params <file>. Meanings: src/track/README.md, src/fuse/README.md.
# Not listed, set by replay unless given: tracker.imageWidth (each camera's width; 0 turns the exit rule off),
# tracker.classGroups (the model card's, e.g. [[car, truck, bus], [pedestrian, cyclist, motorcycle]]) and
# tracker.newTrackMargin (birth threshold − trackThresh: from the model card's birthThresh, else 0.1).
# These are replay's defaults. viper track starts from ByteTrack's reference settings instead (matchThresh 0.8, no
# colour, ground or recovery terms): given this whole file, it tracks as replay does, not as the reference.
${stringifyYaml(defaultParams())}`;
}

/** Read and check a parameter file; one line naming the file and the field on any mistake. */
export async function loadParams(path: string): Promise<PerceptionParams> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError({
      what: code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? 'error'})`,
      where: path,
      hint: 'check the path (`viper params > params.yaml` writes one to start from)',
      cause: err,
    });
  }
  const text = textInput(bytes, path, {
    what: 'a parameter file',
    where: path,
    hint: 'a YAML or JSON mapping with tracker: and fuse: sections (`viper params > params.yaml` writes one)',
  });
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError({
      what: `not YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
      where: path,
      hint: 'a mapping with tracker: and fuse: sections (`viper params` prints one)',
    });
  }
  return paramsFromValue(raw, path);
}

export function paramsFromValue(raw: unknown, where: string): PerceptionParams {
  const r = PerceptionParams.safeParse(withoutEmptySections(raw));
  if (r.success) {
    const t = r.data.tracker;
    if (t !== undefined) {
      // Rules across fields (the colour term's cap and neutral): checked as the tracker will, named by the file.
      try {
        parseTrackerConfig({ ...TRACK_STAGE_DEFAULTS, ...t });
      } catch (err) {
        throw new ConfigError({ what: (err as ConfigError).what, where: `${where}: tracker` });
      }
    }
    return r.data;
  }
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = knownAt(issue.path);
    const guess = nearest(key, known);
    const name = [...issue.path, key].join('.');
    throw new ConfigError({
      what: `unknown parameter '${name}'`,
      where,
      hint:
        NOT_PARAMETERS[name] ??
        (guess
          ? `did you mean '${guess}'?`
          : known.length <= 12
            ? `the parameters here are ${known.join(', ')}`
            : `\`viper params\` lists the ${known.length} parameters here`),
    });
  }
  throw new ConfigError({
    what: `${path || '(top level)'}: ${issue.message}`,
    where,
    hint: '`viper params` prints every parameter with its default',
  });
}

/** Settings that are not parameters of the file, and where they are set instead. */
const NOT_PARAMETERS: Record<string, string> = {
  'tracker.kind': 'the tracker is chosen with --tracker bytetrack|sort',
  'fuse.worldTracker.frameId': "the world objects' frame is the recording's world frame (odom)",
};

/** A section left empty (`tracker:` with every field commented out) is YAML's null: no settings, not an error. */
function withoutEmptySections(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out = { ...(raw as Record<string, unknown>) };
  for (const k of ['tracker', 'fuse']) if (out[k] === null) delete out[k];
  const fuse = out.fuse;
  if (fuse !== null && typeof fuse === 'object' && !Array.isArray(fuse)) {
    const f = { ...(fuse as Record<string, unknown>) };
    for (const k of ['measure', 'worldTracker']) if (f[k] === null) delete f[k];
    out.fuse = f;
  }
  return out;
}

/**
 * A file that sets nothing (empty, or only empty sections): the defaults, so a run with it is the plain run (no
 * metadata, and the suite still compares with its golden files).
 */
export function setsNothing(p: PerceptionParams): boolean {
  const n = (o: object | undefined) => (o === undefined ? 0 : Object.keys(o).length);
  return n(p.tracker) + n(p.fuse?.measure) + n(p.fuse?.worldTracker) === 0;
}

/**
 * A file whose every setting is at its default (the file `viper params` writes, unedited, or a part of it): the run
 * it makes is the default run, so the suite compares it with its golden files. The three fields `viper params`
 * leaves out (`imageWidth`, `classGroups`, `newTrackMargin`) have no fixed default (replay sets them per camera and
 * model card): naming one is a change.
 */
export function setsOnlyDefaults(p: PerceptionParams): boolean {
  return Object.keys(paramChanges(p)).length === 0;
}

/**
 * The settings of a parameter file that differ from their defaults, by dotted path, in the file's order: what a
 * run with it changed (`viper compare` labels runs by it; the whole file, `viper params` unedited, is ~1.5 KB of
 * defaults). A field without a fixed default (`imageWidth`, `classGroups`, `newTrackMargin`) is a change.
 *
 * @example
 * paramChanges({ tracker: { matchThresh: 0.9, trackBuffer: 30 } }); // { 'tracker.matchThresh': 0.9 } (30 is the default)
 */
export function paramChanges(p: PerceptionParams): Record<string, unknown> {
  const d = defaultParams();
  const sections: [string, object | undefined, object][] = [
    ['tracker', p.tracker, d.tracker],
    ['fuse.measure', p.fuse?.measure, d.fuse.measure],
    ['fuse.worldTracker', p.fuse?.worldTracker, d.fuse.worldTracker],
  ];
  return Object.fromEntries(
    sections.flatMap(([name, given, defaults]) =>
      Object.entries(given ?? {})
        .filter(
          ([k, v]) => !(k in defaults && isDeepStrictEqual(v, (defaults as Record<string, unknown>)[k])),
        )
        .map(([k, v]) => [`${name}.${k}`, v]),
    ),
  );
}

/** The field names at a path of the parameter file. */
function knownAt(path: readonly PropertyKey[]): string[] {
  let node: unknown = defaultParams();
  for (const seg of path) node = (node as Record<string, unknown> | undefined)?.[seg as string];
  const keys = node && typeof node === 'object' ? Object.keys(node) : [];
  // The two tracker settings `viper params` leaves out (replay sets them unless a file does) are still fields.
  if (path.length === 1 && path[0] === 'tracker') keys.push('imageWidth', 'classGroups', 'newTrackMargin');
  return keys.sort();
}
