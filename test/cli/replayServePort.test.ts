/** `replay --serve` ports and `--host`. */
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
  it('refuses a port past 65535; 0 picks a free port, named in the URL it prints', () => {
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
    expect(high.stderr).toMatch(/--serve 70000 is more than 65535/);
    const zero = viper(['replay', input, '-o', join(dir, 'b.mcap'), '--detector', 'none', '--serve', '0']);
    expect(zero.code, zero.stderr).toBe(0);
    const port = Number(/ws:\/\/127\.0\.0\.1:(\d+)/.exec(zero.stderr)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(zero.stdout).toMatch(/live: 0 clients served, 0 messages sent/);
  });

  it('--host without --serve is refused (it would be ignored)', () => {
    const r = viper(['replay', input, '-o', join(dir, 'c.mcap'), '--detector', 'none', '--host', '0.0.0.0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^error: config: --host is the address of the live server, and --serve was not given/,
    );
  });
});
