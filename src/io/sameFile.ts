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

/** What names a file: its canonical path, and its device and inode when it exists (hard links share those). */
export interface FileIdentity {
  canonical: string;
  inode?: string;
}

export function fileIdentity(path: string): FileIdentity {
  const canonical = canonicalPath(path);
  try {
    const st = statSync(path);
    return { canonical, inode: `${st.dev}:${st.ino}` };
  } catch {
    return { canonical };
  }
}

/** True when `a` and `b` name one file: the same canonical path, or (both existing) the same device and inode. */
export function sameFile(a: string, b: string): boolean {
  return sameIdentity(fileIdentity(a), fileIdentity(b));
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.canonical === b.canonical || (a.inode !== undefined && a.inode === b.inode);
}
