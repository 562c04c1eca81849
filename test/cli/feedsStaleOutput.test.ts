/**
 * A feed that fails without writing leaves the results file of an earlier run in place (not deleted) and says so,
 * on its failure line and in --json, so the old file is not taken for this run's. The CLI's entry point runs
 * in-process (`viperInProcess`), but for the failure line, which is the real `bin/viper.js`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, viper, viperInProcess } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-feeds-stale-'));
const a = join(dir, 'a.mcap');
const b = join(dir, 'b.mcap');

beforeAll(async () => {
  await writeRigRecording(a, { cameras: ['cam_a'], frames: 3, width: 64, height: 48 });
  await writeRigRecording(b, { cameras: ['cam_b'], frames: 3, width: 64, height: 48 });
});

const replayArgs = (out: string, ...more: string[]) => [
  'replay',
  a,
  b,
  '-o',
  out,
  '--detector',
  'none',
  '--no-progress',
  ...more,
];
const replay = (out: string, ...more: string[]): Promise<CliResult> =>
  viperInProcess(replayArgs(out, ...more));

describe('a failed feed with an earlier run results file', () => {
  it('says the file is from an earlier run, on its line and in --json, and leaves it', async () => {
    const out = join(dir, 'out');
    expect((await replay(out)).code).toBe(0);
    const earlier = readFileSync(join(out, 'b.results.mcap'));
    writeFileSync(b, 'not a recording\n');
    const stale = `${join(out, 'b.results.mcap')} is from an earlier run, not this one`;
    // The real CLI for the failure line.
    const r = viper(replayArgs(out));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `replay ${b} → ${join(out, 'b.results.mcap')} failed (nothing written; ${stale}):`,
    );
    const j = await replay(out, '--json');
    const feeds = JSON.parse(j.stdout).feeds as { input: string; staleOutput?: boolean }[];
    expect(feeds.map((f) => [f.input, f.staleOutput])).toEqual([
      [a, undefined],
      [b, true],
    ]);
    expect(readFileSync(join(out, 'b.results.mcap')).equals(earlier)).toBe(true);
  });

  it('says nothing of the kind when there is no earlier file', async () => {
    writeFileSync(b, 'not a recording\n');
    const out = join(dir, 'fresh');
    const r = await replay(out, '--json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/failed \(nothing written\):/);
    expect(JSON.parse(r.stdout).feeds[1].staleOutput).toBeUndefined();
    expect(existsSync(join(out, 'b.results.mcap'))).toBe(false);
  });
});
