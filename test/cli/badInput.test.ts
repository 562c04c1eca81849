/**
 * Bad input through the CLI: one clear line on stderr, exit 2, no stack trace, within seconds. Most cases run the
 * CLI's entry point in-process (`viperInProcess`, which test/cli/inProcess.test.ts holds to the real one); the
 * real `bin/viper.js` in a child answers a missing file, the JSON error, a usage error, --help/--version, a damaged
 * file given to view, and a reader that leaves. A damaged file's `--recover` hints: test/cli/damagedRecording.test.ts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasShared, repoRoot, shared } from '../shared.ts';
import {
  type CliResult,
  expectInputRefused as expectOneLineExit2,
  viper,
  viperInProcess,
  viperSpawn,
} from '../testing/cli.ts';
import { copyRecording, writeRigRecording } from '../testing/recordings.ts';
import { tinyScenario } from '../sim/testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-bad-'));
const good = join(dir, 'good.mcap');
let bytes: Buffer;

beforeAll(async () => {
  await writeRigRecording(good, { frames: 12, width: 96, height: 64 });
  bytes = readFileSync(good);
});

/** The real CLI in a child process, for `expectOneLineExit2`'s `run`. */
const child = async (args: string[]): Promise<CliResult> => viper(args);

function variant(name: string, mutate: (b: Buffer) => Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, mutate(Buffer.from(bytes)));
  return p;
}

/** Offset of the first chunk record's uncompressed CRC (opcode 0x06; see the MCAP spec's Chunk record). */
function firstChunkCrcOffset(b: Buffer): number {
  let off = 8;
  for (;;) {
    const op = b[off]!;
    const len = Number(b.readBigUInt64LE(off + 1));
    if (op === 0x06) return off + 1 + 8 + 8 + 8 + 8;
    off += 1 + 8 + len;
  }
}

describe('bad input → one line, exit 2', () => {
  it('missing file', () =>
    expectOneLineExit2(
      ['replay', join(dir, 'nope.mcap'), '-o', join(dir, 'o1.mcap')],
      /^error: recording: file not found \(.*nope\.mcap\)/,
      child,
    ));

  it('with --json the failure is JSON on stdout too, for the script that reads it', () => {
    const r = viper(['inspect', join(dir, 'nope.mcap'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        domain: 'recording',
        what: 'file not found',
        where: join(dir, 'nope.mcap'),
        hint: 'check the path',
      },
    });
    expect(r.stderr.trim().split('\n')).toEqual([
      `error: recording: file not found (${join(dir, 'nope.mcap')}) — check the path`,
    ]);
  });

  it('a YAML alias bomb, a digests file that is not one, a port out of range (were internal errors)', async () => {
    const bomb = join(dir, 'bomb.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let k = 1; k < 9; k++) {
      const prev = String.fromCharCode(96 + k);
      const name = String.fromCharCode(97 + k);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    writeFileSync(bomb, `${levels.join('\n')}\n`);
    await expectOneLineExit2(
      ['simulate', '--check', bomb],
      /not a usable YAML\/JSON document: Excessive alias count/,
    );
    const scenario = join(repoRoot, 'scenarios', 'pedestrian_crossing.yaml');
    await expectOneLineExit2(['simulate', scenario, '--verify', scenario], /not a digests file.*\(--verify /);
    // The text V8 quotes is kept whole, its line breaks as \n (cut at the first, the quote was left open).
    const short = join(dir, 'short.digests');
    writeFileSync(short, 'a: [1,\n  2\n');
    await expectOneLineExit2(
      ['simulate', scenario, '--verify', short],
      /not a digests file: .*"a: \[1,\\n {2}2\\n" is not valid JSON \(--verify /,
    );
    await expectOneLineExit2(
      ['simulate', scenario, '--verify', join(dir, 'none.json')],
      /cannot read the digests file \(ENOENT\)/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'port.out.mcap'), '--serve', '99999'],
      /--serve 99999 is more than 65535/,
    );
  });

  it('an option given an empty value (read as 0 or as no path before)', async () => {
    await expectOneLineExit2(['eval', good, '--iou', ''], /an option was given an empty value \(--iou\)/);
    await expectOneLineExit2(['eval', good, '--iou='], /an option was given an empty value \(--iou\)/);
    await expectOneLineExit2(
      ['eval', good, '--pr-plot', ''],
      /an option was given an empty value \(--pr-plot\)/,
    );
    await expectOneLineExit2(['replay', good, '-o', ''], /an option was given an empty value \(-o\)/);
  });

  it('empty file', async () => {
    const p = join(dir, 'empty.mcap');
    writeFileSync(p, '');
    await expectOneLineExit2(['inspect', p], /empty/i);
  });

  it('not an MCAP', async () => {
    const p = join(dir, 'text.mcap');
    writeFileSync(p, 'hello, this is not a recording\n'.repeat(10));
    await expectOneLineExit2(['replay', p, '-o', join(dir, 'o2.mcap')], /not an MCAP|magic/i);
    expect(existsSync(join(dir, 'o2.mcap'))).toBe(false);
  });

  it('a file of another kind than the command reads: said as what it is, and which command takes it', async () => {
    const scenario = join(repoRoot, 'scenarios', 'camera_dropout.yaml');
    const onnx = join(repoRoot, 'models', 'viper-det', 'viper-det.onnx');
    const o = join(dir, 'kind.out');
    await expectOneLineExit2(
      ['replay', scenario, '-o', `${o}.mcap`],
      /a YAML file \(a scenario\?\), not an MCAP recording .* — simulate renders a scenario: viper simulate .*camera_dropout\.yaml -o rec\.mcap/,
    );
    await expectOneLineExit2(['inspect', onnx], /an ONNX model, not an MCAP recording .* — replay runs it/);
    // A bag's metadata.yaml given for the bag: the folder is what to pass, not simulate.
    const bag = join(dir, 'bag');
    mkdirSync(bag, { recursive: true });
    writeFileSync(join(bag, 'metadata.yaml'), 'rosbag2_bagfile_information:\n  version: 5\n');
    await expectOneLineExit2(
      ['replay', join(bag, 'metadata.yaml'), '-o', `${o}.mcap`],
      /a rosbag2 bag's metadata\.yaml, not an MCAP recording .* — pass the bag's folder, .*\/bag, which every command reads/,
    );
    await expectOneLineExit2(
      ['simulate', good, '-o', `${o}.mcap`],
      /^error: scenario: an MCAP recording, not a scenario file .* — replay, eval, view and inspect read recordings/,
    );
    await expectOneLineExit2(['track', good, '-o', `${o}.txt`], /an MCAP recording, not a text file of rows/);
    await expectOneLineExit2(
      ['replay', good, '-o', `${o}.mcap`, '--model', good, '--detector', 'model'],
      /^error: model: an MCAP recording, not a model( card)? \(.*good\.mcap\) — --model takes a card/,
    );
    // Files read as text: a list of feeds, a parameter file, a digests file (had been read as UTF-8: a JPEG's
    // bytes became 154 feed paths, printed back raw).
    const jpeg = join(dir, 'frame.jpg');
    writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0x0a, 0x2f]));
    const binary = join(dir, 'blob.bin');
    writeFileSync(binary, Buffer.from('text at first\n\0then binary\n'));
    await expectOneLineExit2(
      ['replay', '--feeds-from', jpeg, '-o', join(dir, 'kind-feeds')],
      /a JPEG image, not a list of feeds \(--feeds-from .*frame\.jpg\) — give a text file with one recording path a line$/,
    );
    await expectOneLineExit2(
      ['replay', '--feeds-from', good, '-o', join(dir, 'kind-feeds')],
      /an MCAP recording, not a list of feeds .* or the recording itself as an argument/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', `${o}.mcap`, '--params', binary],
      /^error: config: a binary file, not a parameter file \(.*blob\.bin\)/,
    );
    await expectOneLineExit2(
      ['simulate', '--verify', good, join(repoRoot, 'scenarios', 'camera_dropout.yaml')],
      /an MCAP recording, not a digests file \(--verify .*good\.mcap\)/,
    );
    expect(existsSync(join(dir, 'kind-feeds')) || existsSync(`${o}.mcap`)).toBe(false);
  });

  it('truncated at seeded offsets', async () => {
    for (const frac of [0.37, 0.81]) {
      const p = variant(`trunc-${frac}.mcap`, (b) => b.subarray(0, Math.floor(b.length * frac)));
      await expectOneLineExit2(
        ['replay', p, '-o', join(dir, `o-trunc-${frac}.mcap`)],
        /trunc|damaged|end of file|unexpected/i,
      );
    }
  });

  it('bad chunk CRC', async () => {
    const p = variant('crc.mcap', (b) => {
      const o = firstChunkCrcOffset(b);
      b[o] = b[o]! ^ 0xff;
      return b;
    });
    await expectOneLineExit2(['replay', p, '-o', join(dir, 'o-crc.mcap')], /CRC/i);
    // view checks every chunk, not only the index, before serving the file to a browser that would fail on it.
    // A child: a view that did not refuse the file would serve it, and not return.
    await expectOneLineExit2(['view', p, '--no-open'], /chunk CRC mismatch .*in chunk 0 .*--recover/, child);
    // inspect --recover: here the one chunk is the damaged one, so nothing is left to read, and that is a failure
    // (counting what was read is checked on a file with three chunks, below).
    await expectOneLineExit2(['inspect', p, '--recover'], /no intact message to recover: chunk CRC mismatch/);
  });

  it('flipped bytes inside a chunk', async () => {
    const p = variant('flip.mcap', (b) => {
      const o = firstChunkCrcOffset(b) + 40;
      for (let i = 0; i < 8; i++) b[o + i] = b[o + i]! ^ 0x5a;
      return b;
    });
    await expectOneLineExit2(['replay', p, '-o', join(dir, 'o-flip.mcap')], /chunk|CRC|decompress|damaged/i);
  });

  it.skipIf(!hasShared)(
    'unknown message encoding (a real ROS 2 bag): copied through, named; no cameras to perceive',
    async () => {
      const p = join(dir, 'wrong_rmw.mcap');
      copyFileSync(shared('data/rosbag2/wrong_rmw_test/wrong_rmw_test_0.mcap'), p);
      const copy = await viperInProcess(['replay', p, '-o', join(dir, 'o-rmw.mcap'), '--detector', 'none']);
      expect(copy.code, copy.stderr).toBe(0);
      expect(copy.stdout).toMatch(
        /copied through as they are, not decoded .*: \/array_topic \(unknown message encoding 'wrong_format'\), \/test_topic/,
      );
      await expectOneLineExit2(
        ['replay', p, '-o', join(dir, 'o-rmw2.mcap'), '--detector', 'oracle'],
        /no camera images/,
      );
    },
  );

  it('a recording without camera images: nothing to perceive, but a pass-through copy still works', async () => {
    const p = join(dir, 'no-cameras.mcap');
    await copyRecording(good, p, 1 << 20, (topic) => !/image/.test(topic));
    const line = await expectOneLineExit2(
      ['replay', p, '-o', join(dir, 'o-nocam.mcap'), '--detector', 'oracle'],
      /no camera images/,
    );
    expect(line).toMatch(/none of its \d+ channels is a CompressedImage.*\/tf/);
    expect(existsSync(join(dir, 'o-nocam.mcap'))).toBe(false);
    // --detector none copies any recording (the salvage the recover hints name).
    const copy = await viperInProcess([
      'replay',
      p,
      '-o',
      join(dir, 'o-nocam-copy.mcap'),
      '--detector',
      'none',
    ]);
    expect(copy.code, copy.stderr).toBe(0);
  });

  it('a bad option value', () =>
    expectOneLineExit2(['replay', good, '-o', join(dir, 'o3.mcap'), '--batch-size', '0'], /--batch-size/));
  it('sizes that would unbound memory (a batch of 10^11 rig frames, a day of camera lag)', async () => {
    const o = join(dir, 'o3.mcap');
    await expectOneLineExit2(
      ['replay', good, '-o', o, '--batch-size', '1e11'],
      /--batch-size 100000000000 is more than 1000/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', o, '--max-camera-lag-ms', '86400000'],
      /--max-camera-lag-ms .* more than 10000/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', o, '--max-camera-lag-ms', '-1'],
      /must be a whole number ≥ 0/,
    );
  });
  it('a ByteTrack threshold with another tracker, a range cue without fusion or unknown', async () => {
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'o5.mcap'), '--tracker', 'sort', '--track-thresh', '0.4'],
      /ByteTrack settings, and the tracker is 'sort'/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'o6.mcap'), '--no-fuse', '--range-cue', 'combined'],
      /--range-cue is a fusion setting, and fusion is off/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'o7.mcap'), '--range-cue', 'flat'],
      /unknown range cue 'flat'.*use mixed, ground, combined/,
    );
  });
  it('a tile grid out of range, or tiles without a model detector', async () => {
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'o8.mcap'), '--tiles', '5x1'],
      /tiles must be COLSxROWS from 1x2 to 4x4.*got '5x1' \(--tiles\)/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'o9.mcap'), '--tiles', '2x1', '--detector', 'oracle'],
      /--tiles splits frames for a model detector, and the detector is the oracle/,
    );
  });
  it('a birth threshold below the track threshold', () =>
    expectOneLineExit2(
      [
        'replay',
        good,
        '-o',
        join(dir, 'o4.mcap'),
        '--detector',
        'none',
        '--track-thresh',
        '0.5',
        '--birth-thresh',
        '0.3',
      ],
      /--birth-thresh 0.3 is below the track threshold 0.5/,
    ));
});

describe('bad usage → one line naming the help to read, exit 2', () => {
  /** The one stderr line of a usage error, asserted (in-process unless `run` says otherwise). */
  async function usage(args: string[], run = viperInProcess): Promise<string> {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(r.stdout).toBe('');
    return lines[0]!;
  }

  it('a missing required option, an unknown option, a missing argument, an unknown command', async () => {
    expect(await usage(['replay', good], child)).toBe(
      "error: required option '-o, --output <file>' not specified (viper replay --help)",
    );
    expect(await usage(['replay', good, '-o', join(dir, 'u1.mcap'), '--detectr', 'none'])).toBe(
      "error: unknown option '--detectr' (Did you mean --detector?) (viper replay --help)",
    );
    expect(await usage(['replay', '-o', join(dir, 'u2.mcap')])).toBe(
      // Recordings may come from --feeds-from instead: none from either is said so.
      'error: config: no recording to replay — give recordings (.mcap), a folder of them, or --feeds-from <list> (viper replay --help)',
    );
    expect(await usage(['scenarios', 'run', '--bogus'])).toBe(
      "error: unknown option '--bogus' (viper scenarios run --help)",
    );
    expect(await usage(['replai', good])).toBe(
      "error: unknown command 'replai' (Did you mean replay?) (viper --help)",
    );
    expect(existsSync(join(dir, 'u1.mcap'))).toBe(false);
  });

  it("--help and --version still exit 0; --version is package.json's", async () => {
    // The first two in a child (commander ends both by throwing, which main turns into exit 0).
    for (const [k, args] of [['--help'], ['--version'], ['replay', '--help'], ['help', 'replay']].entries()) {
      const r = k < 2 ? viper(args) : await viperInProcess(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toBe('');
      if (args[0] === '--version')
        expect(r.stdout.trim()).toBe(
          JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version,
        );
    }
  });

  it('--help marks the options a command requires', async () => {
    for (const cmd of ['replay', 'import', 'export', 'track']) {
      const r = await viperInProcess([cmd, '--help']);
      expect(r.stdout, cmd).toMatch(/-o, --output <[^>]+>[\s\S]*?\(required\)/);
    }
    expect((await viperInProcess(['simulate', '--help'])).stdout).not.toMatch(/\(required\)/);
  });

  it('each command’s --help lists --verbose, which works after the command too, as a global option', async () => {
    for (const args of [
      ['replay', '--help'],
      ['scenarios', 'run', '--help'],
      ['help', 'eval'],
    ]) {
      const r = await viperInProcess(args);
      expect(r.stdout, args.join(' ')).toMatch(
        /\nGlobal Options:\n(?: .*\n)* +--verbose +print stack traces/,
      );
    }
  });
});

describe('execution providers and models', () => {
  it('an unknown --ep is refused whatever the detector', async () => {
    // expectOneLineExit2 adds --detector none: no model is loaded, and the value is still checked.
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'ep1.mcap'), '--ep', 'cuda,foo'],
      /unknown execution provider "foo" \(--ep\) — use one or more of cpu, cuda, tensorrt, webgpu/,
    );
    // Not through expectOneLineExit2, whose --detector none would win over oracle.
    const r = await viperInProcess([
      'replay',
      good,
      '-o',
      join(dir, 'ep2.mcap'),
      '--detector',
      'oracle',
      '--ep',
      'foo',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*unknown execution provider "foo"/);
    expect(existsSync(join(dir, 'ep1.mcap')) || existsSync(join(dir, 'ep2.mcap'))).toBe(false);
    // A list naming none is a typo, not the default; a thread count is bounded (100000 ran out of memory).
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'ep3.mcap'), '--ep', ','],
      /no execution provider named in ","/,
    );
    await expectOneLineExit2(
      ['replay', good, '-o', join(dir, 'ep3.mcap'), '--threads', '100000'],
      /--threads 100000 is more than 1024/,
    );
  });

  it('--model with another detector is refused (the model, perhaps a broken card, was ignored)', async () => {
    for (const [d, args] of [
      ['oracle', ['replay', good, '-o', join(dir, 'mo.mcap'), '--detector', 'oracle']],
      ['none', ['replay', good, '-o', join(dir, 'mo.mcap'), '--detector', 'none']],
      ['oracle', ['scenarios', 'run', 'occluded_pedestrian', '-o', join(dir, 'mo')]],
    ] as const) {
      const r = await viperInProcess([...args, '--model', 'models/cards/yolox_nano.json']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`--model is for --detector model, and the detector is '${d}'`));
    }
    expect(existsSync(join(dir, 'mo.mcap')) || existsSync(join(dir, 'mo'))).toBe(false);
  });

  it('a model path that does not exist: the hint is about the path', async () => {
    const r = await viperInProcess([
      'replay',
      good,
      '-o',
      join(dir, 'm1.mcap'),
      '--model',
      'models/nope.onnx',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(
      /^error: model: model file not found \(models\/nope\.onnx\) — check the path; the bundled model is models\/viper-det\/viper-det\.card\.json$/,
    );
  });
});

describe('uncalibrated camera', () => {
  it('is reported and the replay goes on', async () => {
    const p = join(dir, 'uncal.mcap');
    await writeRigRecording(p, { cameras: ['cam_a', 'cam_b'], frames: 4, uncalibrated: ['cam_b'] });
    const r = await viperInProcess([
      'replay',
      p,
      '-o',
      join(dir, 'o-uncal.mcap'),
      '--detector',
      'none',
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/uncalibrated.*cam_b/);
  });
});

it('a reader that leaves (`viper … | head`) does not stop the command: files written, its own exit code, no EPIPE trace', async () => {
  // simulate prints a line per scenario and goes on working (digests are written after the last one). Two tiny
  // scenarios: the pipe is closed before the child has started, so every line it prints meets it closed.
  const digests = join(dir, 'epipe-digests.json');
  const scenarios = ['epipe-a', 'epipe-b'].map((name, k) => {
    const p = join(dir, `${name}.json`);
    writeFileSync(p, JSON.stringify(tinyScenario({ name, seed: 3 + k })));
    return p;
  });
  const child = viperSpawn(['simulate', ...scenarios, '--digests', digests]);
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(code).toBe(0);
  expect(Object.keys(JSON.parse(readFileSync(digests, 'utf8')))).toHaveLength(2);
}, 120_000);
