/**
 * `viperInProcess()` (test/testing/cli.ts) answers as the real CLI does: on a sample of commands, the exit code,
 * stdout and stderr of `node bin/viper.js` in a child and of main.ts run inside this process are the same, byte
 * for byte, and so are the files written. Tests run most refusals and fixture-making commands in-process; this is
 * what lets them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { viper, viperInProcess } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-in-process-'));
const rec = join(dir, 'rig.mcap');
const det = join(dir, 'det.txt');

beforeAll(async () => {
  await writeRigRecording(rec, { frames: 4, width: 64, height: 48 });
  writeFileSync(det, '1,-1,10,10,20,40,0.9,-1,-1,-1\n2,-1,11,10,20,40,0.9,-1,-1,-1\n');
});

it.each([
  ['--version', ['--version']],
  ['help of a command (commander writes it)', ['help', 'inspect']],
  ['a usage error', ['replay', 'x.mcap', '-o', join(dir, 'u.mcap'), '--detectr', 'none']],
  ['an empty option value (checked before commander)', ['eval', 'x.mcap', '--iou', '']],
  ['bad input as JSON on stdout too', ['inspect', join(dir, 'nope.mcap'), '--json']],
  [
    'a bad value with --verbose',
    ['replay', rec, '-o', join(dir, 'b.mcap'), '--batch-size', '0', '--verbose'],
  ],
  ['a report', ['inspect', rec, '--json']],
])('%s', async (_name, args) => {
  const child = viper(args);
  expect(child.code, child.stderr).not.toBeNull();
  expect(await viperInProcess(args)).toEqual(child);
});

it('a command that writes a file: the same output and the same bytes', async () => {
  const out = join(dir, 'tracks.txt');
  const child = viper(['track', det, '-o', out, '--no-progress']);
  expect(child.code, child.stderr).toBe(0);
  const written = readFileSync(out);
  expect(await viperInProcess(['track', det, '-o', out, '--no-progress'])).toEqual(child);
  expect(readFileSync(out)).toEqual(written);
});

it('leaves the process as it found it: argv, exit code, stream writes and listeners', async () => {
  const before = {
    argv: process.argv,
    exitCode: process.exitCode,
    write: process.stderr.write,
    errorListeners: process.stderr.listenerCount('error'),
    sigint: process.listenerCount('SIGINT'),
  };
  expect((await viperInProcess(['inspect', join(dir, 'nope.mcap')])).code).toBe(2);
  expect({
    argv: process.argv,
    exitCode: process.exitCode,
    write: process.stderr.write,
    errorListeners: process.stderr.listenerCount('error'),
    sigint: process.listenerCount('SIGINT'),
  }).toEqual(before);
});
