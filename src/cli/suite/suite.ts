/**
 * The scenario regression suite: validates the model card (for the model detector) and every scenario file
 * first (bad input stops the suite before it runs anything), runs them in at most `jobs` worker processes,
 * compares each with its golden file, and returns outcomes in file order (whatever order the workers finish in).
 *
 * @example
 * const suite = await runSuite({ files: ['scenarios/night_street.yaml'], outDir: 'out/scenarios', quick: true });
 * await writeReports(suite, 'out/scenarios');
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, ViperError } from '../../contracts/errors.ts';
import { loadModelCard } from '../../detect/card.ts';
import { type TileGrid, tilesLabel } from '../../detect/tiles.ts';
import { BUNDLED_MODEL } from '../../graph/buildStages.ts';
import type { PerceptionParams } from '../../graph/params.ts';
import { type LoadedScenario, loadScenario, refuseSameNames } from '../../sim/scenario/load.ts';
import {
  compareGolden,
  type GoldenComparison,
  goldenPath,
  readGolden,
  writeGolden,
} from '../../eval/scenarios/golden.ts';
import type { ScenarioOutcome, SuiteResult } from '../../eval/scenarios/types.ts';
import type { PipelineOptions, ScenarioProgress, StageHook } from './pipeline.ts';
import { DEFAULT_SCORE } from '../../eval/scenarios/metricTable.ts';
import { DEFAULT_WORLD_MATCH_M, type ScoreRunOptions } from '../../eval/scenarios/score.ts';
import type { WorkerProgress, WorkerReply, WorkerRequest } from './worker.ts';
import { onInterrupt } from '../run.ts';
import { makeDirs } from '../../io/makeDirs.ts';
import { failureLines, goldenOf } from './goldenLines.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
/** Where golden files live by default. */
export const GOLDEN_DIR = join(repoRoot, 'recordings', 'golden');
/** The bundled scenarios (the default of `scenarios run` and `demo`). */
export const SCENARIO_DIR = join(repoRoot, 'scenarios');

/**
 * Whether `recordings/golden` holds this file's golden results: only the bundled scenarios' (it is keyed by
 * scenario name, so a user's copy of highway_cut_in.yaml, edited, was compared with the bundled one's figures,
 * and the hint to accept them would have overwritten it).
 */
export function isBundledScenario(file: string): boolean {
  return resolve(dirname(file)) === SCENARIO_DIR;
}

export interface SuiteOptions {
  files: string[];
  /** Reports and per-scenario results go here. */
  outDir: string;
  /** Cached recordings (default `<outDir>/recordings`). */
  recordingsDir?: string;
  goldenDir?: string;
  /** Worker processes (default: number of CPUs). */
  jobs?: number;
  quick?: boolean;
  detector?: 'oracle' | 'model';
  model?: string;
  /** Seed of the oracle detector (default: its own, 1). Runs with another seed are not compared with goldens. */
  oracleSeed?: number;
  /** Tracker and fusion parameters, and the file they came from; such runs are not compared with goldens. */
  params?: { file: string; values: PerceptionParams };
  /** The 2D tracker (default ByteTrack); SORT's runs are not compared with goldens (they hold ByteTrack's). */
  tracker?: 'bytetrack' | 'sort';
  /** Tiled detection (a model detector only); such runs are not compared with goldens (whole frames'). */
  tiles?: TileGrid;
  /** Rewrites each run's stage list (tests break a tracker with it); runs in the workers. */
  stageHook?: StageHook;
  /** Scoring settings; runs with other than the defaults are labelled and not compared with goldens (`scoreChanges`). */
  score?: ScoreRunOptions;
  /** Write golden files from this run instead of comparing. */
  updateGolden?: boolean;
  /** false: neither compare with golden files nor write them (the demo, which reports and does not regress). */
  golden?: boolean;
  /** Absolute tolerance of golden metric comparisons (default 1e-9 oracle, 1e-3 model). */
  goldenTolerance?: number;
  /**
   * Called once the model card and the scenario files are checked (bad input throws before it), before any
   * scenario runs or anything is written, with the scenarios' names: the commands clear the previous run's
   * outputs in `outDir` here (`clearingPreviousRun`).
   */
  beforeRun?: (names: readonly string[]) => Promise<void>;
  /** Called as each scenario finishes (progress lines). */
  onOutcome?: (o: ScenarioOutcome, done: number, total: number) => void;
  /** Called as a scenario's simulation or replay moves on (at most once per percent): its file and name. */
  onProgress?: (file: string, scenario: string, p: ScenarioProgress) => void;
}

/**
 * The scoring settings of a run that differ from the defaults the golden files were scored with, as labels
 * ('min height 25 px'): such a run is labelled with them and not compared with the golden files (its metrics
 * moved with the setting, not with perception), and may not write them.
 */
export function scoreChanges(score: ScoreRunOptions | undefined): string[] {
  const o = { ...DEFAULT_SCORE, worldMatchM: DEFAULT_WORLD_MATCH_M, ...score };
  const out: string[] = [];
  if (o.minHeightPx !== DEFAULT_SCORE.minHeightPx) out.push(`min height ${o.minHeightPx} px`);
  if (o.minVisibility !== DEFAULT_SCORE.minVisibility) out.push(`min visibility ${o.minVisibility}`);
  if (o.iou !== DEFAULT_SCORE.iou) out.push(`IoU ${o.iou}`);
  if (o.matchDistanceM !== DEFAULT_SCORE.matchDistanceM) out.push(`match distance ${o.matchDistanceM} m`);
  if (o.worldMatchM !== DEFAULT_WORLD_MATCH_M) out.push(`world match ${o.worldMatchM} m`);
  return out;
}

function workerArgs(): { file: string; execArgv: string[] } {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return { file: join(here, 'worker.ts'), execArgv: ['--import', pathToFileURL(tsx).href] };
}

/**
 * Run the suite. Throws (ScenarioError or ModelError, one line) when the model card or every scenario file is
 * invalid, before running any; a scenario file that does not load among others that do is its own error outcome.
 */
export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const t0 = performance.now();
  if (o.updateGolden && o.stageHook) {
    throw new ConfigError({ what: 'a stage hook run cannot update golden files', where: 'runSuite' });
  }
  const scoring = scoreChanges(o.score);
  if (o.updateGolden && scoring.length > 0) {
    throw new ConfigError({
      what: `a run scored with ${scoring.join(', ')} cannot update golden files`,
      where: 'runSuite',
      hint: 'golden files are scored with the default settings',
    });
  }
  const detector = o.detector ?? 'oracle';
  // A model card that is missing, does not parse or names no .onnx file is the same bad input for every
  // scenario: say so once, before any scenario is rendered, instead of one ERROR per scenario afterwards.
  if (detector === 'model') await loadModelCard(o.model ?? BUNDLED_MODEL);
  // A file that does not load is that scenario's error when others do: they still run and every report is written
  // (CI publishes the JUnit file; refusing the whole run had left the previous run's reports in place). When none
  // loads, the first one's error is the run's, before anything is written.
  const loaded: (LoadedScenario | undefined)[] = [];
  const refused = new Map<number, ViperError>();
  for (const [i, f] of o.files.entries()) {
    try {
      // Actors an expectation names must reach the height this run scores from (--min-height).
      loaded.push(await loadScenario(f, { minViewPx: o.score?.minHeightPx ?? DEFAULT_SCORE.minHeightPx }));
    } catch (err) {
      if (!(err instanceof ViperError)) throw err;
      // None loads: the first file's error is the run's (they are named in order), before anything is written.
      if (refused.size === o.files.length - 1) throw refused.values().next().value ?? err;
      refused.set(i, err);
      loaded.push(undefined);
    }
  }
  refuseSameNames(
    loaded.filter((l) => l !== undefined),
    'scenarios run',
  );
  // A file that did not load is named by its file name, with its path where another scenario or file has that
  // name (reports and timings are keyed by name).
  const plain = loaded.map((l, i) => l?.scenario.name ?? basename(o.files[i]!, extname(o.files[i]!)));
  const names = plain.map((n, i) =>
    loaded[i] || plain.filter((m) => m === n).length === 1 ? n : `${n} (${o.files[i]})`,
  );
  const recordingsDir = o.recordingsDir ?? join(o.outDir, 'recordings');
  // A recordings folder that cannot be made fails every scenario (each says so): the previous run's outputs stay.
  const canRecord = await makeDirs(recordingsDir, '--recordings').then(
    () => true,
    () => false,
  );
  if (canRecord) await o.beforeRun?.(names);
  const goldenDir = o.goldenDir ?? GOLDEN_DIR;
  const quick = o.quick ?? false;
  const tolerance = o.goldenTolerance ?? (detector === 'oracle' ? 1e-9 : 1e-3);
  const jobs = Math.max(1, Math.min(o.jobs ?? availableParallelism(), o.files.length));
  const outcomes: ScenarioOutcome[] = new Array(o.files.length);
  const perScenarioMs: Record<string, number> = {};
  let done = 0;

  const finish = async (i: number, reply: WorkerReply, ms: number): Promise<void> => {
    const file = o.files[i]!;
    let out: ScenarioOutcome;
    if (!reply.ok) {
      out = {
        scenario: names[i]!,
        file,
        status: 'error',
        failures: [reply.message],
        error: reply.message,
        badInput: reply.badInput,
      };
    } else {
      const run = reply.run;
      const g = goldenOf(run, quick);
      const path = goldenPath(goldenDir, { scenario: run.scenario, quick, detector });
      let golden: GoldenComparison | undefined;
      try {
        if (o.golden !== false) {
          if (o.updateGolden) {
            await writeGolden(path, g);
            golden = { path, status: 'updated', recordingChanged: false, changes: [], flipped: [] };
          } else if (o.goldenDir === undefined && !isBundledScenario(file)) {
            golden = { path, status: 'missing', recordingChanged: false, changes: [], flipped: [] };
          } else if (
            o.oracleSeed === undefined &&
            o.params === undefined &&
            o.tracker !== 'sort' &&
            o.tiles === undefined &&
            scoring.length === 0
          ) {
            golden = compareGolden(path, await readGolden(path, g), g, tolerance);
          }
        }
        // Committed goldens are the bundled scenarios' oracle runs (model runs have none: ONNX Runtime's last bits).
        const goldenRequired =
          o.goldenDir !== undefined || (isBundledScenario(file) && detector === 'oracle');
        const failures = failureLines(run, golden, goldenRequired);
        out = {
          scenario: run.scenario,
          file,
          status: failures.length ? 'fail' : 'pass',
          failures,
          run,
          golden,
        };
      } catch (err) {
        // A golden file that cannot be read or written is this scenario's error, not the suite's: the other
        // scenarios still run and every report is written.
        const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        out = {
          scenario: run.scenario,
          file,
          status: 'error',
          failures: [...failureLines(run, undefined), message],
          run,
          error: message,
          badInput: err instanceof ViperError,
        };
      }
      perScenarioMs[run.scenario] = Math.round(ms);
    }
    outcomes[i] = out;
    o.onOutcome?.(out, ++done, o.files.length);
  };

  const { file: workerFile, execArgv } = workerArgs();
  const base: Omit<PipelineOptions, 'file'> = {
    outDir: o.outDir,
    recordingsDir,
    quick,
    detector,
    ...(o.model ? { model: o.model } : {}),
    ...(o.oracleSeed !== undefined ? { oracleSeed: o.oracleSeed } : {}),
    ...(o.params ? { params: o.params.values } : {}),
    ...(o.tracker ? { tracker: o.tracker } : {}),
    ...(o.tiles ? { tiles: o.tiles } : {}),
    ...(o.stageHook ? { stageHook: o.stageHook } : {}),
    ...(o.score ? { score: o.score } : {}),
  };
  for (const [i, err] of refused) {
    const message = err.message.split('\n')[0]!;
    outcomes[i] = {
      scenario: names[i]!,
      file: o.files[i]!,
      status: 'error',
      failures: [message],
      error: message,
      badInput: true,
    };
    o.onOutcome?.(outcomes[i]!, ++done, o.files.length);
  }
  let next = 0;
  // Ctrl-C / SIGTERM: no scenario starts after it, and the workers (told too: a signal sent to this process
  // alone does not reach them) finalize the results file they are writing, as `replay` does.
  let stopping = false;
  const children = new Set<ChildProcess>();
  // What each running scenario is writing (from its progress reports): a second Ctrl-C leaves these unfinished.
  const writing = new Map<number, string>();
  const dispose = onInterrupt(
    (signal) => {
      stopping = true;
      process.stderr.write(
        `\n${signal}: stopping; the scenarios running finalize their results, no more start\n`,
      );
      for (const c of children) c.kill('SIGINT');
    },
    () => [...writing.values()],
  );
  const runWorker = async (): Promise<void> => {
    let child: ChildProcess | undefined;
    try {
      while (!stopping && next < o.files.length) {
        const i = next++;
        if (refused.has(i)) continue;
        if (!child) {
          child = fork(workerFile, [], {
            execArgv,
            serialization: 'advanced',
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          children.add(child);
        }
        const start = performance.now();
        const file = o.files[i]!;
        const reply = await ask(child, { id: i, options: { ...base, file } }, (p) => {
          writing.set(
            i,
            p.phase === 'simulate'
              ? join(recordingsDir, `${names[i]}${quick ? '.quick' : ''}.mcap.partial`)
              : join(o.outDir, names[i]!, 'results.mcap'),
          );
          o.onProgress?.(file, names[i]!, p);
        });
        writing.delete(i);
        await finish(i, reply, performance.now() - start);
        if (!reply.ok && reply.message.startsWith('worker exited')) child = undefined;
      }
    } finally {
      child?.disconnect();
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, runWorker));
  } finally {
    dispose();
  }
  const ran = outcomes.filter((x) => x !== undefined);

  return {
    mode: quick ? 'quick' : 'full',
    detector: [
      detector,
      ...(o.oracleSeed === undefined ? [] : [`(seed ${o.oracleSeed})`]),
      ...(o.params ? [`(params ${o.params.file})`] : []),
      ...(o.tracker === 'sort' ? ['(SORT)'] : []),
      ...(o.tiles ? [`(tiles ${tilesLabel(o.tiles)})`] : []),
      ...scoring.map((c) => `(${c})`),
    ].join(' '),
    settings: { ...DEFAULT_SCORE, worldMatchM: DEFAULT_WORLD_MATCH_M, ...o.score },
    outcomes: ran,
    passed: ran.filter((x) => x.status === 'pass').length,
    failed: ran.filter((x) => x.status === 'fail').length,
    errors: ran.filter((x) => x.status === 'error').length,
    // The reports name the scenarios a stop left out: they had read as a smaller suite, not a cut-short one.
    ...(stopping
      ? {
          interrupted: true,
          notStarted: o.files.flatMap((file, i) =>
            outcomes[i] === undefined ? [{ scenario: names[i]!, file }] : [],
          ),
        }
      : {}),
    timing: {
      wallMs: Math.round(performance.now() - t0),
      jobs,
      // In file order, as the outcomes are, not in the order the workers finished.
      perScenarioMs: Object.fromEntries(
        ran.flatMap((x) => (x.scenario in perScenarioMs ? [[x.scenario, perScenarioMs[x.scenario]!]] : [])),
      ),
    },
  };
}

/** Send one request; resolve with the reply, or with an error reply if the worker dies first. */
function ask(
  child: ChildProcess,
  req: WorkerRequest,
  onProgress: (p: ScenarioProgress) => void,
): Promise<WorkerReply> {
  return new Promise((resolveReply) => {
    const onMessage = (m: WorkerReply | WorkerProgress) => {
      if (m.id !== req.id) return;
      if ('progress' in m) {
        onProgress(m.progress);
        return;
      }
      cleanup();
      resolveReply(m);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      resolveReply({
        id: req.id,
        ok: false,
        badInput: false,
        message: `worker exited (code ${code}, signal ${signal})`,
      });
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(req);
  });
}
