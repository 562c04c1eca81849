/** `viper view` rebuilds a viewer whose sources changed after its build (a pull, an edit): which build is stale, and the swap. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rebuildViewer, staleSource } from '../../src/cli/viewerBuild.ts';
import { repoRoot } from '../shared.ts';

/** A checkout's layout: viewer sources, one src module and a build, with the build `buildAge` s after the sources. */
function checkout(buildAge: number, changed?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'viper-viewer-build-'));
  const files = [
    'viewer/src/main.ts',
    'viewer/src/data/Recording.ts',
    'viewer/index.html',
    'src/contracts/topics.ts',
  ];
  for (const f of ['viewer/dist/index.html', ...files]) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), 'x');
  }
  const t0 = 1_700_000_000;
  for (const f of files) utimesSync(join(root, f), t0, t0);
  utimesSync(join(root, 'viewer/dist/index.html'), t0 + buildAge, t0 + buildAge);
  if (changed) utimesSync(join(root, changed), t0 + buildAge + 60, t0 + buildAge + 60);
  return root;
}

describe('staleSource', () => {
  it('is null when the build is newer than every source', () => {
    const root = checkout(10);
    expect(staleSource(root, join(root, 'viewer/dist'))).toBeNull();
  });

  it.each(['viewer/src/data/Recording.ts', 'viewer/index.html', 'src/contracts/topics.ts'])(
    'names %s when it changed after the build',
    (changed) => {
      const root = checkout(10, changed);
      expect(staleSource(root, join(root, 'viewer/dist'))).toBe(join(root, changed));
    },
  );
});

describe('rebuildViewer', () => {
  it('says why it cannot without vite, leaving the build as it was', () => {
    const root = checkout(10);
    const dist = join(root, 'viewer/dist');
    expect(rebuildViewer(root, dist)).toBe('vite is not installed (npm ci installs it)');
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe('x');
  });

  it('builds beside the old build and swaps it in (nothing half-written is ever served)', () => {
    const dist = join(mkdtempSync(join(tmpdir(), 'viper-viewer-swap-')), 'dist');
    mkdirSync(dist);
    writeFileSync(join(dist, 'stale.txt'), 'old build');
    expect(rebuildViewer(repoRoot, dist)).toBeNull();
    expect(existsSync(join(dist, 'stale.txt'))).toBe(false);
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toContain('<html');
    expect(readdirSync(join(dist, '..'))).toEqual(['dist']); // no build folder left beside it
  }, 120_000);
});

describe('rebuildViewer where it cannot write', () => {
  it('says so and leaves the build as it was (a checkout installed read-only)', () => {
    const root = checkout(10);
    mkdirSync(join(root, 'node_modules/vite/bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules/vite/bin/vite.js'), '');
    const dist = join(root, 'missing-parent', 'dist');
    expect(rebuildViewer(root, dist)).toMatch(/^cannot write beside .*missing-parent\/dist \(ENOENT\)$/);
  });
});
