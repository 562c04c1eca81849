/**
 * Small outputs (a track file, a schema, digests) go into folders that may not exist yet, cannot be written or fill up,
 * and `simulate` options its mode would not use: one line, exit 2, never an internal error or a silent no-op.
 * The CLI's entry point runs in-process (`viperInProcess`), but for a write the system refuses and a --check of
 * several files by the real `bin/viper.js`.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { repoRoot } from '../shared.ts';
import { type CliResult, expectOneLineExit2, viper, viperInProcess } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-outputs-'));
const det = join(dir, 'det.txt');
writeFileSync(det, '1,-1,10,10,20,40,0.9\n2,-1,11,10,20,40,0.9\n');
const scenario = join(repoRoot, 'scenarios', 'night_street.yaml');
// Root ignores folder permissions, so the read-only cases only mean something for other users.
const asRoot = process.getuid?.() === 0;

async function oneLine(
  args: string[],
  pattern: RegExp,
  run: (args: string[]) => Promise<CliResult> = viperInProcess,
): Promise<void> {
  expect(await expectOneLineExit2(args, pattern, run)).toMatch(/^error: config: /);
}

describe('small outputs', () => {
  it('are written into folders that do not exist yet, as simulate -o is (replay -o too)', async () => {
    const out = join(dir, 'new', 'deeper', 'tracks.txt');
    const r = await viperInProcess(['track', det, '-o', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^1,1,/);
    const rec = join(dir, 'rig.mcap');
    await writeRigRecording(rec, { frames: 3, width: 64, height: 48 });
    const results = join(dir, 'out', 'deeper', 'rig.results.mcap');
    const replayed = await viperInProcess([
      'replay',
      rec,
      '-o',
      results,
      '--detector',
      'none',
      '--no-progress',
    ]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(existsSync(results)).toBe(true);
    const schema = join(dir, 'schema', 'scenario.json');
    expect((await viperInProcess(['simulate', '--write-schema', schema])).code).toBe(0);
    expect(JSON.parse(readFileSync(schema, 'utf8')).type).toBe('object');
  });

  it('a write the system refuses, or a folder under a file, is one line naming it, even for root', async () => {
    // /dev/full refuses every write with ENOSPC, as a full disk does; track may write to a device (-o /dev/stdout).
    await oneLine(
      ['track', det, '-o', '/dev/full', '--no-progress'],
      /cannot write \/dev\/full: no space left on device \(ENOSPC\) \(-o\)/,
      async (args) => viper(args),
    );
    // /proc/self takes no new files, whoever asks: refused before the mosaic is rendered.
    await oneLine(
      ['simulate', scenario, '--mosaic', '/proc/self/x.png'],
      /cannot write into \/proc\/self: .* \(--mosaic\)/,
    );
    // Checked before any scenario is rendered, not after all of them.
    await oneLine(
      ['simulate', scenario, '--digests', join(det, 'd.json')],
      /cannot create the folder .*det\.txt is a file \(--digests\)/,
    );
  });

  // A full disk: a 64 KiB tmpfs, where this process may mount one (root, outside a locked-down container).
  const disk = mkdtempSync(join(tmpdir(), 'viper-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]).status === 0;
  if (!mounted) console.warn('NOTICE: skipping the full-disk case: cannot mount a tmpfs here (needs root)');
  afterAll(() => {
    if (mounted) spawnSync('umount', [disk]);
  });

  it.skipIf(!mounted)(
    'a full disk leaves the earlier file as it was, not one cut off under its name',
    async () => {
      // 4,000 detections: a track file of about 150 KB, more than the disk holds.
      const many = join(dir, 'many.txt');
      const rows: string[] = [];
      for (let f = 1; f <= 400; f++)
        for (let k = 0; k < 10; k++) rows.push(`${f},-1,${40 * k + f * 0.5},${10 + k},20,40,0.9`);
      writeFileSync(many, `${rows.join('\n')}\n`);
      const out = join(disk, 't.txt');
      writeFileSync(out, 'an earlier run\n');
      await oneLine(
        ['track', many, '-o', out, '--no-progress'],
        /cannot write .*t\.txt: no space left on device \(ENOSPC\) \(-o\)/,
      );
      expect(readFileSync(out, 'utf8')).toBe('an earlier run\n');
      expect(readdirSync(disk)).toEqual(['t.txt']);
      // A replay there cannot finalize its results either: its line says what it left, not "finalized".
      const rec = join(dir, 'rig.mcap');
      await writeRigRecording(rec, { frames: 40, width: 160, height: 90, padBytes: 4000 });
      const line = await expectOneLineExit2(
        [
          'replay',
          rec,
          '-o',
          join(disk, 'r.mcap'),
          '--detector',
          'none',
          '--compression',
          'none',
          '--no-progress',
        ],
        /no space left on device \(ENOSPC\) .* `viper inspect <file> --recover` shows what it holds$/,
      );
      expect(line).not.toMatch(/finalized/);
    },
  );

  it.skipIf(asRoot)(
    'a folder that cannot be written is one line naming the file and its option',
    async () => {
      const ro = join(dir, 'readonly');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      await oneLine(
        ['track', det, '-o', join(ro, 't.txt'), '--no-progress'],
        /cannot write .*t\.txt: .*\(EACCES\) \(-o\)/,
      );
      await oneLine(
        ['simulate', '--write-schema', join(ro, 's.json')],
        /cannot write .*s\.json.*\(--write-schema\)/,
      );
      // Checked before any scenario is rendered, not after all of them.
      await oneLine(
        ['simulate', scenario, '--digests', join(ro, 'd.json')],
        /cannot write into .*readonly.*\(--digests\)/,
      );
    },
  );
});

describe('simulate refuses options its mode would not use', () => {
  const x = join(dir, 'x.mcap');
  it.each([
    [['--check', '-o', x], /--check only validates the scenario files, so -o would be ignored/],
    [
      ['--digests', join(dir, 'd.json'), '--mosaic', join(dir, 'm.png')],
      /--digests records .* --mosaic would be ignored/,
    ],
    [
      ['--verify', join(repoRoot, 'scenarios', 'digests.json'), '-o', x],
      /--verify records .* -o would be ignored/,
    ],
    [['--mosaic-at', '3', '-o', x], /--mosaic-at without --mosaic/],
    [['--stride', '2', '-o', x], /--stride without --export-dataset/],
    [['--val', 'night_street', '-o', x], /--val without --export-dataset/],
  ])('%j', async (args, pattern) => {
    await oneLine(['simulate', scenario, ...args], pattern);
    expect(existsSync(x)).toBe(false);
  });
});

describe('simulate --check', () => {
  it('names every bad file on a line of its own, checks the good ones, exits 2', async () => {
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, 'name: typo\nduraton: 3\n');
    const r = viper(['simulate', '--check', typo, scenario, join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^ok .*night_street\.yaml \(night_street, 70 frames\)\n$/);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: scenario: .*unknown field 'duraton'.*typo\.yaml/);
    expect(lines[1]).toMatch(/^error: scenario: cannot read scenario file \(ENOENT\) \(.*nope\.yaml\)/);
    expect((await viperInProcess(['simulate', '--check', scenario])).code).toBe(0);
  });

  it('escapes the control characters a mistake quotes, as every other error line does', async () => {
    const nul = join(dir, 'nul.yaml');
    writeFileSync(nul, 'name: "x\\0y"\nduration: 2\n');
    const r = await viperInProcess(['simulate', '--check', nul]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: scenario: name: 'x\\x00y' is not valid/);
    expect(r.stderr).not.toContain('\0');
  });

  it('takes a folder of scenarios, as scenarios run does (it had said EISDIR)', async () => {
    const r = await viperInProcess(['simulate', '--check', join(repoRoot, 'scenarios')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^ok .*\.yaml \(\w+, \d+ frames\)$/gm)).toHaveLength(10);
    // A file whose name holds a glob character is taken as named; a glob matches both.
    const g = join(dir, 'glob');
    mkdirSync(g);
    writeFileSync(join(g, 'cross?.yaml'), readFileSync(scenario));
    writeFileSync(
      join(g, 'crossX.yaml'),
      readFileSync(scenario, 'utf8').replace(/^name: .*/m, 'name: other'),
    );
    const named = await viperInProcess(['simulate', '--check', join(g, 'cross?.yaml')]);
    expect(named.stdout.match(/^ok /gm)).toHaveLength(1);
    const globbed = await viperInProcess(['simulate', '--check', join(g, 'cross*.yaml')]);
    expect(globbed.stdout.match(/^ok /gm)).toHaveLength(2);
  });

  it('lists every mistake of one file (a file with three took three runs), and --json all of them', async () => {
    const three = join(dir, 'three.yaml');
    const d = parseYaml(readFileSync(scenario, 'utf8'));
    d.dropouts = [{ camera: 'cam_left', start: 0.5, end: 1 }];
    d.expect.events.push({ type: 'tracked_within', actor: 'P9', seconds: 1, minVisible: 0.5 });
    d.expect.metrics.push({ metric: 'MOTA', min: 90 });
    writeFileSync(three, stringifyYaml(d));
    const r = await viperInProcess(['simulate', '--check', three]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^error: scenario: dropouts\[0\]\.camera: unknown camera 'cam_left'/),
      expect.stringMatching(/^error: scenario: expect\.events\[\d+\]\.actor: unknown actor 'P9'/),
      expect.stringMatching(
        /^error: scenario: expect\.metrics\[\d+\]\.min: MOTA is a fraction from 0 to 1, so min: 90 can never pass/,
      ),
    ]);
    const json = JSON.parse((await viperInProcess(['simulate', '--check', three, '--json'])).stdout);
    expect(json[0].errors).toHaveLength(3);
    // Outside --check, the first alone, as for any bad input.
    const one = await viperInProcess(['simulate', three, '-o', join(dir, 'three.mcap')]);
    expect(one.stderr.trim().split('\n')).toEqual([lines[0]]);
    // A refused camera (fx 0) does not empty the list the dropout's camera is checked against.
    d.rig = {
      width: 160,
      height: 90,
      cameras: [
        { id: 'cam_front', hfov: 70, fx: 0, position: [1.5, 0, 1.5] },
        { id: 'cam_back', yaw: 180, position: [-2, 0, 1.5] },
      ],
    };
    writeFileSync(three, stringifyYaml(d));
    expect((await viperInProcess(['simulate', '--check', three])).stderr).toMatch(
      /unknown camera 'cam_left' .*cameras are cam_front, cam_back/,
    );
  });
});
