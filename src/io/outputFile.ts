/**
 * A small output file (a track file, a schema, digests, a plot, a report) written whole: its folder is created
 * as `simulate -o` creates a recording's, and a write the system refuses (a full disk, a read-only folder) is one
 * line naming the file and the option, not an internal error.
 */
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, systemFailure } from '../contracts/errors.ts';
import { makeDirs } from './makeDirs.ts';

export async function writeOutputFile(
  path: string,
  data: string | Uint8Array,
  /** The option that names the file (`-o`, `--digests`), for the message. */
  flag: string,
): Promise<void> {
  await makeDirs(dirname(path), flag);
  try {
    await writeFile(path, data);
  } catch (err) {
    const why = systemFailure(err);
    if (why === undefined) throw err;
    throw new ConfigError({ what: `cannot write ${path}: ${why}`, where: flag, cause: err });
  }
}

/** Before long work whose result goes to `path`: its folder exists (or is created) and can be written to. */
export async function checkOutputFolder(path: string, flag: string): Promise<void> {
  const dir = dirname(path);
  await makeDirs(dir, flag);
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new ConfigError({
      what: `cannot write into ${dir}: ${systemFailure(err) ?? 'not writable'}`,
      where: flag,
      cause: err,
    });
  }
}
