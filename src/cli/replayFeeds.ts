/**
 * `viper replay a.mcap b.mcap … -o out/`: several recordings replayed at once as separate feeds around one model
 * detector (graph/replayFeeds.ts), each into `out/<name>.results.mcap`. One summary per feed, or `--json`'s
 * `{ feeds: [...] }`; a feed that fails is reported on its line and the others still finish.
 */
import { existsSync, statSync } from 'node:fs';
import { ConfigError, EXIT_INTERRUPTED, ViperError } from '../contracts/errors.ts';
import type { StageOptions } from '../graph/buildStages.ts';
import { feedOutputs, replayFeeds, type FeedsOptions } from '../graph/replayFeeds.ts';
import { withRecoverHint } from '../io/index.ts';
import { checkOutputPaths, modelInputs } from './paths.ts';
import { createProgress } from './progress.ts';
import { rerunWithRecover } from './recover.ts';
import { printSummary, summaryJson } from './replaySummary.ts';
import { onInterrupt, printJson, reportError } from './run.ts';

type Common = Omit<FeedsOptions, 'inputs' | 'outDir' | 'stageOptions' | 'control' | 'onStart' | 'onProgress'>;

export async function replayFeedsCommand(
  inputs: string[],
  o: Record<string, unknown>,
  stageOptions: StageOptions,
  common: Common,
): Promise<number> {
  for (const flag of ['serve', 'speed'] as const) {
    if (o[flag] !== undefined) {
      throw new ConfigError({
        // A list or a folder of one is feeds all the same (results into a folder): "1 were given" had read as nonsense.
        what:
          inputs.length === 1
            ? `--${flag} watches one recording given as itself, not as feeds (a list or a folder)`
            : `--${flag} watches one recording, and ${inputs.length} were given`,
        where: `--${flag}`,
        hint: 'replay the one to watch on its own: viper replay <recording.mcap> -o <results.mcap>',
      });
    }
  }
  const outDir = o.output as string;
  if (/\.mcap$/i.test(outDir) || (existsSync(outDir) && !statSync(outDir).isDirectory())) {
    throw new ConfigError({
      what: 'with several recordings -o names a folder, not a file',
      where: `-o ${outDir}`,
      hint: 'give a folder (created if missing); each feed is written to <folder>/<name>.results.mcap',
    });
  }
  const outputs = feedOutputs(inputs, outDir);
  checkOutputPaths(
    [...inputs, o.params as string | undefined, ...(await modelInputs(o.model as string | undefined))],
    outputs.map((path) => ({ path, flag: '-o' })),
  );
  const control = { stopped: false };
  const dispose = onInterrupt((sig) => {
    process.stderr.write(`\n${sig}: stopping, finalizing the results in ${outDir}\n`);
    control.stopped = true;
  });
  let progress: ReturnType<typeof createProgress> | undefined;
  let rigFramesDone = 0;
  let feedsLine = '';
  try {
    const {
      feeds: outcomes,
      detector,
      feedsAtOnce,
    } = await replayFeeds({
      ...common,
      inputs,
      outDir,
      stageOptions,
      feedsAtOnce: o.feedsAtOnce as number | undefined,
      control,
      onNote: (line) => process.stderr.write(`${line}\n`),
      onStart: (total) => {
        progress = createProgress(
          `replay ${inputs.length} feeds`,
          total,
          'msgs',
          o.progress !== false && o.json !== true,
        );
      },
      onProgress: (p) => {
        rigFramesDone = p.rigFramesDone;
        feedsLine = `, feeds ${p.feedsDone}/${inputs.length} done${p.feedsFailed > 0 ? `, ${p.feedsFailed} failed` : ''}`;
        progress?.update(p.messagesDone, `${rigFramesDone} rig frames${feedsLine}`);
      },
    });
    // As a single replay's bar: messages through the graph, the rig frames written beside them.
    if (control.stopped) progress?.stop(`${rigFramesDone} rig frames${feedsLine}`);
    else progress?.finish(`${rigFramesDone} rig frames${feedsLine}`);
    let code = 0;
    const json: unknown[] = [];
    for (const x of outcomes) {
      if ('summary' in x) {
        if (o.json) json.push(summaryJson(x.summary));
        else printSummary(x.summary);
        if (x.summary.interrupted) code = Math.max(code, EXIT_INTERRUPTED);
        continue;
      }
      // A feed that wrote nothing leaves the results of an earlier run in place (not deleted: they may be all the
      // user has), and says so, or they would be taken for this run's.
      const stale = !('wrote' in x && x.wrote) && existsSync(x.output);
      const staleJson = stale ? { staleOutput: true } : {};
      const staleText = stale ? `; ${x.output} is from an earlier run, not this one` : '';
      if ('notStarted' in x) {
        if (o.json) json.push({ input: x.input, output: x.output, notStarted: true, ...staleJson });
        else
          process.stdout.write(
            `replay ${x.input}: not started (stopped before its turn), nothing written${staleText}\n`,
          );
        code = Math.max(code, EXIT_INTERRUPTED);
        continue;
      }
      const err = withRecoverHint(x.error, rerunWithRecover('replay'));
      const kept = x.marked
        ? ' (its results so far are finalized, marked failed)'
        : x.wrote
          ? ` (its results file is unfinished: viper inspect ${x.output} --recover shows what it holds)`
          : ` (nothing written${staleText})`;
      process.stderr.write(`replay ${x.input} → ${x.output} failed${kept}:\n`);
      code = Math.max(code, reportError(err, false));
      json.push({
        input: x.input,
        output: x.output,
        error: err instanceof Error ? err.message : String(err),
        // For a monitoring script, what the text line says: the error's kind, and what its results file is.
        ...(err instanceof ViperError ? { domain: err.domain } : {}),
        results: x.marked ? 'marked-failed' : x.wrote ? 'unfinished' : 'none',
        ...staleJson,
      });
    }
    // At thousands of feeds the summaries run to thousands of lines: the counts, last.
    const totals = {
      feeds: outcomes.length,
      written: outcomes.filter((x) => 'summary' in x).length,
      interrupted: outcomes.filter((x) => 'summary' in x && x.summary.interrupted).length,
      failed: outcomes.filter((x) => 'error' in x).length,
      notStarted: outcomes.filter((x) => 'notStarted' in x).length,
    };
    if (o.json) printJson({ feeds: json, detector, feedsAtOnce, totals });
    else if (detector) {
      const d = detector as Record<string, number>;
      process.stdout.write(
        `shared detector: ${d.feeds} feeds, ${d.frames} camera frames in ${d.runs} runs from ${d.calls} calls ` +
          `(at most ${d.largestCall} frames in one call), ${Math.min(feedsAtOnce, outcomes.length)} feeds at a time\n`,
      );
    }
    if (!o.json) {
      const cut = totals.interrupted > 0 ? ` (${totals.interrupted} of them interrupted)` : '';
      process.stdout.write(
        `${totals.feeds} feeds: ${totals.written} written${cut}, ${totals.failed} failed, ` +
          `${totals.notStarted} not started\n`,
      );
    }
    return code;
  } finally {
    dispose();
  }
}
