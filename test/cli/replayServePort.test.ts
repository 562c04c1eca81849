/**
 * `replay --serve` ports: 0 is refused as not a positive integer, so the out-of-range line must not offer it
 * (it said 0–65535).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viper } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-serve-port-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = join(dir, 'rig.mcap');

beforeAll(async () => {
  await writeRigRecording(input, { cameras: ['cam_a'], frames: 2 });
});

describe('replay --serve port', () => {
  it('states the range it accepts, and 0 is outside it', () => {
    const high = viper([
      'replay',
      input,
      '-o',
      join(dir, 'a.mcap'),
      '--detector',
      'none',
      '--serve',
      '70000',
    ]);
    expect(high.code).toBe(2);
    expect(high.stderr.trim().split('\n')).toHaveLength(1);
    expect(high.stderr).toMatch(/port 70000 is out of range \(1–65535\)/);
    const zero = viper(['replay', input, '-o', join(dir, 'b.mcap'), '--detector', 'none', '--serve', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--serve must be a positive integer, got '0'/);
  });
});
