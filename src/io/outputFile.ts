/**
 * A small output file (a track file, a schema, digests, a plot, a report) written whole: its folder is created
 * as `simulate -o` creates a recording's, and a write the system refuses (a full disk, a read-only folder) is one
 * line naming the file and the option, not an internal error, and leaves the file as it was (or absent).
 */
import { constants } from 'node:fs';
import { access, rename, rm, stat, writeFile } from 'node:fs/promises';
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
  // Written beside it, then renamed over it: a write cut short (a full disk) had left a file of the final name
  // cut off, or empty, which reads as a whole one (a camera with no tracks has an empty track file). A device or
  // a pipe (`-o /dev/stdout`) is written in place: nothing can be renamed over it.
  const inPlace = await stat(path).then(
    (s) => !s.isFile(),
    () => false,
  );
  const tmp = inPlace ? path : `${path}.partial`;
  try {
    await writeFile(tmp, data);
    if (!inPlace) await rename(tmp, path);
  } catch (err) {
    if (!inPlace) await rm(tmp, { force: true }).catch(() => undefined);
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
