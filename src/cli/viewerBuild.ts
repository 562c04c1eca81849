/**
 * `viper view` in a checkout serves viewer/dist, which `npm ci` builds (the `prepare` script): a pull or an edit of
 * the viewer's sources since then leaves it behind them, and the browser would show the old viewer. So view checks
 * the sources' times against the build's and rebuilds first (vite, a devDependency), or, where that fails, serves
 * the build it has and says so. The new build is made beside the old one and swapped in by renames, so a second
 * `viper view` starting at the same time, or one already serving, never meets a half-written folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What the bundle is built from: the viewer's sources and the src/ modules it imports (their folders). */
const SOURCES = [
  'viewer/src',
  'viewer/index.html',
  'viewer/vite.config.ts',
  'src/contracts',
  'src/geometry',
  'src/track/colors.ts',
];

/**
 * A source file changed after `distDir/index.html` was built (the first found), or null when the build is newer
 * or there is none to compare (`view` then says the viewer is not built).
 */
export function staleSource(repoRoot: string, distDir: string): string | null {
  let built: number;
  try {
    built = statSync(join(distDir, 'index.html')).mtimeMs;
  } catch {
    return null;
  }
  const walk = (path: string): string | null => {
    if (!existsSync(path)) return null;
    const st = statSync(path);
    if (!st.isDirectory()) return st.mtimeMs > built ? path : null;
    for (const name of readdirSync(path).sort()) {
      const hit = walk(join(path, name));
      if (hit) return hit;
    }
    return null;
  };
  for (const s of SOURCES) {
    const hit = walk(join(repoRoot, s));
    if (hit) return hit;
  }
  return null;
}

/**
 * Rebuild `distDir` with the checkout's vite: built into a new folder beside it, then swapped in. Returns why it
 * could not (vite not installed, the build failed: vite's own error is on stderr), or null when it did.
 */
export function rebuildViewer(repoRoot: string, distDir: string): string | null {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) return 'vite is not installed (npm ci installs it)';
  let fresh: string;
  try {
    fresh = mkdtempSync(join(dirname(distDir), `.${basename(distDir)}-build-`));
  } catch (err) {
    // A checkout the user cannot write (installed for all users): serve the build as it is.
    return `cannot write beside ${distDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  try {
    execFileSync(
      process.execPath,
      [vite, 'build', 'viewer', '--logLevel', 'error', '--outDir', fresh, '--emptyOutDir'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const old = `${fresh}-old`;
    if (existsSync(distDir)) renameSync(distDir, old);
    renameSync(fresh, distDir);
    rmSync(old, { recursive: true, force: true });
    return null;
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    return `the build failed (${(err as Error).message.split('\n')[0]})`;
  }
}
