/**
 * One scenario end to end: scenario file → recording (simulator; cached by content) → replay through the
 * perception stages → results MCAP → score against the scenario's `expect` block.
 *
 * This file is the suite's adapter: it lives in src/cli because it drives src/graph (replay and the stage
 * builder): the metrics and checks stay pure, the wiring lives here.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, ScenarioError } from '../../contracts/errors.ts';
import { buildStages } from '../../graph/buildStages.ts';
import type { TileGrid } from '../../detect/tiles.ts';
import type { PerceptionParams } from '../../graph/params.ts';
import { replay } from '../../graph/replay.ts';
import type { Stage } from '../../graph/stage.ts';
import type { Scenario, World } from '../../sim/index.ts';
import { recordScenario } from '../../sim/record.ts';
import { loadScenario, scenarioFromValue } from '../../sim/scenario/load.ts';
import { DEFAULT_SCORE } from '../../eval/scenarios/metricTable.ts';
import { type ScoreRunOptions, scoreRun } from '../../eval/scenarios/score.ts';
import type { ScenarioRun } from '../../eval/scenarios/types.ts';
import { makeDirs } from '../../io/makeDirs.ts';
import { fileSha256 } from '../../io/fileSha256.ts';

/**
 * A module that rewrites the stage list (tests use it to break a tracker or a detector on purpose). It runs in
 * the worker process, so it is named by file, not passed as a function.
 */
export interface StageHook {
  /** Path of the module (absolute, or relative to the working directory). */
  module: string;
  /** Exported function `(stages, options) => stages` (default `transformStages`). */
  export?: string;
  options?: unknown;
}

export interface PipelineOptions {
  /** Scenario file (.yaml / .json). */
  file: string;
  /** Folder for this run's outputs (`<name>/results.mcap`). */
  outDir: string;
  /** Folder of cached recordings (reused when the scenario's content is unchanged). */
  recordingsDir: string;
  /** Half the image resolution (each camera's width, height and intrinsics), same duration and rate. */
  quick?: boolean;
  detector?: 'oracle' | 'model';
  model?: string;
  /** Seed of the oracle detector's noise (default: its own). */
  oracleSeed?: number;
  /** Tracker and fusion parameters (`--params`), checked. */
  params?: PerceptionParams;
  /** The 2D tracker (default ByteTrack, what the golden files hold). */
  tracker?: 'bytetrack' | 'sort';
  /** Tiled detection (`--tiles`, a model detector only). */
  tiles?: TileGrid;
  stageHook?: StageHook;
  score?: ScoreRunOptions;
}

/** The quick variant: half resolution (intrinsics scaled), same scene, duration and rate. */
function quickScenario(s: Scenario): Scenario {
  const half = (x: number | undefined) => (x === undefined ? undefined : Math.max(16, Math.round(x / 2)));
  const scale = (x: number | undefined) => (x === undefined ? undefined : x / 2);
  const cameras = s.rig.cameras?.map((c) => {
    const out = { ...c, width: half(c.width), height: half(c.height), fx: scale(c.fx), fy: scale(c.fy) };
    return { ...out, cx: scale(c.cx), cy: scale(c.cy) };
  });
  const rig = {
    ...s.rig,
    width: half(s.rig.width)!,
    height: half(s.rig.height)!,
    ...(cameras ? { cameras } : {}),
  };
  return { ...s, rig: JSON.parse(JSON.stringify(rig)) };
}

/**
 * The quick variant's world. Its expectations pass the reach check at full resolution (the file loaded), so one
 * refused here is in view only at full size: under `minViewPx` at half resolution, which `--quick` scores as it is.
 */
function quickWorld(scenario: Scenario, file: string, minViewPx: number): World {
  try {
    return scenarioFromValue(scenario, `${file} (quick)`, { minViewPx }).world;
  } catch (err) {
    if (!(err instanceof ScenarioError) || !err.what.startsWith('expect.')) throw err;
    throw new ScenarioError({
      what: `${err.what.replace(/, so .*$/, '')}, at --quick's half resolution (at full resolution it is in view)`,
      where: err.where,
      hint: `run this scenario without --quick, or: ${err.hint ?? 'move the actor nearer a camera'}`,
    });
  }
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let codeDigest: string | undefined;

/** SHA-256 of the code a recording depends on (src/sim, io, geometry, contracts), so a cached one goes stale. */
function recorderCodeDigest(): string {
  if (codeDigest) return codeDigest;
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) h.update(p.slice(srcDir.length)).update(readFileSync(p));
    }
  };
  for (const d of ['sim', 'io', 'geometry', 'contracts']) walk(join(srcDir, d));
  codeDigest = h.digest('hex');
  return codeDigest;
}

/**
 * The cache entry of a recording, if it is for `key` and the file is the one recorded (same SHA-256): an entry
 * that does not parse, or a recording truncated or changed since, is stale and the scenario is recorded again.
 */
async function cachedRecording(
  path: string,
  meta: string,
  key: string,
): Promise<{ sha256: string; frames: number } | undefined> {
  if (!existsSync(path) || !existsSync(meta)) return undefined;
  try {
    const m = JSON.parse(await readFile(meta, 'utf8')) as {
      key?: unknown;
      sha256?: unknown;
      frames?: unknown;
    };
    if (m.key !== key || typeof m.sha256 !== 'string' || typeof m.frames !== 'number') return undefined;
    if ((await fileSha256(path)) !== m.sha256) return undefined;
    return { sha256: m.sha256, frames: m.frames };
  } catch {
    return undefined;
  }
}

/**
 * Record (or reuse) the scenario's recording; the cache key is the validated scenario without its `expect` block
 * (which the recording does not hold: editing only the checks re-rendered it) and the recorder's code.
 */
async function recording(
  o: PipelineOptions,
): Promise<{ scenario: Scenario; rec: ScenarioRun['recording']; ms: number }> {
  const minViewPx = o.score?.minHeightPx ?? DEFAULT_SCORE.minHeightPx;
  const loaded = await loadScenario(o.file, { minViewPx });
  const scenario = o.quick ? quickScenario(loaded.scenario) : loaded.scenario;
  const world = o.quick ? quickWorld(scenario, o.file, minViewPx) : loaded.world;
  await makeDirs(o.recordingsDir, '--recordings');
  const path = join(o.recordingsDir, `${scenario.name}${o.quick ? '.quick' : ''}.mcap`);
  const { expect: _checks, ...rendered } = scenario;
  const key = sha256(JSON.stringify(rendered) + recorderCodeDigest());
  const meta = `${path}.json`;
  const cached = await cachedRecording(path, meta, key);
  if (cached) return { scenario, rec: { path, ...cached, cached: true }, ms: 0 };
  const t = performance.now();
  // No entry while it renders: a recording cut short (Ctrl-C, a crash) is never taken for the whole one.
  await rm(meta, { force: true });
  const r = await recordScenario(world, path, {
    shouldStop: () => interrupt.stopped,
    onProgress: reporter('simulate'),
  });
  if (r.interrupted) {
    throw new Error(
      `interrupted while recording: ${r.frames} frames are finalized in ${path} (not cached; nothing replayed)`,
    );
  }
  await writeFile(meta, `${JSON.stringify({ key, sha256: r.sha256, frames: r.frames })}\n`);
  return {
    scenario,
    rec: { path, sha256: r.sha256, frames: r.frames, cached: false },
    ms: performance.now() - t,
  };
}

async function applyHook(stages: Stage[], hook: StageHook | undefined): Promise<Stage[]> {
  if (!hook) return stages;
  const mod = (await import(pathToFileURL(resolve(hook.module)).href)) as Record<string, unknown>;
  const fn = mod[hook.export ?? 'transformStages'];
  if (typeof fn !== 'function') {
    throw new ConfigError({
      what: `stage hook ${hook.module} exports no function '${hook.export ?? 'transformStages'}'`,
    });
  }
  return (await fn(stages, hook.options)) as Stage[];
}

/**
 * Set by the worker on Ctrl-C / SIGTERM: the recording or replay running stops and finalizes its file (a recording
 * cut short is not cached).
 */
export const interrupt = { stopped: false };

/** How far the scenario running has got: simulating its recording (frames) or replaying it (messages). */
export interface ScenarioProgress {
  phase: 'simulate' | 'replay';
  done: number;
  total: number;
}

/** Set by the worker: where `runScenario` reports its progress (at most once per percent of each phase). */
export const progress: { report?: (p: ScenarioProgress) => void } = {};

function reporter(phase: ScenarioProgress['phase']): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
    if (pct === last) return;
    last = pct;
    progress.report?.({ phase, done, total });
  };
}

/** Run one scenario: simulate (or reuse) → replay → score. */
export async function runScenario(o: PipelineOptions): Promise<ScenarioRun> {
  const { scenario, rec, ms: simulateMs } = await recording(o);
  const dir = join(o.outDir, scenario.name);
  await makeDirs(dir, '--out');
  const output = join(dir, 'results.mcap');
  const detector = o.detector ?? 'oracle';
  let t = performance.now();
  const built = await buildStages(
    {
      detector,
      model: o.model,
      tracker: o.tracker ?? 'bytetrack',
      ...(o.tiles ? { tiles: o.tiles } : {}),
      fuse: true,
      oracleSeed: o.oracleSeed,
      params: o.params,
    },
    rec.path,
  );
  const stages = await applyHook(built.stages, o.stageHook);
  const metadata = { ...built.metadata, scenario: scenario.name };
  const report = reporter('replay');
  let messages = 0;
  await replay({
    input: rec.path,
    output,
    stages,
    metadata,
    control: interrupt,
    onStart: (x) => {
      messages = x.messageCount;
    },
    // The work done (messages through the graph and written), as replay's bar counts it, not messages read ahead.
    onProgress: (x) => report(x.messagesDone, messages),
  });
  if (interrupt.stopped) throw new Error(`interrupted: the results so far are finalized in ${output}`);
  const replayMs = performance.now() - t;
  t = performance.now();
  const score = await scoreRun(output, rec.path, scenario.expect, o.file, o.score);
  return {
    scenario: scenario.name,
    file: o.file,
    description: scenario.description,
    recording: rec,
    results: { path: output, sha256: await fileSha256(output) },
    detector: built.metadata.model ? `model ${built.metadata.model}` : detector,
    score,
    timingMs: { simulate: simulateMs, replay: replayMs, score: performance.now() - t },
  };
}
