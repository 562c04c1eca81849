/**
 * `viper compare <a.results.mcap> <b.results.mcap>`: two replays of one recording (another tracker, a tuned
 * `--params` file, another model) scored as `viper eval` scores them, side by side with the change from A to B.
 * B is scored against A's ground truth, so results replayed from different recordings are refused (evalMcap's
 * check), not compared.
 */
import type { Command } from 'commander';
import { ConfigError, InputError } from '../../contracts/errors.ts';
import type { EvalReport, SequenceMetrics } from '../../eval/index.ts';
import { DEFAULT_SCORE } from '../../eval/scenarios/index.ts';
import { RecordingReader } from '../../io/index.ts';
import { evalMcap } from '../evalMcap.ts';
import { recoverElsewhere, withDamageHint } from '../recover.ts';
import { notWholeRun, replayMetadata } from '../interrupted.ts';
import { action, printJson } from '../run.ts';
import { sameFile } from '../paths.ts';
import { numberArg, unitArg } from '../args.ts';
import { paramChanges, paramsFromValue } from '../../graph/params.ts';

/** One compared figure: `unit` says what its values are; `higherIsBetter` which way is an improvement. */
interface Figure {
  metric: string;
  unit: 'fraction' | 'count';
  higherIsBetter: boolean;
  of: (r: EvalReport) => number | undefined;
}

export interface ComparedFigure {
  metric: string;
  /**
   * 'fraction': 0–1, as `viper eval --json` gives it (the table prints it as a percentage); 'count': a number of
   * boxes or switches. It said '%' beside values such as 0.69.
   */
  unit: Figure['unit'];
  a: number | null;
  b: number | null;
  /** b − a (null when either is missing). */
  delta: number | null;
  /** Which run the figure favours: '=' when equal, null when either run lacks it (it had read '=', a tie). */
  better: 'a' | 'b' | '=' | null;
}

/**
 * A run's sequence: its metrics, 'empty' where the run scored the others but had no row here (a camera with
 * neither ground truth nor tracks: nothing counted), or undefined where the run has no such figure at all.
 */
type Picked = SequenceMetrics | 'empty' | undefined;

/**
 * The tracking figures of one sequence. A score (HOTA, MOTA, IDF1) of a sequence without ground truth is no
 * figure (`-` in both columns): the evaluator follows TrackEval, which gives HOTA 0 and IDF1 0 to false positives
 * alone and leaves out a camera with no row at all, so a camera without ground truth had read `-` for the run with
 * no track there and 0.0 for the run with false positives on it, as if one run scored worse on a score neither
 * has. Counts stay counts: an empty sequence has 0 switches, false positives and misses.
 */
function tracking(name: string, pick: (r: EvalReport) => Picked): Figure[] {
  const fig = (
    metric: string,
    unit: Figure['unit'],
    higherIsBetter: boolean,
    f: (m: SequenceMetrics) => number,
  ) => ({
    metric: `${name} ${metric}`,
    unit,
    higherIsBetter,
    of: (r: EvalReport) => {
      const m = pick(r);
      if (m === undefined) return undefined;
      if (unit === 'count') return m === 'empty' ? 0 : f(m);
      return m === 'empty' || m.Count.GT_Dets === 0 ? undefined : f(m);
    },
  });
  return [
    fig('HOTA', 'fraction', true, (m) => m.HOTA.HOTA),
    fig('MOTA', 'fraction', true, (m) => m.CLEAR.MOTA),
    fig('IDF1', 'fraction', true, (m) => m.Identity.IDF1),
    fig('IDSW', 'count', false, (m) => m.CLEAR.IDSW),
    fig('FP', 'count', false, (m) => m.CLEAR.CLR_FP),
    fig('FN', 'count', false, (m) => m.CLEAR.CLR_FN),
  ];
}

/** The figures compared: 2D overall and per camera, detection AP of the track boxes, the fused world objects. */
function figures(a: EvalReport, b: EvalReport): Figure[] {
  const cameras = [
    ...new Set([...Object.keys(a.tracking?.perCamera ?? {}), ...Object.keys(b.tracking?.perCamera ?? {})]),
  ].sort();
  return [
    ...tracking('2D', (r) => r.tracking?.overall),
    { metric: 'AP50', unit: 'fraction', higherIsBetter: true, of: (r) => r.detection?.mAP50 },
    ...tracking('world', (r) => r.bev?.metrics),
    { metric: 'world AMOTA', unit: 'fraction', higherIsBetter: true, of: (r) => r.bev?.amota.AMOTA },
    ...cameras.flatMap((cam) =>
      tracking(cam, (r) => (r.tracking ? (r.tracking.perCamera[cam] ?? 'empty') : undefined)).filter((f) =>
        /HOTA|IDF1|IDSW$/.test(f.metric),
      ),
    ),
  ];
}

export function compareReports(a: EvalReport, b: EvalReport): ComparedFigure[] {
  return figures(a, b).map((f) => {
    const x = f.of(a);
    const y = f.of(b);
    const ok = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
    const delta = ok(x) && ok(y) ? y - x : null;
    const better = delta === null ? null : delta === 0 ? '=' : delta > 0 === f.higherIsBetter ? 'b' : 'a';
    return { metric: f.metric, unit: f.unit, a: ok(x) ? x : null, b: ok(y) ? y : null, delta, better };
  });
}

function formatCompared(
  rows: readonly ComparedFigure[],
  a: string,
  b: string,
  settings: { a: string; b: string },
): string {
  const show = (r: ComparedFigure, v: number | null, signed = false) => {
    if (v === null) return '-';
    const s = r.unit === 'fraction' ? (100 * v).toFixed(1) : String(v);
    return signed && v > 0 ? `+${s}` : s;
  };
  const width = Math.max(14, ...rows.map((r) => r.metric.length + 1));
  const run = (path: string, how: string) => (how ? `${path} (${how})` : path);
  const out = [
    `A ${run(a, settings.a)}`,
    `B ${run(b, settings.b)}`,
    `  ${'metric'.padEnd(width)}       A       B       Δ`,
  ];
  for (const r of rows) {
    const mark = r.better === 'b' ? '  B better' : r.better === 'a' ? '  A better' : '';
    out.push(
      `  ${r.metric.padEnd(width)}${show(r, r.a).padStart(8)}${show(r, r.b).padStart(8)}${show(r, r.delta, true).padStart(8)}${mark}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** How a run was made, from its `viper` metadata: a label for the table, and the parameter file it was given. */
interface RunSettings {
  /** `oracle, sort, no fusion, params tracker.matchThresh=0.9`: what A and B differ in. */
  label: string;
  /** The parameter file's values as replay recorded them (null: none given). */
  params: unknown;
  /** The run's `viper` metadata, for the settings the label leaves out (below). */
  meta: Meta;
}

/**
 * Recorded settings that change a run's results and are not in the label, each with when it applies (the stage it
 * sets ran): named only where A and B differ and it applies to both (two runs that differed in `--tiles` or
 * `--track-thresh` alone had read as the same label; one without fusion has no range cue to differ in).
 */
type Meta = Record<string, string>;
const model = (m: Meta) => m.detector === 'model';
const tracked = (m: Meta) => m.tracker !== undefined && m.tracker !== 'none';
const SETTINGS_IF_DIFFERENT: [string, (m: Meta) => boolean][] = [
  ['model', model],
  ['modelSha256', model],
  ['tiles', model],
  ['executionProvider', model],
  ['trackThresh', tracked],
  ['birthThresh', tracked],
  ['appearance', (m) => m.tracker === 'bytetrack'],
  ['rangeCue', (m) => m.fuse === 'true'],
  ['worldFrame', tracked],
  ['egoFrame', tracked],
];

/** Each run's label with the settings of SETTINGS_IF_DIFFERENT in which A and B differ (`trackThresh 0.4`). */
function labelsOf(a: RunSettings, b: RunSettings): { a: string; b: string } {
  const differ = SETTINGS_IF_DIFFERENT.filter(
    ([k, applies]) => applies(a.meta) && applies(b.meta) && a.meta[k] !== b.meta[k],
  ).map(([k]) => k);
  const label = (r: RunSettings) => {
    const value = (k: string) => {
      const v = r.meta[k];
      // Recorded only when given: unrecorded is the default (untiled, the colour term on, odom, …).
      return v === undefined ? 'default' : k === 'modelSha256' ? `${v.slice(0, 12)}…` : v;
    };
    const more = differ.map((k) => `${k} ${value(k)}`);
    return [r.label, ...more].filter((x) => x !== '').join(', ');
  };
  return { a: label(a), b: label(b) };
}

/** A whole replay (refused otherwise), and how it was run, from its `viper` metadata: what A and B differ in. */
async function checkWhole(path: string, which: string): Promise<RunSettings> {
  const reader = await RecordingReader.open(path);
  try {
    const notWhole = await notWholeRun(reader);
    if (notWhole !== undefined)
      throw new InputError({
        what: `${which} is ${notWhole}`,
        where: path,
        hint: 'compare two whole replays of one recording',
      });
    return settingsOf((await replayMetadata(reader)) ?? {});
  } finally {
    await reader.close();
  }
}

/** The parameters a label names at most; `--json` gives the whole file under `params`. */
const MAX_PARAMS_SHOWN = 4;

/** `oracle, bytetrack, params …`: the run's detector, tracker and what its command line or file changed. */
function settingsOf(m: Record<string, string>): RunSettings {
  let params: unknown = null;
  if (m.params) {
    try {
      params = JSON.parse(m.params);
    } catch {
      params = m.params;
    }
  }
  const label = [
    m.detector === 'model' && m.modelCard ? `model ${m.modelCard}` : m.detector,
    m.tracker,
    m.fuse === 'false' ? 'no fusion' : undefined,
    m.params ? paramsLabel(params) : undefined,
  ]
    .filter((x) => x !== undefined && x !== '')
    .join(', ');
  return { label, params, meta: m };
}

/**
 * The parameters a run's file changed from their defaults, `params tracker.matchThresh=0.9 …`: the whole file had
 * been printed, ~1.5 KB of one-line JSON for `viper params` unedited, which changes nothing.
 */
function paramsLabel(recorded: unknown): string {
  let changes: Record<string, unknown>;
  try {
    changes = paramChanges(paramsFromValue(recorded, 'params'));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Another viper's file (a field this one does not know): not read here; --json has it as recorded.
    return 'params (not read by this viper: --json gives them)';
  }
  const entries = Object.entries(changes).map(
    ([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
  );
  if (entries.length === 0) return 'params at their defaults';
  const more = entries.length - MAX_PARAMS_SHOWN;
  return `params ${entries.slice(0, MAX_PARAMS_SHOWN).join(' ')}${more > 0 ? ` (+${more} more: --json gives them)` : ''}`;
}

/** eval's errors name its own option (--gt); here the two runs are what the user gave. */
function rehint(a: string, b: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof InputError && err.what.startsWith('results were replayed from another recording'))
      throw new InputError({
        what: `A and B were replayed from different recordings (${err.what.replace(/^.*: /, '').replaceAll("--gt's", "A's")})`,
        where: `${a} vs ${b}`,
        hint: 'compare two replays of one recording',
      });
    if (err instanceof InputError && err.hint?.includes('--gt'))
      throw new InputError({
        what: err.what,
        where: err.where,
        hint: 'compare two results files of viper replay on a simulated or imported recording (they carry its ground truth)',
      });
    throw err;
  };
}

export function register(program: Command): void {
  program
    .command('compare')
    .description(
      "score two replays of one recording (another tracker, tuned --params, another model) side by side: eval's main figures (2D, AP50, world, per camera) with the change from A to B",
    )
    .argument('<a>', 'results.mcap of one replay')
    .argument('<b>', 'results.mcap of another replay of the same recording')
    .option(
      '--min-height <px>',
      "ground truth shorter than this (px) is don't-care, with the tracks on it; in the world (BEV) scores, so is an actor no camera sees at least this tall (as scenarios run --min-height)",
      String(DEFAULT_SCORE.minHeightPx),
    )
    .option(
      '--min-visibility <f>',
      'ground truth less visible than this is not scored (0–1; as scenarios run --min-visibility)',
      String(DEFAULT_SCORE.minVisibility),
    )
    .option('--json', 'print the figures as JSON')
    .action(
      action(
        withDamageHint(
          recoverElsewhere('`viper compare`'),
          async (a: string, b: string, o: { json?: boolean; minHeight: string; minVisibility: string }) => {
            // The suite's scoring by default; a suite run with other sizes is compared with its own.
            const opts = {
              threshold: DEFAULT_SCORE.iou,
              convention: 'trackeval' as const,
              minHeightPx: numberArg('--min-height', o.minHeight, { min: 0 }),
              minVisibility: unitArg('--min-visibility', o.minVisibility),
              matchDistanceM: DEFAULT_SCORE.matchDistanceM,
            };
            const runs = { a: await checkWhole(a, 'A'), b: await checkWhole(b, 'B') };
            const settings = labelsOf(runs.a, runs.b);
            // Said, not refused: a script comparing a run with a baseline may meet the baseline itself.
            if (sameFile(a, b))
              process.stderr.write(`note: A and B are the same file (${a}): every change reads 0\n`);
            const ra = await evalMcap(a, a, opts, false, undefined, false).catch(rehint(a, b));
            // Against A's ground truth: results of another recording are refused there.
            const rb = await evalMcap(b, a, opts, false, undefined, false).catch(rehint(a, b));
            // B was scored at A's stamps: a run cut short would be scored as missing what it never replayed.
            if (ra.run && rb.run && ra.run.rigFrames !== rb.run.rigFrames)
              throw new InputError({
                what: `A has ${ra.run.rigFrames} rig frames and B ${rb.run.rigFrames}: one replay covers less of the recording`,
                where: `${a} vs ${b}`,
                hint: 'compare two whole replays of one recording',
              });
            const rows = compareReports(ra, rb);
            if (o.json)
              printJson({ a, b, settings, params: { a: runs.a.params, b: runs.b.params }, figures: rows });
            else process.stdout.write(formatCompared(rows, a, b, settings));
            return 0;
          },
        ),
      ),
    );
}
