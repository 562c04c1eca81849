/**
 * `viper import` checks: the output's folder is created, a folder's frames are all checked before anything is
 * written, files that are not images are counted, and a video that fails part-way says what it kept. A plain
 * import, the frames that are not images (libvips may warn on stderr itself) and the video (a stand-in ffmpeg named
 * in the environment) run the real `bin/viper.js`; the rest the CLI's entry point in-process (`viperInProcess`).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { type CliResult, viper, viperInProcess } from '../testing/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-import-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function jpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 30 } } })
    .jpeg()
    .toBuffer();
}

/** A folder of `n` 32×24 JPEGs (1.jpg … n.jpg) plus `extra` files. */
async function frameFolder(name: string, n: number, extra: Record<string, Buffer | string> = {}) {
  const d = join(dir, name);
  mkdirSync(d);
  const img = await jpeg(32, 24);
  for (let i = 1; i <= n; i++) writeFileSync(join(d, `${i}.jpg`), img);
  for (const [f, data] of Object.entries(extra)) writeFileSync(join(d, f), data);
  return d;
}

function expectRefused(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('import of a folder', () => {
  it('a source that does not exist is the input not found, as a missing recording is', async () => {
    expectRefused(
      await viperInProcess(['import', join(dir, 'nope'), '-o', join(dir, 'nope.mcap')]),
      /^error: input: file or folder not found \(.*nope\) — import reads a folder of images, a video or a nuScenes dataroot/,
    );
  });

  it('a rosbag2 folder is named a recording, with the commands that read it (it was "no .jpg files")', async () => {
    const bag = await frameFolder('bag', 0, {
      'metadata.yaml': 'rosbag2_bagfile_information: {}\n',
      'b_0.mcap': 'x',
    });
    expectRefused(
      await viperInProcess(['import', bag, '-o', join(dir, 'bag.mcap')]),
      /^error: config: '.*bag' holds a recording \(b_0\.mcap, metadata\.yaml\), not frames to import .* — viper inspect, replay and view read a rosbag2 folder or MCAP file as it is$/,
    );
    const sqlite = await frameFolder('sqlite', 0, { 'metadata.yaml': '', 'b_0.db3': 'x' });
    expectRefused(
      await viperInProcess(['import', sqlite, '-o', join(dir, 'sqlite.mcap')]),
      /holds a recording .* — a rosbag2 SQLite bag \(\.db3\): Viper reads MCAP; convert it with `ros2 bag convert`/,
    );
    const zstd = await frameFolder('zstd', 0, { 'metadata.yaml': '', 'b_0.mcap.zstd': 'x' });
    expectRefused(
      await viperInProcess(['import', zstd, '-o', join(dir, 'zstd.mcap')]),
      /holds a recording \(metadata\.yaml\), .* — a rosbag2 bag's metadata\.yaml without an \.mcap beside it/,
    );
    expectRefused(
      await viperInProcess(['import', await frameFolder('empty', 0), '-o', join(dir, 'empty.mcap')]),
      /^error: config: no \.jpg\/\.jpeg\/\.png files in '.*empty'/,
    );
  });

  it('creates the folder of -o when it is missing', async () => {
    const src = await frameFolder('tomissing', 3);
    const out = join(dir, 'new', 'deeper', 'x.mcap');
    const r = viper(['import', src, '-o', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported 3 jpeg frames/);
    const rec = await RecordingReader.open(out);
    expect(rec.summary().messageCount).toBe(4); // 3 images + 1 calibration
    await rec.close();
  });

  it('refuses a later frame of another size before writing anything (not even the output folder)', async () => {
    const src = await frameFolder('sizes', 5, { '9.jpg': await jpeg(16, 16) });
    const outDir = join(dir, 'sizes-out');
    const out = join(outDir, 'x.mcap');
    const r = await viperInProcess(['import', src, '-o', out, '--no-progress']);
    expectRefused(r, /image is 16×16, the sequence is 32×24 .*9\.jpg/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(outDir)).toBe(false);
  });

  it('refuses a .jpg that is not an image, or is empty, before writing anything', async () => {
    const text = await frameFolder('notimage', 4, { '3.jpg': 'not an image' });
    const out = join(dir, 'notimage.mcap');
    expectRefused(viper(['import', text, '-o', out, '--no-progress']), /cannot read image.*3\.jpg/);
    expect(existsSync(out)).toBe(false);
    const empty = await frameFolder('emptyframe', 4, { '4.png': '' });
    // Refused before any image is read: in-process.
    expectRefused(
      await viperInProcess(['import', empty, '-o', out, '--no-progress']),
      /empty file \(0 bytes\).*4\.png/,
    );
    expect(existsSync(out)).toBe(false);
    // Cut short: the header reads, the image would not decode in replay.
    const whole = await sharp({
      create: {
        width: 32,
        height: 24,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    const cut = await frameFolder('cutframe', 4, {
      '2.jpg': whole.subarray(0, Math.floor(whole.length * 0.8)),
    });
    expectRefused(
      viper(['import', cut, '-o', out, '--no-progress']),
      /truncated JPEG: no end-of-image marker \(FF D9\), and it does not decode \(.*2\.jpg\)/,
    );
    expect(existsSync(out)).toBe(false);
    // Data after the end marker (a phone's motion photo appends a video): decoded whole, and taken.
    const appended = await frameFolder('appended', 2, {
      '2.jpg': Buffer.concat([whole, Buffer.alloc(8192, 7)]),
    });
    const ok = viper(['import', appended, '-o', out, '--no-progress']);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('refuses -o that is a frame reached through a symlink (it was overwritten)', async () => {
    const targets = await frameFolder('targets', 2);
    const links = join(dir, 'links');
    mkdirSync(links);
    for (const f of ['1.jpg', '2.jpg']) symlinkSync(join(targets, f), join(links, f));
    const before = readFileSync(join(targets, '2.jpg'));
    expectRefused(
      await viperInProcess(['import', links, '-o', join(targets, '2.jpg'), '--no-progress']),
      /output is the input/,
    );
    expect(readFileSync(join(targets, '2.jpg')).equals(before)).toBe(true);
  });

  it('says which files it skipped as not JPEG or PNG, on the summary line and in --json', async () => {
    const src = await frameFolder('skips', 3, { 'notes.txt': 'x', 'Thumbs.db': 'x' });
    mkdirSync(join(src, 'sub.jpg')); // a folder: neither a frame nor a skipped file
    const text = await viperInProcess(['import', src, '-o', join(dir, 'skips.mcap'), '--no-progress']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /imported 3 jpeg frames .*, skipped 2 files that are not JPEG or PNG \(Thumbs\.db, notes\.txt\) → /,
    );
    const json = await viperInProcess(['import', src, '-o', join(dir, 'skips2.mcap'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ frames: 3, skipped: ['Thumbs.db', 'notes.txt'] });
    const none = await viperInProcess([
      'import',
      await frameFolder('noskips', 2),
      '-o',
      join(dir, 'n.mcap'),
      '--json',
    ]);
    expect(JSON.parse(none.stdout).skipped).toBeUndefined();
  });

  it('warns when no file name holds a frame number (six cameras of one moment had become one clip, unsaid)', async () => {
    const src = join(dir, 'cameras');
    mkdirSync(src);
    const img = await jpeg(32, 24);
    for (const cam of ['CAM_FRONT', 'CAM_BACK', 'CAM_FRONT_LEFT', 'CAM_BACK_LEFT'])
      writeFileSync(join(src, `${cam}.jpg`), img);
    const r = await viperInProcess(['import', src, '-o', join(dir, 'cameras.mcap'), '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "warning: no file name holds a frame number (CAM_BACK.jpg, CAM_BACK_LEFT.jpg, CAM_FRONT.jpg, …): the 4 images were read as one camera's frames in name order",
    );
    // A numbered sequence, however named, is not warned about.
    const seq = await viperInProcess([
      'import',
      await frameFolder('numbered', 3),
      '-o',
      join(dir, 'numbered.mcap'),
      '--no-progress',
    ]);
    expect(seq.stderr).not.toContain('frame number');
  });

  it('refuses a rate that puts frames under a nanosecond apart (3e9 gave two frames one stamp)', async () => {
    const r = await viperInProcess([
      'import',
      await frameFolder('fast', 3),
      '-o',
      join(dir, 'fast.mcap'),
      '--rate',
      '3e9',
    ]);
    expectRefused(r, /--rate 3000000000 Hz puts frames less than a nanosecond apart/);
    expect(existsSync(join(dir, 'fast.mcap'))).toBe(false);
  });

  it('turns frames stored sideways (EXIF orientation) upright, as viewers show them, and says so', async () => {
    // 40×20 stored, a bright left half; orientation 6 (turn 90° clockwise to view): upright 20×40, bright on top.
    const raw = Buffer.alloc(40 * 20 * 3, 20);
    for (let y = 0; y < 20; y++) raw.fill(240, y * 40 * 3, (y * 40 + 20) * 3);
    const sideways = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const src = join(dir, 'exif');
    mkdirSync(src);
    writeFileSync(join(src, '1.jpg'), sideways);
    writeFileSync(join(src, '2.jpg'), sideways);
    const out = join(dir, 'exif.mcap');
    const r = await viperInProcess(['import', src, '-o', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported 2 jpeg frames \(20×40,/);
    const one = await viperInProcess([
      'import',
      await frameFolder('one', 1),
      '-o',
      join(dir, 'one.mcap'),
      '--no-progress',
    ]);
    expect(one.stdout).toMatch(/imported 1 jpeg frame \(/);
    expect(r.stderr).toContain('2 of 2 frames were stored turned (EXIF orientation): imported upright');
    const reader = await RecordingReader.open(out);
    let frames = 0;
    try {
      for await (const m of reader.messages({ topics: ['/cam0/image'] })) {
        frames++;
        const img = reader.decode(m) as { data: Uint8Array };
        const { data, info } = await sharp(img.data).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([20, 40]);
        // The stored left half is the upright top half; and no orientation is left for a viewer to apply again.
        expect(data[(5 * 20 + 10) * 3]!).toBeGreaterThan(200);
        expect(data[(35 * 20 + 10) * 3]!).toBeLessThan(60);
        expect((await sharp(img.data).metadata()).orientation ?? 1).toBe(1);
      }
    } finally {
      await reader.close();
    }
    expect(frames).toBe(2);
  });

  it('stamps --start to the nanosecond (a float would round its last ~20 ns at present-day epochs)', async () => {
    const src = await frameFolder('start', 2);
    const out = join(dir, 'start.mcap');
    const r = await viperInProcess([
      'import',
      src,
      '-o',
      out,
      '--rate',
      '10',
      '--start',
      '1732900000.123456789',
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rec = await RecordingReader.open(out);
    const times: bigint[] = [];
    for await (const m of rec.messages({ topics: ['/cam0/image'] })) times.push(m.logTimeNs);
    await rec.close();
    expect(times).toEqual([1_732_900_000_123_456_789n, 1_732_900_000_223_456_789n]);
    expectRefused(
      await viperInProcess(['import', src, '-o', join(dir, 's2.mcap'), '--start', '1.0000000001']),
      /9 decimals at most/,
    );
    // Past MCAP's last log time: the start is blamed only where a start at 0 would fit.
    expectRefused(
      await viperInProcess(['import', src, '-o', join(dir, 's3.mcap'), '--start', '18446744073.7']),
      /--start 18446744073\.7: frame 2 would be at .* past the last log time MCAP can hold .* \(--start\)/,
    );
    expectRefused(
      await viperInProcess(['import', src, '-o', join(dir, 's4.mcap'), '--rate', '1e-12', '--no-progress']),
      /frame 2 would be 1000000000000 s after the first, past the last log time .* \(--rate\) — --rate is frames per second/,
    );
    // 1 / 1e-320 is Infinity: an internal error before.
    expectRefused(
      await viperInProcess(['import', src, '-o', join(dir, 's5.mcap'), '--rate', '1e-320', '--no-progress']),
      /frame 2 would be infinitely far after the first, .* \(--rate\)/,
    );
  });

  it('lists at most five skipped names on the line', async () => {
    const extra = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`n${i + 1}.txt`, 'x']));
    const src = await frameFolder('manyskips', 2, extra);
    const r = await viperInProcess(['import', src, '-o', join(dir, 'many.mcap'), '--no-progress']);
    expect(r.stdout).toMatch(/skipped 7 files .*\(n1\.txt, n2\.txt, n3\.txt, n4\.txt, n5\.txt and 2 more\)/);
  });
});

describe('import of a video that fails part-way', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    // A stand-in ffmpeg that streams two frames and then fails, as a decoder does on a damaged file.
    const frames = join(dir, 'two.jpg');
    const img = await jpeg(32, 24);
    writeFileSync(frames, Buffer.concat([img, img]));
    const ffmpeg = join(dir, 'fake-ffmpeg');
    const ffprobe = join(dir, 'fake-ffprobe');
    writeFileSync(
      ffmpeg,
      `#!/bin/sh\n[ "$1" = -version ] && exit 0\ncat '${frames}'\necho '[mpeg4 @ 0x55d0c0ffee00] Invalid data found when processing input' >&2\nexit 1\n`,
    );
    writeFileSync(
      ffprobe,
      `#!/bin/sh\n[ "$1" = -version ] && exit 0\necho '{"streams":[{"width":32,"height":24,"avg_frame_rate":"10/1","nb_frames":"5"}]}'\n`,
    );
    chmodSync(ffmpeg, 0o755);
    chmodSync(ffprobe, 0o755);
    env = { VIPER_FFMPEG: ffmpeg, VIPER_FFPROBE: ffprobe };
  });

  it('says the frames before the failure are kept in the file, which holds them', async () => {
    const video = join(dir, 'clip.avi');
    writeFileSync(video, 'stand-in');
    const out = join(dir, 'clip.mcap');
    const r = viper(['import', video, '-o', out, '--no-progress'], { env });
    expectRefused(
      r,
      /cannot decode the video: Invalid data .* — the 2 frames before it are kept in .*clip\.mcap$/,
    );
    expect(r.stderr).not.toMatch(/@ 0x/); // ffmpeg's [decoder @ address] prefix is noise
    expect(r.stderr).toMatch(/cannot decode the video: Invalid data found when processing input \(/);
    const rec = await RecordingReader.open(out);
    expect(rec.summary().messageCount).toBe(3); // 2 images + 1 calibration
    await rec.close();
  });
});
