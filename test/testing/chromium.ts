import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../shared.ts';

/** Debian's chromium for browser tests and benchmarks (DESIGN.md: software WebGL through SwiftShader). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests can run. Without chromium they skip with a notice on a user's machine; under CI
 * (CI=true, where .ci/run installs it) its absence is a failure, as a missing ../shared is.
 */
export function hasChromium(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} not found: CI needs it for the ${suite}`);
  process.stderr.write(`NOTICE: skipping ${suite}: ${CHROMIUM} not found (apt-get install chromium)\n`);
  return false;
}

/** Headless with WebGL on SwiftShader, and no background traffic (the machine has no network). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Build the viewer from its sources into `<dir>/dist` and return that folder. Each browser test file builds its
 * own: two files building viewer/dist at once (vite empties its output first) had served each other half a bundle.
 */
export function buildViewerInto(dir: string): string {
  const out = join(dir, 'dist');
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules/vite/bin/vite.js'),
      'build',
      'viewer',
      '--logLevel',
      'error',
      '--outDir',
      out,
      '--emptyOutDir',
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  return out;
}
