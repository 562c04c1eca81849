/**
 * Reading a suite.json back (the previous run in `scenarios run -o`, a CI artifact downloaded elsewhere): the
 * fields a reader needs, with every path made absolute. Version 2 (`version: 2`) holds paths relative to the
 * folder holding suite.json; version 1 (no `version` field, written before) absolute ones, read as they are.
 * A file that is not JSON, not a suite report, or of a newer version is one line (InputError).
 *
 * @example
 * const suite = await readSuiteJson('artifacts/scenarios/suite.json');
 * for (const s of suite.scenarios) if (s.results) console.log(s.scenario, s.results.path); // absolute
 * for (const s of suite.notStarted ?? []) console.log('not started:', s.file); // an interrupted run's
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../contracts/errors.ts';
import { SUITE_JSON_VERSION } from '../../eval/scenarios/index.ts';

const Scenario = z.looseObject({
  scenario: z.string(),
  status: z.string(),
  file: z.string().optional(),
  results: z.looseObject({ path: z.string(), sha256: z.string() }).optional(),
  golden: z.looseObject({ path: z.string(), status: z.string() }).optional(),
});

const SuiteFile = z.looseObject({
  version: z.number().int().min(1).optional(),
  mode: z.string(),
  detector: z.string(),
  scenarios: z.array(Scenario),
  /** An interrupted run's scenarios that never started (`interrupted: true` beside it). */
  notStarted: z.array(z.looseObject({ scenario: z.string(), file: z.string() })).optional(),
});

export type SuiteFile = z.infer<typeof SuiteFile> & { version: number };

/** suite.json at `file`, its paths absolute; InputError (one line) when it cannot be read as one. */
export async function readSuiteJson(file: string): Promise<SuiteFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({
      what: code ? `cannot read it (${code})` : `not JSON: ${(err as Error).message.split('\n')[0]}`,
      where: file,
      hint: 'the suite.json a `viper scenarios run` wrote',
      cause: err,
    });
  }
  const r = SuiteFile.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError({
      what: `not a scenario suite report: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
      where: file,
      hint: 'the suite.json a `viper scenarios run` wrote',
    });
  }
  const version = r.data.version ?? 1;
  if (version > SUITE_JSON_VERSION) {
    throw new InputError({
      what: `suite.json version ${version}, newer than this viper reads (${SUITE_JSON_VERSION})`,
      where: file,
      hint: 'read it with the viper that wrote it, or update viper',
    });
  }
  // Version 1's paths are absolute and resolve to themselves; version 2's are relative to the file's folder.
  const base = dirname(resolve(file));
  const abs = (p: string) => resolve(base, p);
  return {
    ...r.data,
    version,
    scenarios: r.data.scenarios.map((s) => ({
      ...s,
      ...(s.file === undefined ? {} : { file: abs(s.file) }),
      ...(s.results ? { results: { ...s.results, path: abs(s.results.path) } } : {}),
      ...(s.golden ? { golden: { ...s.golden, path: abs(s.golden.path) } } : {}),
    })),
    ...(r.data.notStarted ? { notStarted: r.data.notStarted.map((x) => ({ ...x, file: abs(x.file) })) } : {}),
  };
}
