/**
 * `viper simulate --verify FILE`: each scenario's line says whether its digests match those in FILE (`ok`), differ
 * (`DIFF`, the expected digests beside those recorded) or are not there at all (`MISSING`, naming the file). The
 * last two fail the run (exit 1): neither is a verified recording.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { viperInProcess } from '../testing/cli.ts';
import { tinyScenario } from '../sim/testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-verify-'));
const [a, b] = ['verify_a', 'verify_b'].map((name, k) => {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify(tinyScenario({ name, seed: 5 + k })));
  return p;
}) as [string, string];

describe('simulate --verify', () => {
  it('says ok, DIFF with the expected digests, or MISSING with the file it is not in', async () => {
    const digests = join(dir, 'digests.json');
    const rec = await viperInProcess(['simulate', a, '--digests', digests, '--no-progress']);
    expect(rec.code, rec.stderr).toBe(0);
    const recorded = JSON.parse(readFileSync(digests, 'utf8'));
    const got = recorded.verify_a as { sha256: string; rawSha256: string };

    const ok = await viperInProcess(['simulate', a, '--verify', digests, '--no-progress']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`ok   verify_a ${got.sha256.slice(0, 16)} raw ${got.rawSha256.slice(0, 16)}\n`);

    // verify_b is not in the file: one line that says so, and the run fails, though verify_a matched.
    const missing = await viperInProcess(['simulate', a, b, '--verify', digests, '--no-progress']);
    expect(missing.code, missing.stderr).toBe(1);
    const lines = missing.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ok {3}verify_a /);
    expect(lines[1]).toMatch(/^MISSING verify_b [0-9a-f]{16} raw [0-9a-f]{16}: not in /);
    expect(lines[1]).toContain(`: not in ${digests} `);
    expect(lines[1]).not.toMatch(/DIFF/);

    // A real difference shows the digests expected next to those recorded.
    const wrong = join(dir, 'wrong.json');
    const expected = { ...got, sha256: 'f'.repeat(64), rawSha256: 'e'.repeat(64) };
    writeFileSync(wrong, JSON.stringify({ verify_a: expected }));
    const diff = await viperInProcess(['simulate', a, '--verify', wrong, '--no-progress']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toBe(
      `DIFF verify_a ${got.sha256.slice(0, 16)} raw ${got.rawSha256.slice(0, 16)}, expected ${'f'.repeat(16)} raw ${'e'.repeat(16)}\n`,
    );

    // --json: a missing entry has expected null.
    const json = await viperInProcess(['simulate', b, '--verify', digests, '--json', '--no-progress']);
    expect(json.code, json.stderr).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject([{ scenario: 'verify_b', ok: false, expected: null }]);
  }, 120_000);
});
