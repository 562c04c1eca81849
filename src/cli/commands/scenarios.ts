/**
 * `viper scenarios run [scenario…]`: the scenario regression suite. Each scenario is simulated (recordings are
 * cached by content), replayed through detect → track → fuse, scored against its `expect` block and compared
 * with its golden file; in parallel worker processes. Prints a table, writes suite.json, junit.xml, report.md
 * and plots/<scenario>.svg, and exits 1 when any expectation or golden comparison fails (2 on bad input).
 * `viper scenarios score <results.mcap> --scenario <file> [--gt <recording.mcap>]` checks one existing run.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  ConfigError,
  EXIT_BAD_INPUT,
  EXIT_INTERRUPTED,
  InputError,
  systemFailure,
} from '../../contracts/errors.ts';
import {
  DEFAULT_SCORE,
  expandScenarioArgs,
  formatTable,
  goldenPath,
  scoreRun,
  type ScoreRunOptions,
  suiteJson,
  writeReports,
} from '../../eval/scenarios/index.ts';
import { refuseModelWithOtherDetector } from '../../graph/buildStages.ts';
import { loadParams, setsNothing, setsOnlyDefaults } from '../../graph/params.ts';
import { RecordingReader } from '../../io/index.ts';
import { cameraFromAnnotationsTopic, topics } from '../../contracts/topics.ts';
import { checkFolderPath, makeDirs } from '../../io/makeDirs.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import {
  clearingPreviousRun,
  GOLDEN_DIR,
  isBundledScenario,
  runSuite,
  SCENARIO_DIR,
  scoreChanges,
} from '../suite/index.ts';
import { createStatusLine, scenarioStatus } from '../progress.ts';
import { recoverElsewhere, withDamageHint } from '../recover.ts';
import { intArg, numberArg, unitArg } from '../args.ts';
import { notWholeRun } from '../interrupted.ts';
import { action, printJson } from '../run.ts';
import { parseTiles, type TileGrid } from '../../detect/tiles.ts';

interface RunOpts {
  out: string;
  jobs?: string;
  quick?: boolean;
  detector: string;
  tracker: string;
  model?: string;
  tiles?: TileGrid;
  updateGolden?: boolean;
  goldenDir?: string;
  recordings?: string;
  minVisibility: string;
  minHeight: string;
  oracleSeed?: string;
  params?: string;
  json?: boolean;
  progress?: boolean;
}

function scoreOptions(o: { minVisibility: string; minHeight: string }): ScoreRunOptions {
  return {
    minVisibility: unitArg('--min-visibility', o.minVisibility),
    minHeightPx: numberArg('--min-height', o.minHeight, { min: 0 }),
  };
}

const MIN_HEIGHT_HELP =
  "ground truth shorter than this (px) is don't-care, with the tracks on it (0 scores every box); in the world (BEV) scores, so is an actor no camera sees at least this tall";
const MIN_VISIBILITY_HELP = 'ground truth less visible than this is not scored (0–1)';
/** `scenarios run`: golden files hold the default scoring's figures. */
const NOT_COMPARED = '; runs at another value are not compared with golden files';

export function register(program: Command): void {
  const cmd = program
    .command('scenarios')
    .description('scenario regression suite: simulate → replay → score against expect');
  cmd
    .command('run')
    .description('run scenarios in parallel, check their expect blocks and golden results, write reports')
    .argument(
      '[scenarios...]',
      'scenario files, folders, globs (scenarios/*.yaml) or names (default: all bundled)',
    )
    .option(
      '-o, --out <dir>',
      "reports, results and cached recordings (the previous run's reports, results and plots there are removed first)",
      'out/scenarios',
    )
    .option('-j, --jobs <n>', 'worker processes (default: number of CPUs)')
    .option('--quick', 'half resolution (same duration): faster, with its own golden files')
    .option('--detector <d>', 'oracle (simulator ground truth + seeded noise) | model', 'oracle')
    .option('--model <card>', 'model card or .onnx for --detector model')
    .option(
      '--tiles <CxR>',
      'with --detector model, also detect on COLSxROWS overlapping tiles of each frame (as replay --tiles); such runs are not compared with golden files',
      (v) => parseTiles(v),
    )
    .option(
      '--oracle-seed <n>',
      "seed of the oracle's noise, misses and false positives (default 1); another seed's runs are not compared with golden files",
    )
    .option(
      '--params <file>',
      'tracker and fusion parameters (as replay --params); runs with changed ones are not compared with golden files',
    )
    .option('--tracker <kind>', 'bytetrack | sort; SORT runs are not compared with golden files', 'bytetrack')
    .option('--update-golden', 'write golden files from this run instead of comparing')
    .option('--golden-dir <dir>', 'golden files (default: recordings/golden)')
    .option('--recordings <dir>', 'recording cache (default: <out>/recordings)')
    .option('--min-visibility <f>', MIN_VISIBILITY_HELP + NOT_COMPARED, String(DEFAULT_SCORE.minVisibility))
    .option('--min-height <px>', MIN_HEIGHT_HELP + NOT_COMPARED, String(DEFAULT_SCORE.minHeightPx))
    .option('--json', 'print suite.json to stdout instead of the table')
    .option('--no-progress', 'no status line of the scenarios running')
    .action(
      action(async (args: string[], o: RunOpts) => {
        if (o.detector !== 'oracle' && o.detector !== 'model') {
          throw new ConfigError({ what: `--detector '${o.detector}'`, hint: 'oracle or model' });
        }
        refuseModelWithOtherDetector(o.model, o.detector, 'add --detector model');
        const jobs = o.jobs === undefined ? undefined : intArg('--jobs', o.jobs, 256);
        // The oracle hashes its seed as 32 bits: a larger one would alias a smaller seed (2^32 + 1 is seed 1).
        const oracleSeed =
          o.oracleSeed === undefined ? undefined : intArg('--oracle-seed', o.oracleSeed, 0xffffffff, 0);
        if (oracleSeed !== undefined) {
          if (o.detector !== 'oracle' || o.updateGolden) {
            throw new ConfigError({
              what: '--oracle-seed goes with the oracle detector and without --update-golden',
              hint: 'golden files are for the default seed',
            });
          }
        }
        if (o.tiles && (o.detector !== 'model' || o.updateGolden))
          throw new ConfigError({
            what: '--tiles goes with --detector model and without --update-golden',
            where: 'scenarios run',
            hint: 'the oracle reads ground truth, not pixels; golden files are for whole frames',
          });
        if (o.tracker !== 'bytetrack' && o.tracker !== 'sort')
          throw new ConfigError({
            what: `--tracker '${o.tracker}'`,
            where: 'scenarios run',
            hint: 'bytetrack or sort',
          });
        if (o.tracker === 'sort' && o.updateGolden)
          throw new ConfigError({
            what: '--tracker sort goes without --update-golden',
            hint: "golden files are ByteTrack's, the suite's tracker",
          });
        if (o.params !== undefined && o.updateGolden) {
          throw new ConfigError({
            what: '--params goes without --update-golden',
            hint: 'golden files are for the default parameters',
          });
        }
        // Golden files hold the default scoring's figures: another --min-height or --min-visibility moves every
        // metric (each scenario failed against them), and accepting them, as the failure said, overwrote them.
        const score = scoreOptions(o);
        if (o.updateGolden && scoreChanges(score).length > 0) {
          const flags = [
            ...(score.minHeightPx === DEFAULT_SCORE.minHeightPx ? [] : [`--min-height ${o.minHeight}`]),
            ...(score.minVisibility === DEFAULT_SCORE.minVisibility
              ? []
              : [`--min-visibility ${o.minVisibility}`]),
          ];
          throw new ConfigError({
            what: `${flags.join(' and ')} ${flags.length > 1 ? 'go' : 'goes'} without --update-golden`,
            hint: `golden files are scored at the defaults (--min-height ${DEFAULT_SCORE.minHeightPx}, --min-visibility ${DEFAULT_SCORE.minVisibility})`,
          });
        }
        const values = o.params === undefined ? undefined : await loadParams(o.params);
        // A file that sets nothing, or only defaults (`viper params` unedited), is the default run: compared with
        // the golden files as usual (it had turned the comparison off, as tuned parameters do).
        const params =
          o.params === undefined || values === undefined || setsOnlyDefaults(values)
            ? undefined
            : { file: o.params, values };
        if (o.params !== undefined && values !== undefined && params === undefined && !setsNothing(values))
          process.stderr.write(
            `note: ${o.params} sets every parameter it names to its default: the default run, compared with the golden files\n`,
          );
        // Compared with a folder that is not there, every golden file would be 'missing' and the suite pass.
        if (
          o.goldenDir &&
          !o.updateGolden &&
          !(existsSync(o.goldenDir) && statSync(o.goldenDir).isDirectory())
        ) {
          throw new ConfigError({
            what: `--golden-dir '${o.goldenDir}' is not a folder`,
            where: resolve(o.goldenDir),
            hint: 'give the folder of golden files, or write them there with --update-golden',
          });
        }
        const files = expandScenarioArgs(args, SCENARIO_DIR);
        const own = files.find((f) => !isBundledScenario(f));
        if (o.updateGolden && !o.goldenDir && own !== undefined)
          throw new ConfigError({
            what: `${own} is not a bundled scenario: recordings/golden holds only theirs (by scenario name)`,
            where: '--update-golden',
            hint: 'give your scenarios a folder of their own: --golden-dir my-goldens',
          });
        checkFolderPath(o.out, '--out'); // a file there fails now, not after every scenario has run
        // The golden folder written to, checked now: a read-only one failed after every scenario had run.
        if (o.updateGolden) {
          const into = dirname(
            goldenPath(o.goldenDir ?? GOLDEN_DIR, {
              scenario: 'x',
              quick: o.quick === true,
              detector: o.detector,
            }),
          );
          await makeDirs(into, '--golden-dir');
          try {
            accessSync(into, constants.W_OK);
          } catch (err) {
            throw new ConfigError({
              what: `cannot write golden files into ${into}: ${systemFailure(err) ?? (err as Error).message}`,
              where: '--golden-dir',
              hint: 'give a folder you can write to',
            });
          }
        }
        const quiet = o.json === true;
        const status = createStatusLine(!quiet && o.progress !== false);
        const suite = await runSuite({
          files,
          outDir: resolve(o.out),
          // The previous run's results, plots and reports go: the folder then holds this run's alone.
          beforeRun: clearingPreviousRun(resolve(o.out)),
          ...(o.recordings ? { recordingsDir: resolve(o.recordings) } : {}),
          ...(o.goldenDir ? { goldenDir: resolve(o.goldenDir) } : {}),
          ...(jobs ? { jobs } : {}),
          quick: o.quick === true,
          detector: o.detector,
          ...(o.model ? { model: o.model } : {}),
          ...(o.tiles ? { tiles: o.tiles } : {}),
          ...(oracleSeed !== undefined ? { oracleSeed } : {}),
          ...(o.tracker === 'sort' ? { tracker: 'sort' as const } : {}),
          ...(params ? { params } : {}),
          updateGolden: o.updateGolden === true,
          score,
          onOutcome: (x, done, total) => {
            status.delete(x.file);
            if (!quiet)
              status.print(`[${done}/${total}] ${x.status.toUpperCase().padEnd(5)} ${x.scenario}\n`);
          },
          onProgress: (file, name, p) => status.set(file, scenarioStatus(name, p)),
        });
        status.clear();
        const paths = await writeReports(suite, resolve(o.out));
        if (o.json) {
          printJson(suiteJson(suite, resolve(o.out)));
        } else {
          process.stdout.write(formatTable(suite));
          process.stdout.write(`reports: ${paths.markdown}, ${paths.junit}, ${paths.json}\n`);
        }
        if (suite.interrupted) return EXIT_INTERRUPTED;
        // Bad input found by a worker (e.g. an expect naming a camera the recording lacks) exits 2, as usual.
        const errors = suite.outcomes.filter((x) => x.status === 'error');
        if (errors.length > 0 && errors.every((x) => x.badInput)) return EXIT_BAD_INPUT;
        return suite.failed + suite.errors > 0 ? 1 : 0;
      }),
    );
  cmd
    .command('score')
    .description("check one replay's results against a scenario's expect block")
    .argument('<results>', 'results.mcap from viper replay')
    .requiredOption('--scenario <file>', 'the scenario file whose expect block to check')
    .option('--gt <recording>', 'recording with /ground_truth/objects (default: the results file)')
    .option('--min-visibility <f>', MIN_VISIBILITY_HELP, String(DEFAULT_SCORE.minVisibility))
    .option('--min-height <px>', MIN_HEIGHT_HELP, String(DEFAULT_SCORE.minHeightPx))
    .option('--json', 'print checks and metrics as JSON')
    .action(
      action(
        withDamageHint(
          recoverElsewhere('`viper scenarios score`'),
          async (
            results: string,
            o: { scenario: string; gt?: string; minVisibility: string; minHeight: string; json?: boolean },
          ) => {
            // A bundled scenario by name, as `scenarios run` takes it (it needed a path).
            const files = expandScenarioArgs([o.scenario], SCENARIO_DIR);
            // A folder or a glob: one scenario's checks are what is scored (the first file had been taken unsaid).
            if (files.length > 1)
              throw new ConfigError({
                what: `--scenario names ${files.length} scenario files (${files.map((f) => basename(f)).join(', ')})`,
                where: o.scenario,
                hint: 'give the one file the results were simulated from',
              });
            const [file = o.scenario] = files;
            const score = scoreOptions(o);
            const { scenario } = await loadScenario(file, { minViewPx: score.minHeightPx });
            await checkScenarioOf(results, scenario.name, file);
            const s = await scoreRun(results, o.gt, scenario.expect, file, score);
            if (o.json)
              printJson({ scenario: scenario.name, checks: s.checks, metrics: s.metrics, notes: s.notes });
            else {
              for (const c of s.checks)
                process.stdout.write(`${c.ok ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
              for (const n of s.notes) process.stdout.write(`note: ${n}\n`);
              const passed = s.checks.filter((c) => c.ok).length;
              process.stdout.write(
                `${passed === s.checks.length ? 'PASS' : 'FAIL'} ${scenario.name}: ${passed} of ${s.checks.length} checks passed\n`,
              );
            }
            return s.checks.every((c) => c.ok) ? 0 : 1;
          },
        ),
      ),
    );
}

/**
 * What `scenarios score` is given must be results, and of this scenario: a recording never replayed would fail every
 * check as if the tracker had found nothing (eval calls it bad input), and results carry the name of the scenario
 * they were simulated from (the recording's `scenario` metadata, passed through by replay), so another scenario's
 * expect block would pass or fail them for nothing.
 */
async function checkScenarioOf(results: string, name: string, file: string): Promise<void> {
  const reader = await RecordingReader.open(results);
  try {
    const outputs = reader
      .channels()
      .some((c) => cameraFromAnnotationsTopic(c.topic) !== null || c.topic === topics.objects);
    if (!outputs) {
      throw new InputError({
        what: 'nothing to score: no tracks on /perception/<camera>/annotations and no /perception/objects',
        where: results,
        hint: `replay it first: viper replay ${results} -o <results.mcap>`,
      });
    }
    // Its checks would be judged on the part replayed (an event later on never seen, a count over a second).
    const notWhole = await notWholeRun(reader);
    if (notWhole !== undefined) {
      throw new InputError({
        what: notWhole,
        where: results,
        hint: 'replay the whole recording, then score those results',
      });
    }
    const of = (await reader.metadata()).find((m) => m.name === 'scenario')?.metadata.name;
    if (of !== undefined && of !== name) {
      throw new InputError({
        what: `results of scenario '${of}' checked against scenario '${name}'`,
        where: `${results} vs ${file}`,
        hint: `pass the scenario they were simulated from (${of}) with --scenario`,
      });
    }
  } finally {
    await reader.close();
  }
}
