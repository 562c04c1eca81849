/**
 * Many recordings replayed at once as separate feeds (`viper replay a.mcap b.mcap … -o out/`): one replay per
 * feed (its own reader, tracker, fusion and results file, `<out>/<feed>.results.mcap`), up to `feedsAtOnce`
 * running together in one process around one model detector (`SharedDetector`: loaded once, its calls carrying
 * the frames of every feed waiting). Every feed's results file is byte for byte what replaying that recording
 * alone gives (on CPU, as tested: a GPU provider may compute a frame differently in a different batch).
 */
import { join, resolve } from 'node:path';
import { ConfigError, fileHandleLimit, RecordingError, ViperError } from '../contracts/errors.ts';
import { Detector, type DetectorOptions } from '../detect/Detector.ts';
import { MAX_CALL_FRAMES, SharedDetector } from '../detect/shared.ts';
import { makeDirs } from '../io/makeDirs.ts';
import { sameFile } from '../io/sameFile.ts';
import { buildStages, type StageOptions } from './buildStages.ts';
import { feedName, openChecked } from './openRecording.ts';
import { replay, type ReplayOptions, type ReplaySummary } from './replay.ts';

/**
 * Where each feed's results go: `<outDir>/<feed>.results.mcap`. A feed is named after its file (`cam.mcap`:
 * `cam`); recordings of one name in different folders (`siteA/cam.mcap`, `siteB/cam.mcap`) are named by the
 * shortest end of their paths that tells them apart, joined with `_` (`siteA_cam`, `siteB_cam`). The names
 * depend only on the paths given, not on their order. One file given twice is refused.
 */
export function feedOutputs(inputs: readonly string[], outDir: string): string[] {
  return feedNames(inputs).map((name) => join(outDir, `${name}.results.mcap`));
}

/** Each input's feed name (see `feedOutputs`). */
export function feedNames(inputs: readonly string[]): string[] {
  // Path components, last first, the last without `.mcap` (the feed name so far is the first `depth` of them).
  const parts = inputs.map((input) => {
    const p = resolve(input)
      .split(/[\\/]+/)
      .filter((x) => x !== '');
    return [feedName(input), ...p.slice(0, -1).reverse()];
  });
  const depth = inputs.map(() => 1);
  const name = (k: number) => parts[k]!.slice(0, depth[k]).reverse().join('_');
  for (;;) {
    // Compared without case: on a case-insensitive disk A.results.mcap and a.results.mcap are one file.
    const groups = new Map<string, number[]>();
    for (let k = 0; k < inputs.length; k++) {
      const key = name(k).toLowerCase();
      groups.set(key, [...(groups.get(key) ?? []), k]);
    }
    let deeper = false;
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const longer = group.filter((k) => depth[k]! < parts[k]!.length);
      for (const k of longer) depth[k]!++;
      deeper ||= longer.length > 0;
      // One file given twice (its path, a link, or another case on a case-insensitive disk); else names alike
      // but for case (North.mcap, north.mcap: two files on Linux, which had been called one given twice) or `_`.
      if (longer.length === 0) {
        const [first, second] = group.map((k) => inputs[k]!);
        const same = sameFile(first!, second!);
        throw new ConfigError({
          // Given twice, the name grew to the whole path (tmp_…_ped) before this was known: said as given.
          what: same ? 'one recording given twice' : `two recordings make one feed '${name(group[0]!)}'`,
          where: `${first}, ${second}`,
          hint: same
            ? 'each file once: a feed is named after its file, or its folders where names repeat'
            : 'their names differ only in case or in / against _: rename or link one of them',
        });
      }
    }
    if (!deeper) return inputs.map((_, k) => name(k));
  }
}

type FeedOutcome =
  | { input: string; output: string; summary: ReplaySummary }
  /**
   * `wrote`: the results file had been created; `marked`: it was then finalized and marked failed (readable up to
   * the failure); created and not marked, finalizing failed too (a full disk).
   */
  | { input: string; output: string; error: unknown; wrote: boolean; marked: boolean }
  /** Interrupted before its turn came: no results file was made. */
  | { input: string; output: string; notStarted: true };

/**
 * Feeds replayed at the same time; the rest wait for one to finish. Each running feed holds its read-ahead queue
 * and its frames waiting for the detector, so this, not the number of feeds, bounds the memory.
 */
export const FEEDS_AT_ONCE = 32;

/** The work done in all feeds so far, and the feeds that have ended (written, interrupted or failed). */
export interface FeedsProgress {
  messagesDone: number;
  rigFramesDone: number;
  feedsDone: number;
  feedsFailed: number;
}

export interface FeedsOptions
  extends Pick<
    ReplayOptions,
    | 'queueSize'
    | 'maxBatch'
    | 'batchWindowNs'
    | 'alignToleranceNs'
    | 'maxCameraLagNs'
    | 'compression'
    | 'resultsOnly'
    | 'recover'
    | 'control'
  > {
  inputs: readonly string[];
  outDir: string;
  stageOptions: StageOptions;
  /** Feeds replayed at the same time (default FEEDS_AT_ONCE). */
  feedsAtOnce?: number;
  /** Once every input is open: the messages to read in all. */
  onStart?: (totalMessages: number) => void;
  /**
   * As any feed reads or writes: the work done in all feeds (input messages through the graph and written, rig
   * frames whose results are written), as a single replay reports it, not the messages read ahead of it.
   */
  onProgress?: (p: FeedsProgress) => void;
  /** Lines for the user (provider fall-backs, notes), once per distinct line. */
  onNote?: (line: string) => void;
}

/**
 * Replay every input as its own feed, `feedsAtOnce` at a time. A recording found bad up front (unreadable, not
 * MCAP, undecodable) fails its feed alone, with nothing written for it, and the others are replayed; what is bad
 * for the whole run (a bad model, two feeds of one name) is refused before any output is created. A feed that
 * fails on the way (a damaged chunk, say) ends with its results finalized and readable and the others go on. A
 * model that fails at run time fails every feed whose frames were in that call.
 */
export async function replayFeeds(
  o: FeedsOptions,
): Promise<{ feeds: FeedOutcome[]; detector: Record<string, unknown> | null; feedsAtOnce: number }> {
  const outputs = feedOutputs(o.inputs, o.outDir);
  const atOnce = o.feedsAtOnce ?? FEEDS_AT_ONCE;
  if (!Number.isInteger(atOnce) || atOnce < 1) {
    throw new ConfigError({
      what: `feeds at once must be a whole number ≥ 1, not ${atOnce}`,
      where: '--feeds-at-once',
    });
  }
  const wrote = o.inputs.map(() => false);
  const marked = o.inputs.map(() => false);
  // Feeds refused up front (unreadable, not MCAP, no cameras): each fails alone, the others still run.
  const refused = new Map<number, unknown>();
  let totalMessages = 0;
  let shared: Promise<SharedDetector> | undefined;
  const openDetector = async (opts: DetectorOptions) => {
    shared ??= Detector.open(opts).then((d) => new SharedDetector(d, MAX_CALL_FRAMES, o.control));
    return (await shared).lease();
  };
  const built: Awaited<ReturnType<typeof buildStages>>[] = [];
  const notes = new Set<string>();
  try {
    // Every recording checked before any output is made, then closed: its feed opens it again when its turn
    // comes, so only the feeds running hold a file open (thousands of feeds need no raised open-files limit).
    for (const [i, input] of o.inputs.entries()) {
      let reader: Awaited<ReturnType<typeof openChecked>>;
      try {
        reader = await openChecked(input, o.recover ?? false, o.stageOptions.detector !== 'none');
      } catch (err) {
        // A bad recording is that feed's failure, not the run's; running out of files is the machine's.
        if (!(err instanceof ViperError) || fileHandleLimit(err)) throw err;
        refused.set(i, err);
        continue;
      }
      totalMessages += reader.summary().messageCount;
      await reader.close();
    }
    for (const [i, input] of o.inputs.entries()) {
      if (refused.has(i)) {
        built.push({ stages: [], metadata: {}, notes: [] });
        continue;
      }
      let b: Awaited<ReturnType<typeof buildStages>>;
      try {
        b = await buildStages({ ...o.stageOptions, openDetector }, input);
      } catch (err) {
        // The recording's own fault (no ground truth for the oracle): that feed's; a model's or an option's: the run's.
        if (!(err instanceof RecordingError) || fileHandleLimit(err)) throw err;
        refused.set(i, err);
        built.push({ stages: [], metadata: {}, notes: [] });
        continue;
      }
      built.push(b);
      for (const n of b.notes) {
        if (notes.has(n)) continue;
        notes.add(n);
        o.onNote?.(n);
      }
    }
    await makeDirs(o.outDir, '-o');
  } catch (err) {
    for (const b of built) for (const s of b.stages) await s.close?.().catch(() => undefined);
    throw err;
  }
  o.onStart?.(totalMessages);
  // Each feed's counts so far, summed as they grow.
  const done: FeedsProgress = { messagesDone: 0, rigFramesDone: 0, feedsDone: 0, feedsFailed: 0 };
  const feedDone = o.inputs.map(() => ({ messagesDone: 0, rigFramesDone: 0 }));
  const settled = await inTurn(o.inputs.length, atOnce, (i) => {
    // Each feed's end counted as it comes, for the progress line.
    const ended = (failed: boolean) => {
      done.feedsDone++;
      if (failed) done.feedsFailed++;
      o.onProgress?.({ ...done });
    };
    return runFeed(i).then(
      (value) => {
        if (value !== NOT_STARTED) ended(false);
        return value;
      },
      (err: unknown) => {
        ended(true);
        throw err;
      },
    );
  });
  async function runFeed(i: number): Promise<ReplaySummary | typeof NOT_STARTED> {
    const input = o.inputs[i]!;
    if (refused.has(i)) throw refused.get(i);
    if (o.control?.stopped) {
      // Its stages hold a lease on the shared detector: released here, as replay would at its end.
      for (const s of built[i]!.stages) await s.close?.().catch(() => undefined);
      return NOT_STARTED;
    }
    return replay({
      queueSize: o.queueSize,
      maxBatch: o.maxBatch,
      batchWindowNs: o.batchWindowNs,
      alignToleranceNs: o.alignToleranceNs,
      maxCameraLagNs: o.maxCameraLagNs,
      compression: o.compression,
      resultsOnly: o.resultsOnly,
      recover: o.recover,
      control: o.control,
      input,
      output: outputs[i]!,
      stages: built[i]!.stages,
      metadata: built[i]!.metadata,
      onOutput: () => {
        wrote[i] = true;
      },
      onFinalized: (failed) => {
        marked[i] = failed;
      },
      onProgress: (p) => {
        const f = feedDone[i]!;
        if (p.messagesDone === f.messagesDone && p.rigFramesDone === f.rigFramesDone) return;
        done.messagesDone += p.messagesDone - f.messagesDone;
        done.rigFramesDone += p.rigFramesDone - f.rigFramesDone;
        f.messagesDone = p.messagesDone;
        f.rigFramesDone = p.rigFramesDone;
        o.onProgress?.({ ...done });
      },
    });
  }
  const feeds = settled.map((s, i): FeedOutcome => {
    const where = { input: o.inputs[i]!, output: outputs[i]! };
    if (s.status === 'rejected') return { ...where, error: s.reason, wrote: wrote[i]!, marked: marked[i]! };
    return s.value === NOT_STARTED ? { ...where, notStarted: true } : { ...where, summary: s.value };
  });
  return { feeds, detector: shared ? (await shared).describe() : null, feedsAtOnce: atOnce };
}

const NOT_STARTED = Symbol('not started');

/** Run task(0 … n−1), at most `atOnce` at a time, each settled in its own slot. */
async function inTurn<T>(
  n: number,
  atOnce: number,
  task: (i: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const settled: PromiseSettledResult<T>[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        settled[i] = { status: 'fulfilled', value: await task(i) };
      } catch (reason) {
        settled[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, atOnce) }, worker));
  return settled;
}
