import { existsSync } from 'node:fs';

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
