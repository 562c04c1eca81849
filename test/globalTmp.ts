/**
 * vitest globalSetup: one temporary folder per test run. TMPDIR points into it before the workers start, so every
 * `mkdtemp(join(tmpdir(), …))` in a test, and in the CLI processes tests spawn, lands inside it, and the whole
 * folder goes when the run ends: a test that fails (or forgets) before its own clean-up leaves nothing in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'viper-test-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
