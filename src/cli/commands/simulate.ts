import { plural } from '../words.ts';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError, EXIT_BAD_INPUT, EXIT_INTERRUPTED, ViperError } from '../../contracts/errors.ts';
import { mosaicPng } from '../../sim/mosaic.ts';
import { recordScenario } from '../../sim/record.ts';
import { loadScenario, refuseSameNames, scenarioJsonSchema } from '../../sim/scenario/load.ts';
import { ScenarioMistakes } from '../../sim/scenario/errors.ts';
import { frameCount } from '../../sim/simulate.ts';
import { createProgress } from '../progress.ts';
import { checkOutputPaths } from '../paths.ts';
import { numberArg } from '../args.ts';
import { action, errorLine, onInterrupt, printJson } from '../run.ts';
import { exportDataset } from '../simulateDataset.ts';
import { recordDigests } from '../simulateDigests.ts';
import { makeDirs } from '../../io/makeDirs.ts';
import { checkOutputFolder, writeOutputFile } from '../../io/outputFile.ts';
import { expandScenarioArgs } from '../../eval/scenarios/files.ts';

/** The bundled scenarios: a bare name (`pedestrian_crossing`) is one of them, as in `demo` and `scenarios run`. */
const BUNDLED = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'scenarios');

/**
 * A file as given; a folder or a quoted glob, the scenario files in it (as `scenarios run` takes them: --check of a
 * folder had said EISDIR); a bare name that is no file, the bundled scenario of that name (or a did-you-mean refusal).
 */
function scenarioFiles(arg: string): string[] {
  if (existsSync(arg)) return statSync(arg).isDirectory() ? expandScenarioArgs([arg], BUNDLED) : [arg];
  // A path that names no file is said as not found when read; a glob or a bare name is looked up.
  if (/[/\\]|\.(ya?ml|json)$/i.test(arg) && !/[*?]/.test(arg)) return [arg];
  return expandScenarioArgs([arg], BUNDLED);
}

interface Opts {
  output?: string;
  exportDataset?: string;
  val?: string;
  stride?: string;
  mosaic?: string;
  mosaicAt?: string;
  writeSchema?: string;
  check?: boolean;
  json?: boolean;
  progress?: boolean;
  digests?: string;
  verify?: string;
}

/**
 * Options the chosen mode would not use are refused, not ignored: `--check` writes nothing, `--digests` /
 * `--verify` record to temporary files, and the tuning options need the output they tune.
 */
function refuseIgnoredOptions(o: Opts): void {
  const outputs = [o.output && '-o', o.exportDataset && '--export-dataset', o.mosaic && '--mosaic'].filter(
    Boolean,
  );
  const refuse = (what: string, hint: string) => {
    throw new ConfigError({ what, where: 'viper simulate', hint });
  };
  if (o.check && (outputs.length > 0 || o.digests || o.verify))
    refuse(
      `--check only validates the scenario files, so ${[...outputs, o.digests && '--digests', o.verify && '--verify'].filter(Boolean).join(', ')} would be ignored`,
      'drop --check, or run it on its own',
    );
  if ((o.digests || o.verify) && outputs.length > 0)
    refuse(
      `${o.digests ? '--digests' : '--verify'} records each scenario to a temporary file, so ${outputs.join(', ')} would be ignored`,
      'run them as two commands',
    );
  if (o.mosaicAt !== undefined && !o.mosaic) refuse('--mosaic-at without --mosaic', 'add --mosaic out.png');
  if ((o.stride !== undefined || o.val !== undefined) && !o.exportDataset)
    refuse(
      `${o.stride !== undefined ? '--stride' : '--val'} without --export-dataset`,
      'add --export-dataset DIR',
    );
}

/**
 * `--check`: every file is loaded and validated, each mistake of each bad one on its own line (`error: …`, as a
 * single bad input is), so one run lists every mistake; exit 2 when any is bad. Two files of one scenario name are refused
 * as in every other mode.
 */
async function checkFiles(files: string[], json: boolean): Promise<number> {
  const summary: Record<string, unknown>[] = [];
  const loaded = [];
  for (const file of files) {
    try {
      const l = await loadScenario(file, { allMistakes: true });
      loaded.push(l);
      summary.push({ scenario: l.scenario.name, file, ok: true, frames: frameCount(l.scenario) });
      if (!json)
        process.stdout.write(`ok ${file} (${l.scenario.name}, ${plural(frameCount(l.scenario), 'frame')})\n`);
    } catch (err) {
      if (!(err instanceof ViperError)) throw err;
      const each = err instanceof ScenarioMistakes ? err.all : [err];
      const json = (e: ViperError) => ({ domain: e.domain, what: e.what, where: e.where, hint: e.hint });
      summary.push({
        file,
        ok: false,
        error: json(each[0]!),
        ...(each.length > 1 ? { errors: each.map(json) } : {}),
      });
      for (const e of each) process.stderr.write(`${errorLine(e)}\n`);
    }
  }
  refuseSameNames(loaded, 'simulate');
  if (json) printJson(summary);
  return summary.every((x) => x.ok) ? 0 : EXIT_BAD_INPUT;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('render scenario files into multi-camera MCAP recordings with exact ground truth')
    .argument(
      '[scenarios...]',
      'scenario files (.yaml or .json), folders of them, or bundled scenario names (pedestrian_crossing)',
    )
    .option('-o, --output <file>', 'recording (.mcap) to write (one scenario)')
    .option('--export-dataset <dir>', 'write images + YOLO and COCO labels for detector training')
    .option(
      '--val <names>',
      'comma-separated scenario names for the val split (default: every 5th by name; of 2–4 scenarios, the last)',
    )
    .option('--stride <n>', 'dataset: keep every n-th frame (default 5)')
    .option('--mosaic <png>', "write a mosaic of the rig's cameras, three to a row (one scenario)")
    .option('--mosaic-at <s>', 'time of the mosaic, seconds (default: 2, or the end of a shorter scenario)')
    .option(
      '--write-schema <file>',
      'write the scenario JSON Schema (for editors); alone, nothing else is done',
    )
    .option('--check', 'only validate the scenario files')
    .option(
      '--digests <file>',
      'record each scenario to a temp file and write their SHA-256 digests to <file>',
    )
    .option(
      '--verify <file>',
      'record each scenario and compare with the digests in <file> (exit 1 on a mismatch or a scenario not in <file>)',
    )
    .option('--json', 'print a JSON summary')
    .option('--no-progress', 'no progress bar')
    .action(
      action(async (args: string[], o: Opts) => {
        const files = args.flatMap(scenarioFiles);
        checkOutputPaths(
          [...files, o.verify],
          [
            { path: o.writeSchema, flag: '--write-schema', example: 'scenario.schema.json' },
            { path: o.output, flag: '-o', example: 'recording.mcap' },
            { path: o.mosaic, flag: '--mosaic', example: 'mosaic.png' },
            { path: o.exportDataset, flag: '--export-dataset', replacesFolder: true },
            { path: o.digests, flag: '--digests', example: 'digests.json' },
          ],
        );
        if (o.writeSchema) {
          await writeOutputFile(
            o.writeSchema,
            `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`,
            '--write-schema',
          );
          if (!o.json) process.stdout.write(`wrote ${o.writeSchema}\n`);
          if (files.length === 0) return 0;
        }
        if (files.length === 0)
          throw new ConfigError({
            what: 'no scenario given',
            hint: 'e.g. viper simulate scenarios/night_street.yaml -o rec.mcap',
          });
        if ((o.output || o.mosaic) && files.length > 1) {
          throw new ConfigError({
            what: `-o and --mosaic take one scenario, got ${files.length}`,
            hint: 'run once per scenario, or use --export-dataset',
          });
        }
        if (!o.output && !o.exportDataset && !o.mosaic && !o.check && !o.digests && !o.verify) {
          throw new ConfigError({
            what: 'nothing to write',
            hint: 'give -o rec.mcap, --export-dataset DIR, --mosaic PNG or --check',
          });
        }
        refuseIgnoredOptions(o);
        if (o.check) return await checkFiles(files, o.json === true);
        if (o.mosaic) await checkOutputFolder(o.mosaic, '--mosaic');
        // Validate everything before writing anything.
        const loaded = [];
        for (const f of files) loaded.push(await loadScenario(f));
        refuseSameNames(loaded, 'simulate');
        const end = loaded[0]!.scenario.duration;
        const mosaicAt =
          o.mosaicAt === undefined
            ? Math.min(2, end)
            : numberArg('--mosaic-at', o.mosaicAt, { min: 0, max: end });
        const summary: Record<string, unknown>[] = [];
        const bar = (label: string, total: number) =>
          createProgress(label, total, 'frames', o.progress !== false && !o.json);
        if (o.digests || o.verify) return await recordDigests(loaded, o, bar);
        if (o.output) {
          const l = loaded[0]!;
          const total = frameCount(l.scenario);
          const output = o.output;
          let stop = false;
          const off = onInterrupt((sig) => {
            process.stderr.write(`\n${sig}: stopping, finalizing ${output}\n`);
            stop = true;
          });
          const p = bar(`simulate ${l.scenario.name}`, total);
          try {
            await makeDirs(dirname(output), '-o');
            const r = await recordScenario(l.world, output, {
              onProgress: (d) => p.update(d),
              shouldStop: () => stop,
            });
            if (r.interrupted) p.stop();
            else p.finish();
            summary.push({ scenario: l.scenario.name, ...r, scenarioFrames: total });
            if (!o.json) {
              const frames = r.interrupted
                ? `${r.frames} of ${total} frames (${(r.frames / l.scenario.rate).toFixed(1)} of ${l.scenario.duration} s; interrupted, output finalized)`
                : plural(r.frames, 'frame');
              process.stdout.write(
                `wrote ${r.path}: ${frames}, ${(r.bytes / 1e6).toFixed(1)} MB, sha256 ${r.sha256.slice(0, 16)}…\n`,
              );
            }
            if (r.interrupted) {
              // Ctrl-C ends the command here: no mosaic or dataset after it.
              if (o.json) printJson(summary.length === 1 ? summary[0] : summary);
              return EXIT_INTERRUPTED;
            }
          } finally {
            off();
          }
        }
        if (o.mosaic) {
          const l = loaded[0]!;
          const png = await mosaicPng(l.world, mosaicAt);
          await writeOutputFile(o.mosaic, png, '--mosaic');
          summary.push({ scenario: l.scenario.name, mosaic: o.mosaic });
          if (!o.json) process.stdout.write(`wrote ${o.mosaic}\n`);
        }
        if (o.exportDataset) {
          const code = await exportDataset(loaded, o.exportDataset, o, bar, summary);
          if (code !== 0) return code;
        }
        if (o.json) printJson(summary.length === 1 ? summary[0] : summary);
        return 0;
      }),
    );
}
