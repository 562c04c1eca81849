/**
 * `mkdir -p` that fails where it cannot create a folder. Node's own recursive mkdir loops forever on a path whose
 * parent exists but refuses new entries without saying EACCES (`/proc/x/y`: mkdir gives ENOENT, the parent
 * EEXIST, and round again), so outputs named there hung `simulate`, `demo`, `scenarios run` and `replay`.
 */
import { statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';

/** Create `dir` and its missing parents; `where` names the option or path for the one-line error. */
export async function makeDirs(dir: string, where: string = dir): Promise<void> {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    const kind = await stat(p).then(
      (s) => (s.isDirectory() ? 'folder' : 'file'),
      (err: NodeJS.ErrnoException) =>
        err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'missing' : fail(err, where),
    );
    if (kind === 'folder') break;
    if (kind === 'file') {
      throw new ConfigError({
        what: `cannot create the folder ${dir}: ${p} is a file`,
        where,
        hint: 'give a folder path (its parents must be folders)',
      });
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) {
    await mkdir(m).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') fail(err, where, dir);
    });
  }
}

/**
 * Checks, creating nothing, that `dir` can be a folder: its nearest existing ancestor (or itself) is a folder, not
 * a file. For commands that validate everything before their first output.
 */
export function checkFolderPath(dir: string, where: string): void {
  for (let p = resolve(dir); ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      if (dirname(p) === p) return;
      continue; // missing: created later
    }
    if (isDir) return;
    throw new ConfigError({
      what: `cannot create the folder ${dir}: ${p} is a file`,
      where,
      hint: 'give a folder path (its parents must be folders)',
    });
  }
}

function fail(err: NodeJS.ErrnoException, where: string, dir?: string): never {
  throw new ConfigError({
    what: `cannot create the folder${dir ? ` ${dir}` : ''} (${err.code ?? 'error'})`,
    where,
    hint: 'give a folder that can be created (its parent exists and is writable)',
    cause: err,
  });
}
