/**
 * A small output file (a track file, a schema, digests, a plot, a report) written whole: its folder is created
 * as `simulate -o` creates a recording's, and a write the system refuses (a full disk, a read-only folder) is one
 * line naming the file and the option, not an internal error, and leaves the file as it was (or absent).
 */
import { constants } from 'node:fs';
import { access, chmod, lstat, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, systemFailure } from '../contracts/errors.ts';
import { makeDirs } from './makeDirs.ts';

export async function writeOutputFile(
  path: string,
  data: string | Uint8Array,
  /** The option that names the file (`-o`, `--digests`), for the message. */
  flag: string,
): Promise<void> {
  await makeDirs(dirname(path), flag);
  const target = await replaceableTarget(path);
  // Written beside the file, then renamed over it: a write cut short (a full disk) had left a file of the final
  // name cut off, or empty, which reads as a whole one (a camera with no tracks has an empty track file).
  const tmp = target ? `${target.path}.viper-${process.pid}.partial` : undefined;
  try {
    await writeFile(tmp ?? path, data);
    if (target && tmp) {
      // The file's own mode (a private 600 file had become 644).
      if (target.mode !== undefined) await chmod(tmp, target.mode);
      await rename(tmp, target.path);
    }
  } catch (err) {
    if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
    const why = systemFailure(err);
    if (why === undefined) throw err;
    throw new ConfigError({ what: `cannot write ${path}: ${why}`, where: flag, cause: err });
  }
}

/**
 * Where a file can be replaced by a rename, with the mode to keep: the file a symbolic link points to (the link
 * stays a link), in a folder this process can write. Undefined where it is written in place: a device, a pipe or
 * `/dev/stdout` however redirected (anything under /dev or /proc: renaming over a redirect's file would leave the
 * shell writing to the old one), or a writable file in a folder that is not.
 */
async function replaceableTarget(path: string): Promise<{ path: string; mode?: number } | undefined> {
  const special = (p: string) => /^\/(dev|proc)(\/|$)/.test(p);
  if (special(resolve(path))) return undefined;
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) {
    // No file yet (or a dangling link: written through it, as writeFile would).
    const link = await lstat(path).catch(() => undefined);
    return link?.isSymbolicLink() ? undefined : { path };
  }
  if (special(real)) return undefined;
  const st = await stat(real);
  if (!st.isFile()) return undefined;
  const folderWritable = await access(dirname(real), constants.W_OK).then(
    () => true,
    () => false,
  );
  return folderWritable ? { path: real, mode: st.mode & 0o7777 } : undefined;
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
