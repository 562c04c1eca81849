/**
 * `viper view` in a checkout serves viewer/dist, which `npm ci` builds (the `prepare` script): a pull or an edit of
 * the viewer's sources since then leaves it behind them, and the browser would show the old viewer. So view checks
 * the sources' times against the build's and rebuilds first (vite, a devDependency), or, where that fails, serves
 * the build it has and says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the bundle is built from: the viewer's sources and the src/ modules it imports (their folders). */
const SOURCES = [
  'viewer/src',
  'viewer/index.html',
  'viewer/vite.config.ts',
  'src/contracts',
  'src/geometry',
  'src/track/colors.ts',
];

/** A source file changed after `distDir/index.html` was built (the first found), or null when the build is newer. */
export function staleSource(repoRoot: string, distDir: string): string | null {
  const built = statSync(join(distDir, 'index.html')).mtimeMs;
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

/** Rebuild viewer/dist with the checkout's vite; false (with vite's own error on stderr) when it cannot. */
export function rebuildViewer(repoRoot: string): boolean {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) return false;
  try {
    execFileSync(process.execPath, [vite, 'build', 'viewer', '--logLevel', 'error'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return true;
  } catch {
    return false;
  }
}
