import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/track.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-track-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function viper(...args: string[]): Promise<number | string | undefined> {
  const program = new Command('viper').exitOverride();
  register(program);
  const before = process.exitCode;
  await program.parseAsync(['node', 'viper', ...args]);
  const code = process.exitCode;
  process.exitCode = before;
  return code;
}

describe('viper track', () => {
  it('tracks a MOTChallenge detection file into a track file (reference fixture)', async () => {
    const out = join(dir, 'tracks.txt');
    const det = join(import.meta.dirname, 'fixtures', 'crowd-seed11.det.txt');
    expect(await viper('track', det, '-o', out, '--frame-rate', '10')).toBe(0);
    const expected = readFileSync(
      join(import.meta.dirname, 'fixtures', 'crowd-seed11.bytetrack-ref.txt'),
      'utf8',
    );
    expect(readFileSync(out, 'utf8') === expected).toBe(true);
  });

  it('runs SORT and applies the output filters', async () => {
    const det = join(dir, 'det.txt');
    writeFileSync(
      det,
      ['1,-1,10,10,20,40,0.9', '2,-1,11,10,20,40,0.9', '3,-1,12,10,20,40,0.9', '3,-1,300,10,90,40,0.9'].join(
        '\n',
      ),
    );
    const out = join(dir, 'sort.txt');
    expect(await viper('track', det, '-o', out, '--tracker', 'sort', '--aspect-ratio-thresh', '1.6')).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['1,1', '2,1', '3,1']); // the wide box is dropped
  });

  it('takes any tracker setting from a --params file; an option given overrides it', async () => {
    const det = join(import.meta.dirname, 'fixtures', 'crowd-seed11.det.txt');
    const reference = readFileSync(
      join(import.meta.dirname, 'fixtures', 'crowd-seed11.bytetrack-ref.txt'),
      'utf8',
    );
    const params = join(dir, 'strict.yaml');
    writeFileSync(params, 'tracker:\n  trackThresh: 0.99\n');
    const strict = join(dir, 'strict.txt');
    expect(
      await viper('track', det, '-o', strict, '--frame-rate', '10', '--params', params, '--no-progress'),
    ).toBe(0);
    expect(readFileSync(strict, 'utf8')).toBe('');
    const back = join(dir, 'back.txt');
    const args = ['--frame-rate', '10', '--params', params, '--track-thresh', '0.5', '--no-progress'];
    expect(await viper('track', det, '-o', back, ...args)).toBe(0);
    expect(readFileSync(back, 'utf8') === reference).toBe(true);
  });

  it("refuses the other tracker's options and settings that would change nothing or turn a stage off", async () => {
    const det = join(import.meta.dirname, 'fixtures', 'crowd-seed11.det.txt');
    const out = join(dir, 'refused.txt');
    const errors: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => errors.push(String(s)) > 0) as typeof process.stderr.write;
    try {
      for (const args of [
        ['--tracker', 'sort', '--giou'],
        ['--tracker', 'sort', '--mot20', '--track-thresh', '0.9'],
        ['--min-hits', '5'],
        ['--low-thresh', '0.7'],
        ['--match-thresh', '2'],
      ])
        expect(await viper('track', det, '-o', out, '--no-progress', ...args), args.join(' ')).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toMatch(/--giou is a ByteTrack setting, and the tracker is 'sort'/);
    expect(errors.join('')).toMatch(/--track-thresh, --mot20 are ByteTrack settings/);
    expect(errors.join('')).toMatch(/--min-hits is a SORT setting, and the tracker is 'bytetrack'/);
    expect(errors.join('')).toMatch(/lowThresh 0\.7 is above trackThresh 0\.5/);
    expect(errors.join('')).toMatch(/matchThresh 2 is past the cost's range/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('says why a file gave no track (a tracker output file: every score −1)', async () => {
    const det = join(dir, 'scored-minus-one.txt');
    writeFileSync(det, ['1,1,10,10,20,40,-1,-1,-1,-1', '2,1,11,10,20,40,-1,-1,-1,-1'].join('\n'));
    const out = join(dir, 'none.txt');
    /** The in-process CLI's --json summary, stdout captured. */
    const run = async (...args: string[]) => {
      const write = process.stdout.write.bind(process.stdout);
      let printed = '';
      process.stdout.write = ((chunk: string) => {
        printed += chunk;
        return true;
      }) as typeof process.stdout.write;
      try {
        expect(await viper('track', det, '-o', out, '--json', '--no-progress', ...args)).toBe(0);
      } finally {
        process.stdout.write = write;
      }
      return JSON.parse(printed) as { trackBoxes: number; notes: string[] };
    };
    const summary = await run();
    expect(summary.trackBoxes).toBe(0);
    expect(summary.notes).toEqual([
      expect.stringMatching(/^no track from 2 detections \(scores -1 to -1\): ByteTrack .* \(0\.6 here\)/),
    ]);
    // SORT with one hit enough: what stops it is the score threshold, and the note says so (not --min-hits).
    const sort = await run('--tracker', 'sort', '--min-hits', '1');
    expect(sort.notes).toEqual([
      expect.stringMatching(/SORT drops detections scoring under its score threshold/),
    ]);
    // Well-scored boxes of 20×40 px, all removed by the area filter: the note names the filter, not the thresholds.
    writeFileSync(det, ['1,1,10,10,20,40,0.9,-1,-1,-1', '2,1,11,10,20,40,0.9,-1,-1,-1'].join('\n'));
    const filtered = await run('--min-box-area', '1000');
    expect(filtered.trackBoxes).toBe(0);
    expect(filtered.notes).toEqual([
      "no track box written: --min-box-area or --aspect-ratio-thresh removed all 2 of the tracker's boxes",
    ]);
  });
});
