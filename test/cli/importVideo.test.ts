/**
 * `viper import <video>`: frames decoded by ffmpeg (Debian's package; .ci/run installs it). Without ffmpeg the
 * tests that need it skip with a notice, except under CI where its absence fails. A first import, a refusal and
 * ffmpeg named in the environment run the real `bin/viper.js`; the rest the CLI's entry point in-process
 * (`viperInProcess`: ffmpeg's output is piped to it, as in the child).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decoderWarnings, haveFfmpeg, JpegSplitter } from '../../src/cli/videoFrames.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-import-video-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ffmpeg = haveFfmpeg();
if (!ffmpeg && process.env.CI === 'true')
  throw new Error('ffmpeg is missing: .ci/run installs it (apt-get install ffmpeg)');
if (!ffmpeg) process.stderr.write('NOTICE: skipping video import tests: ffmpeg is not installed\n');

describe.skipIf(!ffmpeg)('import of a video through ffmpeg', () => {
  // 2 s of ffmpeg's test pattern at 10 fps, 320×240, MPEG-4 in AVI (like OpenCV's vtest.avi).
  const video = join(dir, 'pattern.avi');
  // In beforeAll, not in the describe body: vitest runs a skipped describe's body too, to collect its tests.
  beforeAll(() => {
    const made = spawnSync(process.env.VIPER_FFMPEG ?? 'ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=10',
      '-t',
      '2',
      '-c:v',
      'mpeg4',
      '-q:v',
      '2',
      video,
    ]);
    if (made.status !== 0) throw new Error(`ffmpeg could not make the test video: ${made.stderr}`);
  });

  it('gives every frame at the video rate, with a calibration, byte-identical run to run', async () => {
    const out = join(dir, 'a.mcap');
    const r = viper(['import', video, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      frames: 20,
      width: 320,
      height: 240,
      rateHz: 10,
      format: 'jpeg',
    });
    const info = JSON.parse((await viperInProcess(['inspect', out, '--json'])).stdout);
    expect(info.durationS).toBeCloseTo(1.9, 6);
    expect(info.cameras[0]).toMatchObject({ cameraId: 'cam0', frames: 20, encoding: 'jpeg' });
    expect(info.cameras[0].calibration).toMatchObject({ width: 320, height: 240 });

    // The frames are the pattern's: testsrc's top-left colour bar is white-ish, its counter changes per frame.
    const reader = await RecordingReader.open(out);
    const frames: Uint8Array[] = [];
    for await (const m of reader.messages({ topics: ['/cam0/image'] }))
      frames.push((reader.decoder(m.channel.id)(m.data) as { data: Uint8Array }).data);
    await reader.close();
    expect(frames).toHaveLength(20);
    const first = await sharp(frames[0]).raw().toBuffer({ resolveWithObject: true });
    expect(first.info).toMatchObject({ width: 320, height: 240, channels: 3 });
    expect(Buffer.compare(Buffer.from(frames[0]!), Buffer.from(frames[19]!))).not.toBe(0);

    const again = join(dir, 'b.mcap');
    expect((await viperInProcess(['import', video, '-o', again])).code).toBe(0);
    expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
  });

  it("a variable-frame-rate video keeps its frames' own times (10 fps for 2.5 s, then 2 fps)", async () => {
    const vfr = join(dir, 'vfr.mp4');
    const made = spawnSync(process.env.VIPER_FFMPEG ?? 'ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '30'],
      ...['-vf', "setpts='if(lt(N,25),N/10,2.5+(N-25)/2)/TB'", '-fps_mode', 'vfr', '-c:v', 'mpeg4', vfr],
    ]);
    expect(made.status, String(made.stderr)).toBe(0);
    const out = join(dir, 'vfr.mcap');
    const r = await viperInProcess(['import', vfr, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 30, durationS: 4.5 });
    const reader = await RecordingReader.open(out);
    const t: number[] = [];
    for await (const m of reader.messages({ topics: ['/cam0/image'] })) t.push(Number(m.logTimeNs) / 1e9);
    await reader.close();
    const expected = [...Array.from({ length: 25 }, (_, i) => i / 10), 2.5, 3, 3.5, 4, 4.5];
    expect(t.map((x) => Math.round((x - t[0]!) * 1000) / 1000)).toEqual(
      expected.map((x) => Math.round(x * 1000) / 1000),
    );
  });

  it('takes --rate over the video rate', async () => {
    const r = await viperInProcess(['import', video, '-o', join(dir, 'r.mcap'), '--rate', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 20, rateHz: 5, durationS: 3.8 });
  });

  it('refuses a file that is not a video with one line and exit 2', () => {
    const bad = join(dir, 'noise.avi');
    writeFileSync(bad, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
    const r = viper(['import', bad, '-o', join(dir, 'bad.mcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a readable video|cannot decode/);
  });

  it('a cut MP4 (no moov atom): ffprobe’s message without its [demuxer @ 0x…] prefix', async () => {
    const mp4 = join(dir, 'whole.mp4');
    const made = spawnSync(process.env.VIPER_FFMPEG ?? 'ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10',
      '-t',
      '0.5',
      '-c:v',
      'mpeg4',
      mp4,
    ]);
    expect(made.status, String(made.stderr)).toBe(0);
    const cut = join(dir, 'cut.mp4');
    writeFileSync(cut, readFileSync(mp4).subarray(0, 1000)); // the index (moov) is written at the end
    const r = await viperInProcess(['import', cut, '-o', join(dir, 'cut.mcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: recording: not a readable video: moov atom not found (${cut})\n`);
  });

  it('refuses what ffmpeg would read as a video but is not one: an MCAP of JPEGs, a text file, one image', async () => {
    const mcap = join(dir, 'already.mcap');
    await writeRigRecording(mcap, { cameras: ['cam_a'], frames: 3 });
    const text = join(dir, 'gt.txt');
    writeFileSync(text, '1,1,10,10,20,40,1,1,1\n'.repeat(50));
    const image = join(dir, 'one.jpg');
    await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 9, g: 9, b: 9 } } })
      .jpeg()
      .toFile(image);
    for (const [file, pattern] of [
      [mcap, /is an MCAP recording already, not a video.*inspect, replay and view read it/],
      [text, /not a video: ffmpeg reads it as a text file \(format tty\)/],
      [image, /not a video: ffmpeg reads it as a single image/],
    ] as const) {
      const r = await viperInProcess(['import', file, '-o', join(dir, 'nv.mcap')]);
      expect(r.code, file).toBe(2);
      expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(r.stderr, file).toMatch(pattern);
    }
    expect(existsSync(join(dir, 'nv.mcap'))).toBe(false);
  });

  it('imports what a truncated video holds and warns about what is missing (ffmpeg exits 0 there)', async () => {
    // The AVI's header declares its 20 frames; cut at 60 % the file holds about 11.
    const whole = readFileSync(video);
    const cut = join(dir, 'cut.avi');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await viperInProcess(['import', cut, '-o', join(dir, 'cut.mcap'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { frames: number; warnings?: string[] };
    expect(s.frames).toBeGreaterThan(0);
    expect(s.frames).toBeLessThan(20);
    expect(s.warnings).toContain(`imported ${s.frames} of the 20 frames the video declares`);
    expect(r.stderr).toMatch(
      new RegExp(`^warning: imported ${s.frames} of the 20 frames .*cut\\.avi\\)$`, 'm'),
    );
    // The whole file: no warning.
    const ok = await viperInProcess(['import', video, '-o', join(dir, 'whole.mcap'), '--json']);
    expect(JSON.parse(ok.stdout).warnings).toBeUndefined();
  });
});

it('says how to get ffmpeg when it is missing (one line, exit 2)', () => {
  const video = join(dir, 'whatever.avi');
  writeFileSync(video, 'x');
  const r = viper(['import', video, '-o', join(dir, 'x.mcap')], {
    env: { VIPER_FFMPEG: '/nonexistent/ffmpeg' },
  });
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/needs ffmpeg.*apt-get install ffmpeg/);
});

describe('JpegSplitter', () => {
  // Entropy-coded data as JPEG has it: any byte, a 0xFF always stuffed with 0x00 (or a restart marker).
  const jpeg = (n: number, body: number[]) =>
    Uint8Array.from([
      0xff,
      0xd8,
      ...body.flatMap((x) => (x === 0xff ? [0xff, 0x00] : x === 0x100 ? [0xff, 0xd3] : [x])),
      n & 0xff,
      0xff,
      0xd9,
    ]);

  it('splits concatenated JPEGs at their end markers however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 0x100 }), { maxLength: 40 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        (bodies, cuts) => {
          const images = bodies.map((b, i) => jpeg(i, b));
          const stream = Buffer.concat(images);
          const split = new JpegSplitter();
          const got: Uint8Array[] = [];
          for (let at = 0, k = 0; at < stream.length; k++) {
            const n = cuts[k % cuts.length]!;
            got.push(...split.push(stream.subarray(at, at + n)));
            at += n;
          }
          expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(
            images.map((g) => Buffer.from(g).toString('hex')),
          );
          expect(split.pending).toBe(0);
        },
      ),
    );
  });
});

it("keeps a few distinct lines of ffmpeg's errors, without its [demuxer @ 0x…] prefixes", () => {
  const stderr =
    '[matroska,webm @ 0x559c821e18c0] File ended prematurely\n[mpeg4 @ 0x1] damaged\n[mpeg4 @ 0x2] damaged\nb\n\nc\nd\n';
  expect(decoderWarnings(stderr)).toEqual(['File ended prematurely', 'damaged', 'b', '… and 2 more']);
  expect(decoderWarnings('')).toEqual([]);
});
