/**
 * `viper replay a.mcap b.mcap … -o out/` through the real CLI: a results file per feed, a JSON summary, one-line
 * errors for what several recordings cannot do, a damaged feed that fails alone with its results finalized, and
 * more feeds than files may be open at once. The CLI's entry point runs in-process (`viperInProcess`) but for a
 * run of each kind of answer (feeds written, a refusal, a feed failing part-way), the runs under an open-files limit
 * or with a long command line, which are the real `bin/viper.js`.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { recordScenario } from '../../src/sim/record.ts';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { tinyScenario } from '../sim/testing.ts';
import { repoRoot } from '../shared.ts';
import { viper, viperBin, viperInProcess } from '../testing/cli.ts';
import { copyRecording, writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-feeds-cli-'));
const a = join(dir, 'a.mcap');
const b = join(dir, 'b.mcap');
/** Two rig frames with ground truth: what the hundreds of feeds under an open-files limit each replay. */
const short = join(dir, 'short.mcap');

beforeAll(async () => {
  await recordScenario(scenarioFromValue(tinyScenario({ duration: 2 }), 'a').world, a);
  await recordScenario(scenarioFromValue(tinyScenario({ duration: 2, seed: 9 }), 'b').world, b);
  await recordScenario(scenarioFromValue(tinyScenario({ duration: 0.4 }), 'short').world, short);
});

/** Offset of the last chunk record's compressed data (opcode 0x06, MCAP spec), to damage a late part. */
function lastChunkDataOffset(buf: Buffer): number {
  let off = 8;
  let last = -1;
  while (off < buf.length - 1) {
    const op = buf[off]!;
    const len = Number(buf.readBigUInt64LE(off + 1));
    if (op === 0x06) last = off;
    if (op === 0x0f /* footer */ || len <= 0) break;
    off += 1 + 8 + len;
  }
  // Chunk: start, end, uncompressed size, CRC (8+8+8+4), compression string (4 + n), records length (8).
  const comp = buf.readUInt32LE(last + 9 + 28);
  return last + 9 + 28 + 4 + comp + 8;
}

describe('viper replay with several recordings', () => {
  it('writes one results file per feed and a JSON summary of each', () => {
    const out = join(dir, 'out');
    const r = viper(['replay', a, b, '-o', out, '--detector', 'oracle', '--json', '--feeds-at-once', '1']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      feeds: { input: string; output: string; rigFrames: number }[];
      feedsAtOnce: number;
    };
    expect(j.feedsAtOnce).toBe(1);
    expect(j.feeds.map((f) => [f.input, f.output])).toEqual([
      [a, join(out, 'a.results.mcap')],
      [b, join(out, 'b.results.mcap')],
    ]);
    for (const f of j.feeds) expect(f.rigFrames).toBeGreaterThan(5);
  });

  it('refuses --serve, a file as the folder, and two feeds of one name, on one line', async () => {
    const file = join(dir, 'file.mcap');
    writeFileSync(file, 'x');
    const cases: [string[], RegExp][] = [
      [['--serve'], /--serve watches one recording/],
      [['--speed', '2'], /--speed watches one recording/],
    ];
    for (const [extra, pattern] of cases) {
      const r = await viperInProcess(['replay', a, b, '-o', join(dir, 'o1'), '--detector', 'none', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(pattern);
    }
    // The real CLI for one refusal: one line on stderr, nothing else.
    let r = viper(['replay', a, b, '-o', file, '--detector', 'none']);
    expect([r.code, r.stderr.trim().split('\n')]).toEqual([2, [expect.stringMatching(/names a folder/)]]);
    // The one-recording habit (-o x.mcap) with two recordings: refused, not a folder named x.mcap.
    r = await viperInProcess(['replay', a, b, '-o', join(dir, 'x.mcap'), '--detector', 'none']);
    expect(r.stderr).toMatch(/names a folder, not a file/);
    expect(existsSync(join(dir, 'x.mcap'))).toBe(false);
    r = await viperInProcess(['replay', a, b, '-o', join(file, 'sub'), '--detector', 'none']);
    expect([r.code, r.stderr.trim().split('\n')]).toEqual([
      2,
      [expect.stringMatching(/^error: .*cannot create the folder .*file\.mcap is a file \(-o\)/)],
    ]);
    r = await viperInProcess(['replay', a, b, a, '-o', join(dir, 'o2'), '--detector', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^error: config: one recording given twice \(.*a\.mcap, .*a\.mcap\) — each file once/,
    );
    expect(existsSync(join(dir, 'o2'))).toBe(false);
  });

  it('a feed damaged on the way fails alone: one line, its results so far readable, the other feed whole', async () => {
    // b in small chunks, so that the damage in its last one comes after frames the replay has written.
    const chunked = join(dir, 'chunked.mcap');
    await copyRecording(b, chunked, 8 * 1024);
    const bad = join(dir, 'bad.mcap');
    const bytes = readFileSync(chunked);
    const at = lastChunkDataOffset(bytes) + 20;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(bad, bytes);
    const out = join(dir, 'out-bad');
    const r = viper(['replay', a, bad, '-o', out, '--detector', 'oracle', '--no-progress']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/replay .*bad\.mcap → .*bad\.results\.mcap failed/);
    expect(r.stderr).toMatch(/^error: .*(CRC|chunk|decompress|damaged)/im);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toMatch(/replayed .*a\.mcap → .*a\.results\.mcap/);
    for (const f of ['a.results.mcap', 'bad.results.mcap']) {
      const reader = await RecordingReader.open(join(out, f));
      expect(reader.summary().messageCount).toBeGreaterThan(0);
      await reader.close();
    }
  });

  it('bad recordings among good ones fail alone: each named, the good ones written, one JSON document', async () => {
    const bad = join(dir, 'bad-up-front');
    mkdirSync(bad, { recursive: true });
    const truncated = join(bad, 'truncated.mcap');
    writeFileSync(truncated, readFileSync(b).subarray(0, Math.floor(readFileSync(b).length / 2)));
    const empty = join(bad, 'empty.mcap');
    writeFileSync(empty, '');
    const text = join(bad, 'text.mcap');
    writeFileSync(text, 'not a recording\n');
    for (const recover of [[], ['--recover']]) {
      const out = join(dir, `out-mixed${recover.length}`);
      const args = ['replay', a, truncated, empty, b, text, '-o', out, '--detector', 'none', ...recover];
      const r = await viperInProcess([...args, '--no-progress']);
      expect(r.code, r.stderr).toBe(2);
      const named = [empty, text, ...(recover.length ? [] : [truncated])];
      for (const f of named) expect(r.stderr).toContain(`replay ${f} →`);
      expect(r.stdout).toMatch(/replayed .*a\.mcap → /);
      expect(r.stdout).toMatch(/replayed .*b\.mcap → /);
      expect(existsSync(join(out, 'a.results.mcap'))).toBe(true);
      expect(existsSync(join(out, 'b.results.mcap'))).toBe(true);
      for (const f of ['empty', 'text']) expect(existsSync(join(out, `${f}.results.mcap`))).toBe(false);
    }
  });

  it('with the oracle, a recording without ground truth fails its feed alone', async () => {
    const plain = join(dir, 'plain.mcap');
    await writeRigRecording(plain, { cameras: ['cam_a'], frames: 2, width: 96, height: 64 });
    const out = join(dir, 'out-no-truth');
    const r = await viperInProcess(['replay', a, plain, '-o', out, '--detector', 'oracle', '--no-progress']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: .*the oracle detector needs simulator ground truth/m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('2 feeds: 1 written, 1 failed, 0 not started');
    expect(existsSync(join(out, 'a.results.mcap'))).toBe(true);
  });

  it('--json with failed feeds prints one JSON document, each failed feed with its error', async () => {
    const empty = join(dir, 'empty-json.mcap');
    writeFileSync(empty, '');
    const out = join(dir, 'out-json-failed');
    const r = await viperInProcess(['replay', a, empty, b, '-o', out, '--detector', 'none', '--json']);
    expect(r.code, r.stderr).toBe(2);
    const j = JSON.parse(r.stdout) as { feeds: { input: string; error?: string }[] };
    expect(j.feeds.map((f) => f.input)).toEqual([a, empty, b]);
    expect(j.feeds[1]!.error).toMatch(/empty|not an MCAP|too short|recording/i);
    // What the text line says: the error's kind and that no results file was made.
    expect(j.feeds[1]).toMatchObject({ domain: 'recording', results: 'none' });
    // The error in words on stderr too, as a single replay's --json gives it.
    expect(r.stderr).toMatch(/^error: .*empty-json\.mcap/m);
  });

  it('ends with the feeds counted, and its progress line counts the feeds done and failed', async () => {
    const empty = join(dir, 'empty-count.mcap');
    writeFileSync(empty, '');
    const out = join(dir, 'out-count');
    let r = await viperInProcess(['replay', a, empty, b, '-o', out, '--detector', 'none']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('3 feeds: 2 written, 1 failed, 0 not started');
    expect(r.stderr).toMatch(/replay 3 feeds .*feeds 3\/3 done, 1 failed/);
    r = await viperInProcess(['replay', a, empty, b, '-o', out, '--detector', 'none', '--json']);
    expect(JSON.parse(r.stdout).totals).toEqual({
      feeds: 3,
      written: 2,
      interrupted: 0,
      failed: 1,
      notStarted: 0,
    });
  });

  it('takes a folder of recordings and a list of them as feeds, naming files of one name by their folders', async () => {
    const sites = join(dir, 'sites');
    for (const site of ['siteA', 'siteB']) mkdirSync(join(sites, site), { recursive: true });
    copyFileSync(a, join(sites, 'siteA', 'cam.mcap'));
    copyFileSync(b, join(sites, 'siteB', 'cam.mcap'));
    copyFileSync(a, join(sites, 'siteB', 'west.mcap'));
    const list = join(sites, 'list.txt');
    writeFileSync(list, '# the city\nsiteA/cam.mcap\n\nsiteB\n');
    const out = join(dir, 'out-sites');
    const r = await viperInProcess([
      'replay',
      '--feeds-from',
      list,
      '-o',
      out,
      '--detector',
      'none',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { feeds: { input: string; output: string }[] };
    expect(j.feeds.map((f) => [f.input, f.output])).toEqual([
      [join(sites, 'siteA', 'cam.mcap'), join(out, 'siteA_cam.results.mcap')],
      [join(sites, 'siteB', 'cam.mcap'), join(out, 'siteB_cam.results.mcap')],
      [join(sites, 'siteB', 'west.mcap'), join(out, 'west.results.mcap')],
    ]);
    expect((await viperInProcess(['replay', '--help'])).stdout).toMatch(/siteA_cam/);
    // A path in the list that is not there fails its feed alone.
    writeFileSync(list, 'siteA/cam.mcap\nsiteC/cam.mcap\n');
    const r2 = await viperInProcess([
      'replay',
      '--feeds-from',
      list,
      '-o',
      join(dir, 'out-sites2'),
      '--detector',
      'none',
    ]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^error: recording: file not found \(.*siteC.cam\.mcap\)/m);
    expect(existsSync(join(dir, 'out-sites2', 'siteA_cam.results.mcap'))).toBe(true);
    // A folder of feeds whose subfolders hold recordings too: its own files are replayed, the others named.
    copyFileSync(a, join(sites, 'east.mcap'));
    copyFileSync(b, join(sites, 'north.mcap'));
    const r3 = await viperInProcess(['replay', sites, '-o', join(dir, 'out-sites3'), '--detector', 'none']);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stderr).toMatch(
      /^note: .*sites: 2 subfolders holding recordings not replayed \(siteA, siteB\): a folder's own \.mcap files are its feeds; give the subfolders too, or list every recording with --feeds-from <list>$/m,
    );
  });

  it('a list of one is feeds still, and a folder replayed into itself again takes no results for feeds', async () => {
    const one = join(dir, 'one');
    mkdirSync(one);
    copyFileSync(a, join(one, 'north.mcap'));
    copyFileSync(b, join(one, 'south.mcap'));
    const list = join(one, 'list.txt');
    writeFileSync(list, 'north.mcap\n');
    const out = join(dir, 'out-one');
    const r = await viperInProcess(['replay', '--feeds-from', list, '-o', out, '--detector', 'none']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['north.results.mcap']);
    // The folder as its own output, twice: the second run's feeds are the recordings, not the first's results.
    for (let k = 0; k < 2; k++) {
      const again = await viperInProcess(['replay', one, '-o', one, '--detector', 'none', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const j = JSON.parse(again.stdout) as { feeds: { input: string }[] };
      expect(j.feeds.map((f) => f.input)).toEqual([join(one, 'north.mcap'), join(one, 'south.mcap')]);
    }
  });

  it('replays more recordings than files may be open at once', () => {
    // 240 names for one recording under an open-files limit of 200 (lowering it needs no privilege): each is
    // checked and closed up front, and opened again only when its turn comes.
    const many = join(dir, 'many');
    mkdirSync(many);
    const names = Array.from({ length: 240 }, (_, k) => join(many, `cam${k}.mcap`));
    for (const n of names) linkSync(short, n);
    const out = join(dir, 'many-out');
    const args = ['replay', ...names, '-o', out, '--detector', 'none', '--json'];
    const r = underFileLimit(200, args);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toHaveLength(240);
  });

  it('with the oracle too, only the feeds replaying hold their recording open', () => {
    // The oracle reads each feed's ground truth: opened at the feed's turn, not for every feed from the start.
    const many = join(dir, 'many-oracle');
    mkdirSync(many);
    const names = Array.from({ length: 150 }, (_, k) => join(many, `cam${k}.mcap`));
    for (const n of names) linkSync(short, n);
    const out = join(dir, 'many-oracle-out');
    const args = ['replay', many, '-o', out, '--detector', 'oracle', '--feeds-at-once', '4', '--json'];
    const r = underFileLimit(120, args);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toHaveLength(150);
  });

  it('loads the model with a long command line (hundreds of feeds with long paths: a worker stack once overflowed)', async () => {
    // ~20 KB of arguments: ONNX Runtime's model load in a worker with Node's default stack died with SIGSEGV.
    const deep = join(dir, 'a'.repeat(90));
    mkdirSync(deep);
    const names = Array.from({ length: 120 }, (_, k) =>
      join(deep, `feed_with_a_rather_long_name_for_testing_${String(k).padStart(4, '0')}.mcap`),
    );
    const small = join(dir, 'small.mcap');
    await writeRigRecording(small, { cameras: ['cam_a'], frames: 2, width: 96, height: 64 });
    for (const n of names) linkSync(small, n);
    expect(names.join(' ').length).toBeGreaterThan(16_000);
    const out = join(dir, 'deep-out');
    const r = viper(['replay', ...names, '-o', out, '--no-progress'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toHaveLength(120);
  });

  it('names running out of file handles as such, on one line', () => {
    // Every handle taken but a few, then a recording opened: the reader's error says what to do.
    const script = join(dir, 'emfile.mts');
    writeFileSync(
      script,
      `import { openSync } from 'node:fs';
import { RecordingReader } from ${JSON.stringify(join(repoRoot, 'src/io/index.ts'))};
await (await RecordingReader.open(${JSON.stringify(a)})).close(); // its decompressors loaded first
const held = [];
try { for (;;) held.push(openSync(${JSON.stringify(a)}, 'r')); } catch {}
try { await RecordingReader.open(${JSON.stringify(a)}); console.log('opened'); } catch (e) { console.log(e.message); }
`,
    );
    const r = spawnSync(
      'bash',
      ['-c', 'ulimit -n 300 && exec "$0" --import tsx "$1"', process.execPath, script],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.stdout.trim(), r.stderr).toMatch(
      /^recording: cannot open file: too many files open \(EMFILE\).*ulimit -n.*--feeds-at-once/,
    );
  });
});

/** The CLI run under an open-files limit (soft and hard). */
function underFileLimit(limit: number, args: string[]) {
  return spawnSync(
    'bash',
    ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, viperBin, ...args],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
}
