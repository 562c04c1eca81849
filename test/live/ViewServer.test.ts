import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRange, startViewServer, type ViewServer } from '../../src/live/ViewServer.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { repoRoot } from '../shared.ts';
import { cdr, header, rosChannel } from '../io/rosFixtures.ts';
import { writeRigRecording } from '../testing/recordings.ts';
import { oneTrackStage } from '../testing/stages.ts';
import { replay } from '../../src/graph/replay.ts';

const BOX = { x1: 10, y1: 8, x2: 30, y2: 40 };

/** Raw GET/HEAD with the path sent byte for byte (fetch would normalize `..` away). */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

let dir: string;
let server: ViewServer;
const fileBytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'viper-view-'));
  const dist = join(dir, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>viewer</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'top secret');
  symlinkSync(join(dir, 'secret.txt'), join(dist, 'assets', 'link.txt'));
  writeFileSync(join(dir, 'run.mcap'), fileBytes);
  // `viper view` checks its file first: the CLI tests serve a real recording.
  await writeRigRecording(join(dir, 'rec.mcap'), { frames: 6, width: 96, height: 64 });
  server = await startViewServer({ distDir: dist, file: join(dir, 'run.mcap') });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ViewServer', () => {
  test('serves the viewer and prints a ?file= URL on 127.0.0.1', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?file=%2Ffile%2Frun\.mcap$/);
    const index = await raw(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.body.toString()).toContain('<title>viewer</title>');
    expect((await raw(server.port, '/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await raw(server.port, '/nope.js')).status).toBe(404);
  });

  test.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets/link.txt',
    '/%00index.html',
    '/file/../secret.txt',
    '/file/secret.txt',
    '/%E0%A4%A',
  ])('refuses %s with 403/404', async (path) => {
    const res = await raw(server.port, path);
    expect([403, 404]).toContain(res.status);
    expect(res.body.toString()).not.toContain('top secret');
  });

  test('streams the file with Range support', async () => {
    const full = await raw(server.port, '/file/run.mcap');
    expect(full.status).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(full.body, fileBytes)).toBe(0);
    const part = await raw(server.port, '/file/run.mcap', { Range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 100-199/1000');
    expect(Buffer.compare(part.body, fileBytes.subarray(100, 200))).toBe(0);
    const tail = await raw(server.port, '/file/run.mcap', { Range: 'bytes=-10' });
    expect(Buffer.compare(tail.body, fileBytes.subarray(990))).toBe(0);
    expect((await raw(server.port, '/file/run.mcap', { Range: 'bytes=2000-' })).status).toBe(416);
    const head = await raw(server.port, '/file/run.mcap', {}, 'HEAD');
    expect(head.headers['content-length']).toBe('1000');
    expect(head.body.length).toBe(0);
    expect((await raw(server.port, '/file/run.mcap', {}, 'POST')).status).toBe(405);
  });

  test('refuses a Host that is not a loopback name (a DNS-rebound page), serves loopback names', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1.evil.example', 'x']) {
      const res = await raw(server.port, '/file/run.mcap', { Host: host });
      expect(res.status, host).toBe(403);
      expect(res.body.includes(fileBytes.subarray(0, 16))).toBe(false);
    }
    for (const host of [
      `127.0.0.1:${server.port}`,
      `localhost:${server.port}`,
      `[::1]:${server.port}`,
      'LOCALHOST',
    ]) {
      expect(
        (await raw(server.port, '/file/run.mcap', { Host: host, Range: 'bytes=0-3' })).status,
        host,
      ).toBe(206);
    }
  });

  test('parseRange', () => {
    expect(parseRange(undefined, 10)).toBeNull();
    expect(parseRange('bytes=0-', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=9-3', 10)).toBe('invalid');
    expect(parseRange('bytes=0-1,3-4', 10)).toBe('invalid');
    expect(parseRange('items=0-1', 10)).toBe('invalid');
  });
});

describe('viper view (CLI)', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/live/viewCli.ts'), 'view', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  /** Exit code, stdout and stderr of a run that ends by itself. */
  const finished = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = run(args, { VIPER_VIEWER_DIST: join(dir, 'dist') });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      // A server that did start would never exit by itself: end the test run instead of hanging.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });

  /** The URL a run that serves prints, then the run stopped. */
  async function servedUrl(
    args: string[],
  ): Promise<{ url: string; port: number; stop: () => Promise<unknown> }> {
    const child = run(args, { VIPER_VIEWER_DIST: join(dir, 'dist') });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const stop = () =>
      new Promise((resolve) => {
        child.on('exit', resolve);
        child.kill('SIGINT');
      });
    return { url, port: Number(new URL(url).port), stop };
  }

  test('prints the URL, serves, and stops on SIGINT', async () => {
    const dist = join(dir, 'dist');
    const child = run([join(dir, 'rec.mcap'), '--no-open'], { VIPER_VIEWER_DIST: dist });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve(line);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?file=/);
    const port = Number(new URL(url).port);
    expect((await raw(port, '/file/rec.mcap', { Range: 'bytes=0-3' })).body).toEqual(
      readFileSync(join(dir, 'rec.mcap')).subarray(0, 4),
    );
    expect((await raw(port, '/../../etc/passwd')).status).toBe(403);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });

  test('says how to build the viewer when viewer/dist is missing', async () => {
    const child = run([join(dir, 'rec.mcap'), '--no-open'], { VIPER_VIEWER_DIST: join(dir, 'missing') });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/viewer is not built.*vite build viewer/);
  });

  test('refuses a file that is not an MCAP before serving anything: one line, exit 2', async () => {
    const p = join(dir, 'notes.mcap');
    writeFileSync(p, 'hello, this is not a recording\n');
    const r = await finished([p, '--no-open']);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe(''); // no URL: no server
    const lines = r.err.trim().split('\n');
    expect(lines, r.err).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: recording: not an MCAP file .*notes\.mcap/);
  });

  test('refuses a truncated MCAP, says how much is intact and what view users can do', async () => {
    const whole = readFileSync(join(dir, 'rec.mcap'));
    const p = join(dir, 'cut.mcap');
    writeFileSync(p, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const r = await finished([p, '--no-open']);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.trim().split('\n');
    expect(lines, r.err).toHaveLength(1);
    expect(lines[0]).toMatch(
      /cut short.*\d+ messages before the damage are intact.*viper inspect .*cut\.mcap --recover/,
    );
    // view has no --recover, and the library's wording is not for CLI users.
    expect(lines[0]).not.toMatch(/rerun with --recover|recover: true|open option/);
  });

  test('serves a ROS 2 recording (sensor_msgs images on /<camera>/image_raw), which the viewer reads', async () => {
    const p = join(dir, 'ros2.mcap');
    const w = await RecordingWriter.create(p);
    const type = 'sensor_msgs/msg/Image';
    const ch = await rosChannel(w, '/front/image_raw', type);
    const msg = {
      header: header(1, 0, 'front'),
      height: 2,
      width: 2,
      encoding: 'rgb8',
      is_bigendian: 0,
      step: 6,
    };
    await w.write(ch, 1_000_000_000n, cdr(type, { ...msg, data: new Uint8Array(12).fill(80) }));
    await w.close();
    const { url: line, stop } = await servedUrl([p, '--no-open']);
    await stop();
    expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?file=.*ros2\.mcap/);
  });

  test('refuses an MCAP with nothing the viewer shows (no images, ground truth or objects)', async () => {
    const p = join(dir, 'tf-only.mcap');
    const w = await RecordingWriter.create(p);
    const ch = await w.addChannel('/diagnostics', { kind: 'json', name: 'x.Diagnostics', jsonSchema: {} });
    await w.write(ch, 1_000_000_000n, new TextEncoder().encode('{}'));
    await w.close();
    const r = await finished([p, '--no-open']);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
    expect(r.err).toMatch(/^error: recording: nothing to show .*tf-only\.mcap/);
  });

  describe('--images: a results-only file with the recording it was made from', () => {
    let res: string;
    let later: string;
    beforeAll(async () => {
      // Annotations only (no ground truth, no world objects): what `replay --results-only --no-fuse` makes of a bag.
      res = join(dir, 'rec.results.mcap');
      await replay({
        input: join(dir, 'rec.mcap'),
        output: res,
        stages: [oneTrackStage(BOX)],
        resultsOnly: true,
      });
      later = join(dir, 'later.mcap');
      await writeRigRecording(later, { frames: 6, width: 96, height: 64, startSec: 5000 });
      // The same cameras at the same log times, other pictures: as another scenario's recording is.
      await writeRigRecording(join(dir, 'other.mcap'), { frames: 6, width: 80, height: 64 });
    });

    test('serves both files and names the recording in the URL', async () => {
      const { url, port, stop } = await servedUrl([res, '--images', join(dir, 'rec.mcap'), '--no-open']);
      try {
        expect(new URL(url).searchParams.get('file')).toBe('/file/rec.results.mcap');
        expect(new URL(url).searchParams.get('images')).toBe('/images/rec.mcap');
        const part = await raw(port, '/images/rec.mcap', { Range: 'bytes=0-7' });
        expect(part.status).toBe(206);
        expect(part.body).toEqual(readFileSync(join(dir, 'rec.mcap')).subarray(0, 8));
        expect((await raw(port, '/images/other.mcap')).status).toBe(404);
      } finally {
        await stop();
      }
    });

    test('serves a results-only file of annotations alone (no images, ground truth or world objects)', async () => {
      const { url, stop } = await servedUrl([res, '--no-open']);
      await stop();
      expect(new URL(url).searchParams.get('images')).toBeNull();
    });

    test.each([
      [
        'results with images of their own',
        () => ['rec.mcap', '--images', 'rec.mcap'],
        /has camera images of its own \(.*\/rec\.mcap\) — --images is for a results file written with `viper replay --results-only`/,
      ],
      [
        'images from a file without any',
        () => [res, '--images', res],
        /no camera images \(.*\/rec\.results\.mcap\) — --images takes the recording the results were made from/,
      ],
      [
        'a recording of other log times',
        () => [res, '--images', later],
        /log times 5000\.000–5000\.500 s do not overlap the results' 1000\.000–1000\.500 s \(.*\/later\.mcap\)/,
      ],
      [
        'a recording of the same cameras and log times with other pictures',
        () => [res, '--images', 'other.mcap'],
        /not the images the results were made from: \/cam_back\/image, \/cam_front\/image differ \(fingerprint [0-9a-f]{32}, the results' [0-9a-f]{32}\) \(.*\/other\.mcap\)/,
      ],
      ['a missing recording', () => [res, '--images', 'nope.mcap'], /file not found.*nope\.mcap/],
    ])('refuses %s: one line, exit 2, nothing served', async (_, args, message) => {
      const r = await finished([
        ...args().map((a) => (a.startsWith('/') || a.startsWith('-') ? a : join(dir, a))),
        '--no-open',
      ]);
      expect(r.code, r.err).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
      expect(r.err).toMatch(message);
    });
  });
});
