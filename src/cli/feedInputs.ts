/**
 * The recordings `viper replay` is given, as feeds: its arguments, where a folder of MCAP files (not a rosbag2
 * bag: no metadata.yaml) stands for its `*.mcap` files, sorted; and, with `--feeds-from <list>`, the paths the
 * list holds, one a line (thousands of feeds do not fit on a command line).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { textInput } from '../io/fileKind.ts';
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';

/**
 * The recordings to replay, and whether they are feeds (results into a folder): several of them, or any given as a
 * folder or a list, however many that holds (a script's list of one feed is still feeds).
 */
export function feedInputs(
  args: readonly string[],
  feedsFrom: string | undefined,
): { inputs: string[]; asFeeds: boolean; notes: string[] } {
  const notes = args.flatMap(nestedNote);
  const expanded = args.map(folderFeeds);
  const inputs = expanded.flat();
  let asFeeds = inputs.length > 1 || expanded.some((e, i) => e[0] !== args[i]);
  if (feedsFrom !== undefined) {
    inputs.push(...listFeeds(feedsFrom).flatMap(folderFeeds));
    asFeeds = true;
  }
  if (inputs.length === 0) {
    throw new ConfigError({
      what: 'no recording to replay',
      ...(feedsFrom !== undefined ? { where: `--feeds-from ${feedsFrom}` } : {}),
      hint: 'give recordings (.mcap), a folder of them, or --feeds-from <list> (viper replay --help)',
    });
  }
  return { inputs, asFeeds, notes };
}

/** Recordings (not results) among a folder's entries. */
const recordings = (names: readonly string[]) =>
  names.filter((n) => /\.mcap$/i.test(n) && !/\.results\.mcap$/i.test(n));

/**
 * A note for a folder given as feeds whose subfolders hold recordings too: only its own files are feeds, and the
 * others had been left out without a word (a city's siteA/north/cam.mcap).
 */
function nestedNote(path: string): string[] {
  let subfolders: string[];
  try {
    if (!statSync(path).isDirectory()) return [];
    subfolders = readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .filter((d) => {
        try {
          return recordings(readdirSync(join(path, d))).length > 0;
        } catch {
          return false;
        }
      })
      .sort();
  } catch {
    return [];
  }
  if (subfolders.length === 0) return [];
  const shown = `${subfolders.slice(0, 3).join(', ')}${subfolders.length > 3 ? ', …' : ''}`;
  return [
    `${path}: ${subfolders.length} subfolder${subfolders.length === 1 ? '' : 's'} holding recordings not replayed (${shown}): a folder's own .mcap files are its feeds; give the subfolders too, or list every recording with --feeds-from <list>`,
  ];
}

/**
 * A folder of two or more `.mcap` files (not `*.results.mcap`) and no metadata.yaml: those files, sorted; anything
 * else as given.
 */
function folderFeeds(path: string): string[] {
  let names: string[];
  try {
    if (!statSync(path).isDirectory() || existsSync(join(path, 'metadata.yaml'))) return [path];
    names = readdirSync(path);
  } catch {
    return [path]; // missing or unreadable: said as such when it is opened
  }
  // Results of an earlier replay into the same folder (`<name>.results.mcap`) are outputs, not feeds.
  const mcap = recordings(names).sort();
  // One: read as that recording (a bag copied without its metadata.yaml), as before.
  return mcap.length < 2 ? [path] : mcap.map((n) => join(path, n));
}

/** `--feeds-from`: one path a line (blank lines and `#` comments skipped), relative ones from the list's folder. */
function listFeeds(list: string): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(list);
  } catch (err) {
    throw new ConfigError({
      what: `cannot read the list of feeds: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      where: `--feeds-from ${list}`,
      hint: 'give a text file with one recording path a line',
      cause: err,
    });
  }
  return textInput(bytes, list, {
    what: 'a list of feeds',
    where: `--feeds-from ${list}`,
    hint: (other) =>
      `give a text file with one recording path a line${other.kind === 'mcap' ? `, or the recording itself as an argument: viper replay ${list} -o <out>` : ''}`,
  })
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (isAbsolute(l) ? l : join(dirname(list), l)));
}
