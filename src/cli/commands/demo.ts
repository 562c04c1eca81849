/**
 * `viper demo [scenario]`: the main job on built-in defaults. Simulates a bundled scenario into a six-camera
 * recording, replays it through detect → track → fuse with the bundled detector (the oracle detector, labelled
 * as such, when no bundled model is present), scores it against the scenario's expect block and writes the
 * results MCAP, a Markdown/JSON/JUnit report and a plot.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { expandScenarioArgs, formatTable, suiteJson, writeReports } from '../../eval/scenarios/index.ts';
import { clearingPreviousRun, runSuite, SCENARIO_DIR } from '../suite/index.ts';
import { createStatusLine, scenarioStatus } from '../progress.ts';
import { BUNDLED_MODEL } from '../../graph/buildStages.ts';
import { ConfigError, EXIT_BAD_INPUT, EXIT_INTERRUPTED } from '../../contracts/errors.ts';
import { action, printJson } from '../run.ts';
import { loadScenario } from '../../sim/scenario/load.ts';
import { checkFolderPath } from '../../io/makeDirs.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .description('the main job: simulate a bundled scenario, replay it through the bundled model, score it')
    .argument('[scenario]', 'bundled scenario name or scenario file', 'urban_intersection')
    .option('-o, --out <dir>', 'output folder (default: out/demo, out/demo-oracle with --detector oracle)')
    .option(
      '--detector <d>',
      'model (the bundled detector; the default when it is installed) | oracle (ground truth + seeded noise)',
    )
    .option(
      '--json',
      'print the result as JSON (as scenarios run --json: status, checks, metrics; and the reports written)',
    )
    .option('--no-progress', 'no status line while the scenario runs')
    .action(
      action(
        async (
          scenario: string,
          o: { out?: string; detector?: string; json?: boolean; progress?: boolean },
        ) => {
          if (o.detector !== undefined && o.detector !== 'model' && o.detector !== 'oracle') {
            throw new ConfigError({ what: `--detector '${o.detector}'`, hint: 'model or oracle' });
          }
          const detector = o.detector ?? (existsSync(BUNDLED_MODEL) ? 'model' : 'oracle');
          if (detector === 'oracle' && o.detector === undefined) {
            process.stderr.write(
              'note: no bundled model found; using the oracle detector (labelled oracle in the report)\n',
            );
          }
          // The oracle's run goes beside the model's, not over it: the two are meant to be looked at side by side.
          const out = resolve(o.out ?? (detector === 'oracle' ? 'out/demo-oracle' : 'out/demo'));
          const files = expandScenarioArgs([scenario], SCENARIO_DIR);
          // Bad input is one line: the scenario and the output folder are checked before the demo says it starts.
          for (const f of files) await loadScenario(f);
          checkFolderPath(out, '--out');
          // Absolute paths, as `scenarios run` prints them: they can be pasted from any folder.
          process.stderr.write(
            `demo: ${files.map((f) => resolve(f)).join(', ')} → ${out}/ (detector: ${detector})\n`,
          );
          const status = createStatusLine(o.json !== true && o.progress !== false);
          const suite = await runSuite({
            files,
            outDir: out,
            // Another scenario's demo into the same folder: the previous one's results and plots go.
            beforeRun: clearingPreviousRun(out),
            jobs: 1,
            detector,
            ...(detector === 'model' ? { model: BUNDLED_MODEL } : {}),
            // The demo reports; golden comparisons are the regression suite's job.
            golden: false,
            onOutcome: (x) => {
              status.delete(x.file);
              status.print(`${x.status.toUpperCase()} ${x.scenario}\n`);
            },
            onProgress: (file, name, p) => status.set(file, scenarioStatus(name, p)),
          });
          status.clear();
          const paths = await writeReports(suite, out);
          if (o.json) {
            // What `scenarios run --json` prints (status, checks, metrics per scenario), and where the reports are.
            printJson({ ...suiteJson(suite, out), reports: paths });
          } else {
            process.stdout.write(formatTable(suite));
            for (const x of suite.outcomes) {
              if (x.run) process.stdout.write(`results: ${resolve(x.run.results.path)}\n`);
            }
            process.stdout.write(`report:  ${resolve(paths.markdown)}\n`);
            const first = suite.outcomes.find((x) => x.run)?.run?.results.path;
            if (first) process.stdout.write(`look at it: npx viper view ${resolve(first)}\n`);
          }
          if (suite.interrupted) return EXIT_INTERRUPTED;
          // Bad input found by a worker (an unwritable folder, a damaged cached recording) exits 2, as usual.
          const errors = suite.outcomes.filter((x) => x.status === 'error');
          if (errors.length > 0 && errors.every((x) => x.badInput)) return EXIT_BAD_INPUT;
          return suite.errors > 0 ? 1 : 0;
        },
      ),
    );
}
