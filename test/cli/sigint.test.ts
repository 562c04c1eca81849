/** Ctrl-C during a replay leaves a finalized, readable output (a real child process and a real SIGINT). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { viperSpawn } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

it('SIGINT during replay finalizes the output MCAP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-sigint-'));
  const input = join(dir, 'big.mcap');
  const output = join(dir, 'out.mcap');
  await writeRigRecording(input, {
    cameras: ['cam_a', 'cam_b', 'cam_c'],
    frames: 200,
    padBytes: 60_000,
    compression: 'none',
  });
  const child = viperSpawn(['replay', input, '-o', output, '--detector', 'none', '--queue-size', '4']);
  let stderr = '';
  let signalled = false;
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The first progress line means the replay is under way: interrupt it.
      if (!signalled && /replay .*\d+%/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (c) => resolve(c));
  });
  expect(signalled, stderr).toBe(true);
  expect(code, stderr).toBe(130);
  expect(stderr).toMatch(/SIGINT: stopping, finalizing/);
  const reader = await RecordingReader.open(output);
  const s = reader.summary();
  expect(s.indexed).toBe(true);
  expect(s.messageCount).toBeGreaterThan(0);
  expect(s.messageCount).toBeLessThan(200 * 4 + 3);
  let n = 0;
  for await (const _m of reader.messages()) n++;
  expect(n).toBe(s.messageCount);
  await reader.close();
}, 120_000);
