/** `viper view` rebuilds a viewer whose sources changed after its build (a pull, an edit): which build is stale. */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleSource } from '../../src/cli/viewerBuild.ts';

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
