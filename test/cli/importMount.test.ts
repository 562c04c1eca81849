/**
 * `import --mount`: a fixed camera's pose, so that replay's fusion can place its objects on the ground (an import
 * without it has no /tf, and fusion skips every frame; the import says so, as Foxglove's 3D panel cannot place the
 * camera either, rather than guess a mount).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountTransforms } from '../../src/cli/importCamera.ts';
import { quatRotate } from '../../src/geometry/quat.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { describeShared, shared } from '../shared.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { testJpeg } from '../testing/recordings.ts';

const close = (a: readonly number[], b: readonly number[]) => {
  for (const [k, x] of a.entries()) expect(x).toBeCloseTo(b[k]!, 9);
};

describe('mountTransforms', () => {
  it('puts the optical axes where the mount says (pitch down +, yaw left +)', () => {
    const [ego, cam] = mountTransforms('cam0', { position: [1, 2, 5], yawDeg: 0, pitchDeg: 90, rollDeg: 0 });
    expect(ego).toMatchObject({
      parent: 'odom',
      child: 'base_link',
      translation: [0, 0, 0],
      rotation: [0, 0, 0, 1],
    });
    expect(cam).toMatchObject({ parent: 'base_link', child: 'cam0', translation: [1, 2, 5] });
    // Looking straight down: the optical z (forward) is base_link −z, the image's x (right) is base_link −y.
    close(quatRotate(cam!.rotation, [0, 0, 1]), [0, 0, -1]);
    close(quatRotate(cam!.rotation, [1, 0, 0]), [0, -1, 0]);
    const [, left] = mountTransforms('cam0', { position: [0, 0, 3], yawDeg: 90, pitchDeg: 0, rollDeg: 0 });
    close(quatRotate(left!.rotation, [0, 0, 1]), [0, 1, 0]); // yaw 90° looks left (+y)
  });

  it('--mount needs six numbers and a height above the ground', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viper-mount-'));
    for (const [m, pattern] of [
      ['0,0,6', /--mount needs six numbers/],
      ['0,0,-1,0,20,0', /height above the ground\) must be positive/],
      ['0,0,6,0,abc,0', /--mount \(pitch\) must be a number/],
    ] as const) {
      const r = await viperInProcess(['import', dir, '-o', join(dir, 'x.mcap'), '--mount', m]);
      expect(r.code, m).toBe(2);
      expect(r.stderr, m).toMatch(pattern);
    }
  });
});

describe('import without --mount', () => {
  it('writes no /tf and says what that leaves out: the 3D panel and world objects, and how to give a mount', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viper-mount-'));
    const frames = join(dir, 'frames');
    mkdirSync(frames);
    for (let i = 0; i < 3; i++) writeFileSync(join(frames, `${i}.jpg`), await testJpeg(i, 32, 24));
    const tfTopics = async (path: string) => {
      const reader = await RecordingReader.open(path);
      try {
        return reader
          .channels()
          .map((c) => c.topic)
          .filter((t) => t.startsWith('/tf'));
      } finally {
        await reader.close();
      }
    };

    const bare = join(dir, 'bare.mcap');
    const r = viper(['import', frames, '-o', bare, '--camera', 'dash', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      expect.stringMatching(/^imported 3 jpeg frames .* as camera dash /),
      expect.stringMatching(
        /^ {2}note: no --mount, so no \/tf: Foxglove's Image panel shows the frames, but its 3D panel cannot place camera dash and replay places no objects in the world; give .*--mount x,y,z,yaw,pitch,roll \(e\.g\. 0,0,1\.4,0,5,0 /,
      ),
      '',
    ]);
    expect(await tfTopics(bare)).toEqual([]);
    const json = await viperInProcess(['import', frames, '-o', join(dir, 'bare2.mcap'), '--json']);
    expect(JSON.parse(json.stdout).notes).toEqual([expect.stringMatching(/^no --mount, so no \/tf/)]);

    // The example the note gives is a mount import takes; with it, /tf_static and no note.
    const example = /--mount x,y,z,yaw,pitch,roll \(e\.g\. ([\d.,]+) /.exec(r.stdout)![1]!;
    const mounted = join(dir, 'mounted.mcap');
    const m = await viperInProcess(['import', frames, '-o', mounted, '--mount', example, '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout).notes).toBeUndefined();
    expect(await tfTopics(mounted)).toEqual(['/tf_static']);
  });
});

describeShared('a real fixed camera, imported with its mount and replayed with YOLOX-Nano', () => {
  it('gives world objects in front of the camera, with no transform missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viper-mount-'));
    const rec = join(dir, 'vtest.mcap');
    expect(
      viper(['import', shared('data/vtest'), '-o', rec, '--mount', '0,0,8,0,35,0', '--no-progress']).code,
    ).toBe(0);
    const out = join(dir, 'vtest.results.mcap');
    const r = viper(['replay', rec, '-o', out, '--model', 'models/cards/yolox_nano.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.perception.worldObjects).toBeGreaterThan(100);
    expect(s.issueKinds['no-transform'] ?? 0).toBe(0);
    expect(s.issueKinds['no-ego-pose'] ?? 0).toBe(0);
    expect(s.notes).toEqual([]);
    const reader = await RecordingReader.open(out);
    let n = 0;
    try {
      for await (const m of reader.messages({ topics: ['/perception/objects'] })) {
        for (const o of (reader.decoder(m.channel.id)(m.data) as { objects: { box: { center: number[] } }[] })
          .objects) {
          const [x, y] = o.box.center as [number, number];
          // 8 m up, 35° down, 60° wide: the ground in view lies ahead, within a few tens of metres.
          expect(x).toBeGreaterThan(0);
          expect(Math.hypot(x, y)).toBeLessThan(60);
          n++;
        }
      }
    } finally {
      await reader.close();
    }
    expect(n).toBe(s.perception.worldObjects);
  }, 180_000);
});
