/**
 * Scenario file arguments → files: a file, a folder (its .yaml / .json scenario files), a glob with `*` / `?` in
 * the file name (`scenarios/*_street.yaml`), or a bare scenario name looked up in the default folder.
 * Sorted and de-duplicated, so a suite runs in the same order everywhere.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../contracts/errors.ts';
import { nearest } from '../../sim/scenario/errors.ts';

/** Folders also hold other JSON (the schema, simulator digests): a .json file counts if it has a map and an ego. */
function isScenarioFile(path: string): boolean {
  if (/\.ya?ml$/i.test(path)) return true;
  if (!/\.json$/i.test(path)) return false;
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return v !== null && typeof v === 'object' && 'map' in v && 'ego' in v;
  } catch {
    return false;
  }
}

function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  const re = new RegExp(
    `^${basename(pattern)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .map((f) => join(dir, f))
    .filter(isScenarioFile);
}

/** Expand arguments (default: every scenario in `defaultDir`). Throws ConfigError when one matches nothing. */
export function expandScenarioArgs(args: readonly string[], defaultDir: string): string[] {
  const out = new Set<string>();
  for (const a of args.length ? args : [defaultDir]) {
    let found: string[];
    // A file that exists is taken as named, even with a * or ? in its name.
    if (existsSync(a)) found = statSync(a).isDirectory() ? glob(join(a, '*')) : [a];
    else if (/[*?]/.test(a)) found = glob(a);
    else
      found = ['.yaml', '.yml', '.json']
        .map((e) => join(defaultDir, `${a}${e}`))
        .filter((f) => existsSync(f));
    if (found.length === 0) {
      // A path or a glob names its own place; only a bare name was looked up among the bundled scenarios.
      if (/[/\\*?]|\.(ya?ml|json)$/i.test(a)) {
        throw new ConfigError({
          what: `no scenario file matches '${a}'`,
          where: a,
          hint: 'give scenario files (.yaml or .json), a folder of them, a glob, or a bundled scenario name',
        });
      }
      const names = existsSync(defaultDir)
        ? glob(join(defaultDir, '*')).map((f) => basename(f).replace(/\.(ya?ml|json)$/i, ''))
        : [];
      const guess = nearest(a, names);
      throw new ConfigError({
        what: `no scenario file matches '${a}'`,
        where: defaultDir,
        hint: `${guess ? `did you mean '${guess}'? ` : ''}give a name (${names.join(', ')}), a file, a folder or a glob`,
      });
    }
    for (const f of found) out.add(f);
  }
  return [...out].sort();
}
