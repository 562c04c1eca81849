/**
 * DESIGN.md's folder order: each folder of src/ imports only from folders above it in this list, never below.
 * Type-only imports count too (they are dependencies all the same).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../shared.ts';

const ORDER = [
  'contracts',
  'geometry',
  'io',
  'sim',
  'detect',
  'track',
  'fuse',
  'eval',
  'graph',
  'live',
  'cli',
];
const src = join(repoRoot, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs)$/.test(f) ? [p] : [];
  });
}

it('src/ folders import only from folders above them in DESIGN.md', () => {
  const violations: string[] = [];
  for (const file of files(src)) {
    const layer = relative(src, file).split('/')[0]!;
    const rank = ORDER.indexOf(layer);
    expect(rank, `src/${layer} is not in DESIGN.md's folder list`).toBeGreaterThanOrEqual(0);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = relative(src, resolve(file, '..', m[1]!)).split('/')[0]!;
      const targetRank = ORDER.indexOf(target);
      if (targetRank > rank)
        violations.push(`${relative(repoRoot, file)} imports ${m[1]} (${layer} → ${target})`);
    }
  }
  expect(violations).toEqual([]);
});
