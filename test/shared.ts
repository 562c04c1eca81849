/**
 * Access to ../shared (real data and third-party models, read-only). A user's fresh clone has no ../shared:
 * tests that need it skip with a visible notice. Under CI (CI=true) its absence is a failure.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = resolve(repoRoot, '..', 'shared');
export const hasShared = existsSync(join(sharedDir, 'DESIGN.md'));

if (!hasShared && process.env.CI === 'true') {
  throw new Error(`../shared not found at ${sharedDir}: CI needs it (real data and models for tests)`);
}

/** Path inside ../shared. */
export function shared(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

/** `describe` that skips, with a notice on stderr, when ../shared is absent. */
export function describeShared(name: string, fn: () => void): void {
  if (!hasShared) {
    process.stderr.write(`NOTICE: skipping "${name}": ../shared is not present (real data/models)\n`);
    // Not `describe.skip(name, fn)`: vitest runs a skipped describe's body to collect its tests, and these
    // bodies read ../shared.
    describe.skip(name, () => it('needs ../shared', () => {}));
    return;
  }
  describe(name, fn);
}
