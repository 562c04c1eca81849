/**
 * The previous run's outputs in the suite's output folder, removed before a run into it starts: a second run with
 * fewer scenarios, or one whose scenario failed before its replay, had left the first run's results and plots
 * beside its own, and a CI artifact or anything listing the folder mixed the two runs.
 *
 * Only what Viper wrote there, as the previous suite.json lists it, is removed: per listed scenario
 * `<name>/results.mcap` (then `<name>/` if that leaves it empty) and `plots/<name>.svg`, and the reports
 * (`suite.json`, `junit.xml`, `report.md`: a run that dies leaves no earlier report for CI to publish as its own).
 * The recording cache (`recordings/`) stays, and so does anything else in the folder. No suite.json: nothing is
 * removed; one that cannot be read as a suite report: nothing is removed, and the note says why.
 *
 * @example
 * const { removed, notInRun, note } = await clearPreviousRun('out/scenarios', ['red_light_stop']);
 */
import { existsSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ViperError, systemFailure } from '../../contracts/errors.ts';
import { readSuiteJson } from './suiteFile.ts';

/** A scenario name (the scenario schema's ids): anything else listed is not a folder this suite wrote. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const REPORTS = ['suite.json', 'junit.xml', 'report.md'] as const;

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
  if (!existsSync(file)) return { removed: [], notInRun: [] };
  let listed: string[];
  try {
    listed = (await readSuiteJson(file)).scenarios.map((s) => s.scenario).filter((n) => NAME.test(n));
  } catch (err) {
    if (!(err instanceof ViperError)) throw err;
    return {
      removed: [],
      notInRun: [],
      note: `${err.message.split('\n')[0]}: the outputs already in ${outDir} are left as they are`,
    };
  }
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
      });
    }
    removed.push(p);
  };
  for (const name of listed) {
    await remove(join(outDir, name, 'results.mcap'));
    await rmdir(join(outDir, name)).catch(() => {}); // only if empty: what else is there is not ours
    await remove(join(outDir, 'plots', `${name}.svg`));
  }
  await rmdir(join(outDir, 'plots')).catch(() => {});
  for (const r of REPORTS) await remove(join(outDir, r));
  const now = new Set(names);
  return { removed, notInRun: [...new Set(listed)].filter((n) => !now.has(n)) };
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
