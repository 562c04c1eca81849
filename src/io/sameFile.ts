/** Whether two paths name one file: what output guards and "is --gt the results file itself?" both ask. */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The canonical name of `path`: symlinks resolved where the file (or else its folder) exists, so two spellings
 * of one file compare equal whether or not the file is there yet.
 */
export function canonicalPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // Not there (yet): resolve its folder, where an output usually is.
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** True when `a` and `b` name one file: the same canonical path, or (both existing) the same device and inode. */
export function sameFile(a: string, b: string): boolean {
  if (canonicalPath(a) === canonicalPath(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}
