/**
 * An output that is one of the command's inputs (same path, a symlink, a hard link, or a folder the command
 * replaces that holds it) is refused through the CLI before anything is written: one line, exit 2, and the input
 * byte for byte as it was. (`replay ped.mcap -o ped.mcap` used to leave 356 bytes of ped.mcap.) So are a file
 * output that is a folder and two outputs naming one file. The first case and a device output run the real
 * `bin/viper.js` in a child; the others its entry point in-process (`viperInProcess`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../shared.ts';
import { type CliResult, expectOneLineExit2, viper, viperInProcess } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-same-'));
const rec = join(dir, 'ped.mcap');
const scenario = join(dir, 'scenes', 'crossing.yaml');
const det = join(dir, 'det.txt');

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

beforeAll(async () => {
  await writeRigRecording(rec, { frames: 6, width: 96, height: 64 });
  mkdirSync(join(dir, 'scenes'));
  copyFileSync(join(repoRoot, 'scenarios', 'pedestrian_crossing.yaml'), scenario);
  writeFileSync(det, '1,-1,10,10,20,40,0.9,-1,-1,-1\n2,-1,11,10,20,40,0.9,-1,-1,-1\n');
  symlinkSync(rec, join(dir, 'link.mcap'));
  linkSync(rec, join(dir, 'hard.mcap'));
});

/**
 * Runs the CLI (in-process unless `run` says otherwise) and checks: exit 2, one `error:` line matching `pattern`,
 * and `input` unchanged.
 */
async function refused(
  args: string[],
  input: string,
  pattern: RegExp,
  run: (args: string[]) => Promise<CliResult> = viperInProcess,
) {
  const before = sha(input);
  let stdout: string | undefined;
  await expectOneLineExit2(args, pattern, async (a) => {
    const r = await run(a);
    stdout = r.stdout;
    return r;
  });
  expect(sha(input)).toBe(before);
  expect(stdout).toBe('');
}

describe('an output that is an input is refused, the input untouched', () => {
  it('replay -o <the input>', () =>
    refused(
      ['replay', rec, '-o', rec, '--detector', 'oracle'],
      rec,
      /output is the input \(.*ped\.mcap\) — write it to another file, e\.g\. .*\/results\.mcap$/,
      async (args) => viper(args),
    ));

  it('replay -o <another spelling, a symlink, a hard link of the input>', async () => {
    await refused(
      ['replay', rec, '-o', join(dir, '.', 'scenes', '..', 'ped.mcap')],
      rec,
      /output is the input/,
    );
    await refused(
      ['replay', rec, '-o', join(dir, 'link.mcap'), '--detector', 'none'],
      rec,
      /link\.mcap = .*ped\.mcap/,
    );
    await refused(
      ['replay', join(dir, 'link.mcap'), '-o', join(dir, 'hard.mcap')],
      rec,
      /output is the input/,
    );
  });

  it('eval --pr-plot <the results or the ground truth>', async () => {
    await refused(['eval', rec, '--pr-plot', rec], rec, /output is the input \(--pr-plot /);
    await refused(
      ['eval', join(dir, 'x.mcap'), '--gt', rec, '--pr-plot', join(dir, 'hard.mcap')],
      rec,
      /output is the input/,
    );
  });

  it('import -o <the video>', () => refused(['import', rec, '-o', rec], rec, /output is the input/));

  it('import <folder> -o <a frame in it>', async () => {
    const frames = join(dir, 'frames');
    mkdirSync(frames);
    const frame = join(frames, 'f0.jpg');
    writeFileSync(frame, 'a frame'); // refused before any frame is read
    await refused(
      ['import', frames, '-o', frame],
      frame,
      /output would overwrite a file inside the input folder/,
    );
  });

  it('replay -o <the model its card names>', async () => {
    const vd = join(dir, 'vd');
    mkdirSync(vd);
    for (const f of ['viper-det.onnx', 'viper-det.card.json'])
      copyFileSync(join(repoRoot, 'models', 'viper-det', f), join(vd, f));
    const onnx = join(vd, 'viper-det.onnx');
    const args = ['replay', rec, '-o', onnx, '--model', join(vd, 'viper-det.card.json')];
    await refused(args, onnx, /output is the input/);
  });

  it('track -o <the detections>', () => refused(['track', det, '-o', det], det, /output is the input/));

  it('simulate -o / --mosaic / --write-schema <the scenario>, --export-dataset <its folder>', async () => {
    await refused(['simulate', scenario, '-o', scenario], scenario, /output is the input/);
    await refused(['simulate', scenario, '--mosaic', scenario], scenario, /output is the input \(--mosaic /);
    await refused(['simulate', scenario, '--write-schema', scenario], scenario, /--write-schema/);
    await refused(
      ['simulate', scenario, '--export-dataset', join(dir, 'scenes')],
      scenario,
      /output folder holds the input .*--export-dataset replaces the whole folder/,
    );
    expect(existsSync(join(dir, 'scenes.partial'))).toBe(false);
  });
});

it('a different output still works', async () => {
  const out = join(dir, 'det.tracks.txt');
  const r = await viperInProcess(['track', det, '-o', out]);
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(out)).toBe(true);
});

describe('outputs that clash with each other or are folders', () => {
  it('an output that is a device or a FIFO (simulate replaced /dev/full with a regular file)', () => {
    const fifo = join(dir, 'pipe.mcap');
    execFileSync('mkfifo', [fifo]);
    for (const args of [
      ['simulate', scenario, '-o', '/dev/null'],
      ['replay', rec, '-o', fifo, '--detector', 'none'],
    ]) {
      const r = viper(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim()).toMatch(/^error: config: output is a device, FIFO or socket, not a file/);
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a file output that is a folder, two outputs naming one file, an output inside a replaced folder', async () => {
    const folder = join(dir, 'afolder');
    mkdirSync(folder);
    await refused(
      ['replay', rec, '-o', folder, '--detector', 'none'],
      rec,
      /output is a folder \(-o .*afolder\) — give a file name/,
    );
    await refused(['simulate', scenario, '-o', folder], scenario, /output is a folder/);
    // The example file name in the hint is of the kind that output writes, not always results.mcap.
    const e = (name: string) =>
      new RegExp(`— give a file name, e\\.g\\. ${join(folder, name).replace(/\./g, '\\.')}$`);
    await refused(['replay', rec, '-o', folder, '--detector', 'none'], rec, e('results.mcap'));
    await refused(['simulate', scenario, '-o', folder], scenario, e('recording.mcap'));
    await refused(['simulate', scenario, '--mosaic', folder], scenario, e('mosaic.png'));
    await refused(['simulate', scenario, '--digests', folder], scenario, e('digests.json'));
    await refused(['simulate', '--write-schema', folder], scenario, e('scenario.schema.json'));
    await refused(['eval', det, '--gt', det, '--pr-plot', folder], det, e('pr.svg'));
    await refused(['track', det, '-o', folder], det, e('tracks.txt'));
    await refused(['import', join(dir, 'scenes'), '-o', folder], scenario, e('recording.mcap'));
    // A folder that does not exist yet, named by a trailing slash: refused before any work, not by the file system
    // at the end (replay said EISDIR, simulate named its own temporary file, track had tracked every frame first).
    const fresh = `${join(dir, 'not-yet')}/`;
    const named = (name: string) =>
      new RegExp(
        `output names a folder \\(it ends in a /\\) \\(-o .*not-yet/\\) — give a file name, e\\.g\\. .*not-yet/${name.replace(/\./g, '\\.')}$`,
      );
    await refused(['replay', rec, '-o', fresh, '--detector', 'none'], rec, named('results.mcap'));
    await refused(['simulate', scenario, '-o', fresh], scenario, named('recording.mcap'));
    await refused(['track', det, '-o', fresh], det, named('tracks.txt'));
    await refused(['import', join(dir, 'scenes'), '-o', fresh], scenario, named('recording.mcap'));
    expect(existsSync(fresh)).toBe(false);
    const out = join(dir, 'twin.mcap');
    await refused(
      ['simulate', scenario, '-o', out, '--mosaic', join(dir, '.', 'twin.mcap')],
      scenario,
      /two outputs name one file/,
    );
    expect(existsSync(out)).toBe(false);
    await refused(
      ['simulate', scenario, '-o', join(dir, 'ds', 'x.mcap'), '--export-dataset', join(dir, 'ds')],
      scenario,
      /output inside a folder that --export-dataset replaces/,
    );
    expect(existsSync(join(dir, 'ds'))).toBe(false);
  });
});
