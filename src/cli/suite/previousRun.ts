/**
 * The previous run's outputs in the suite's output folder, removed before a run into it starts: a second run with
 * fewer scenarios, or one whose scenario failed before its replay, had left the first run's results and plots
 * beside its own, and a CI artifact or anything listing the folder mixed the two runs.
 *
 * Only what Viper wrote there, as the previous suite.json lists it (and `.viper-run.json`, which each run writes as
 * it begins, so a run killed before its reports is listed too), is removed: per listed scenario
 * `<name>/results.mcap` (then `<name>/` if that leaves it empty) and `plots/<name>.svg`, never through a symbolic
 * link, and the reports (`suite.json`, `junit.xml`, `report.md`: a run that dies leaves no earlier report for CI
 * to publish as its own). The recording cache (`recordings/`) stays, and so does anything else in the folder. A
 * suite.json that cannot be read as a suite report: nothing is removed, and the note says why.
 *
 * @example
 * const { removed, notInRun, note } = await clearPreviousRun('out/scenarios', ['red_light_stop']);
 */
import { existsSync } from 'node:fs';
import { lstat, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ViperError, systemFailure } from '../../contracts/errors.ts';
import { makeDirs } from '../../io/makeDirs.ts';
import { readSuiteJson } from './suiteFile.ts';

/** A scenario name (the scenario schema's ids): anything else listed is not a folder this suite wrote. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const REPORTS = ['suite.json', 'junit.xml', 'report.md'] as const;

/**
 * The scenarios of the run under way, written once the previous run's outputs are removed: a run killed before its
 * reports (SIGKILL, out of memory) is still listed for the next one to clear.
 */
const STARTED = '.viper-run.json';

export interface ClearedRun {
  /** The files removed (absolute). */
  removed: string[];
  /** The previous run's scenarios that are not in this one (their outputs removed). */
  notInRun: string[];
  /** Why nothing was removed though a suite.json is there. */
  note?: string;
}

/** Remove the outputs the previous run listed in `<outDir>/suite.json`; `names` are this run's scenarios. */
export async function clearPreviousRun(outDir: string, names: readonly string[]): Promise<ClearedRun> {
  const file = join(outDir, 'suite.json');
  // A run that died before its reports still listed its scenarios here when it began.
  const started = await startedNames(outDir);
  let listed: string[] = [];
  if (existsSync(file)) {
    try {
      listed = (await readSuiteJson(file)).scenarios.map((s) => s.scenario);
    } catch (err) {
      if (!(err instanceof ViperError)) throw err;
      return {
        removed: [],
        notInRun: [],
        // Only what this run writes is replaced (its reports and results, by name): the note had said nothing
        // would be, and then suite.json and report.md were.
        note: `${err.message.split('\n')[0]}: the earlier outputs in ${outDir} are not removed; this run's suite.json, report.md, junit.xml, plots and results replace files of the same names there`,
      };
    }
  }
  listed = [...new Set([...listed, ...started])].filter((n) => NAME.test(n));
  const removed: string[] = [];
  const remove = async (p: string): Promise<void> => {
    if (!existsSync(p)) return;
    try {
      await rm(p);
    } catch (err) {
      throw new ConfigError({
        what: `cannot remove the previous run's ${p}: ${systemFailure(err) ?? (err as Error).message}`,
        where: '--out',
        hint: 'remove it yourself, or give another output folder',
        cause: err,
      });
    }
    removed.push(p);
  };
  // Viper writes real folders: a link there leads out of the output folder, to what is not ours.
  const plots = join(outDir, 'plots');
  const plotsOurs = await isRealFolder(plots);
  for (const name of listed) {
    if (await isRealFolder(join(outDir, name))) {
      await remove(join(outDir, name, 'results.mcap'));
      await rmdir(join(outDir, name)).catch(() => {}); // only if empty: what else is there is not ours
    }
    if (plotsOurs) await remove(join(plots, `${name}.svg`));
  }
  if (plotsOurs) await rmdir(plots).catch(() => {});
  for (const r of REPORTS) await remove(join(outDir, r));
  await makeDirs(outDir, '--out');
  await writeFile(join(outDir, STARTED), `${JSON.stringify({ scenarios: names })}\n`);
  const now = new Set(names);
  return { removed, notInRun: listed.filter((n) => !now.has(n)) };
}

/** The scenarios a run lists in STARTED as it begins; none where the file is missing or unreadable. */
async function startedNames(outDir: string): Promise<string[]> {
  try {
    const raw = JSON.parse(await readFile(join(outDir, STARTED), 'utf8')) as { scenarios?: unknown };
    return Array.isArray(raw.scenarios)
      ? raw.scenarios.filter((n): n is string => typeof n === 'string')
      : [];
  } catch {
    return [];
  }
}

async function isRealFolder(p: string): Promise<boolean> {
  return lstat(p).then(
    (st) => st.isDirectory(),
    () => false,
  );
}

/**
 * `runSuite`'s `beforeRun` for the commands writing into `outDir`: clears the previous run, with a note on stderr
 * when scenarios of it are not in this run (their outputs go) or when its suite.json could not be read.
 */
export function clearingPreviousRun(outDir: string): (names: readonly string[]) => Promise<void> {
  return async (names) => {
    const r = await clearPreviousRun(outDir, names);
    if (r.note) process.stderr.write(`note: ${r.note}\n`);
    if (r.notInRun.length > 0)
      process.stderr.write(
        `note: removed the previous run's outputs of ${r.notInRun.join(', ')} (not in this run) from ${outDir}\n`,
      );
  };
}
