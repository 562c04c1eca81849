/**
 * `viper eval` on MCAP files that Viper did not write, written here with @mcap/core directly: annotations that are
 * not ImageAnnotations, two messages at one log time, ground truth with no messages or with no stamp or camera in
 * common with the results. Each must end in one clear line and exit 2, not an internal error or a score of nothing.
 * The CLI's entry point runs in-process (`viperInProcess`), but for a refusal and a score by the real `bin/viper.js`.
 */
import { mkdtempSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { describe, expect, it } from 'vitest';
import { groundTruthFromMsg, objectsFromMsg } from '../../viewer/src/data/normalize.ts';
import { expectOneLineExit2, viper, viperInProcess } from '../testing/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-foreign-'));
const T0 = 1_700_000_000_000_000_000n;
const FRAME = 100_000_000n;
const stamps = Array.from({ length: 5 }, (_, k) => T0 + BigInt(k) * FRAME);
const ANN = '/perception/cam_front/annotations';
const GT = '/ground_truth/objects';

/** An MCAP of JSON channels (jsonschema `{}`), messages given as JSON text with their log times. */
async function writeJson(
  name: string,
  topics: string[],
  msgs: { topic: string; t: bigint; json: string }[],
  annotationsSchema = 'foxglove.ImageAnnotations',
) {
  const path = join(dir, name);
  const fh = await open(path, 'w');
  const w = new McapWriter({ writable: new FileHandleWritable(fh) });
  await w.start({ profile: '', library: 'foreignMcap.test' });
  const ids = new Map<string, number>();
  for (const topic of topics) {
    const schemaId = await w.registerSchema({
      name: topic === GT ? 'viper.GroundTruth' : annotationsSchema,
      encoding: 'jsonschema',
      data: new TextEncoder().encode('{"type":"object"}'),
    });
    ids.set(
      topic,
      await w.registerChannel({ topic, schemaId, messageEncoding: 'json', metadata: new Map() }),
    );
  }
  let sequence = 0;
  for (const m of msgs) {
    await w.addMessage({
      channelId: ids.get(m.topic)!,
      sequence: sequence++,
      logTime: m.t,
      publishTime: m.t,
      data: new TextEncoder().encode(m.json),
    });
  }
  await w.end();
  await fh.close();
  return path;
}

const box = (k: number) => ({ x1: 100 + k, y1: 100, x2: 140 + k, y2: 180 });
const gtJson = (t: bigint, k: number, camera = 'cam_front') =>
  JSON.stringify({
    stampNs: String(t),
    actors: [
      {
        id: 'a1',
        cls: 'car',
        boxWorld: { center: [10, 2, 0.8], size: [4, 2, 1.6], yaw: 0 },
        boxEgo: { center: [10, 2, 0.8], size: [4, 2, 1.6], yaw: 0 },
        velocity: [0, 0, 0],
        cameras: [{ cameraId: camera, box: box(k), visibleFraction: 1 }],
      },
    ],
  });
const annJson = (k: number) => {
  const b = box(k);
  return JSON.stringify({
    points: [
      {
        type: 2,
        points: [
          { x: b.x1, y: b.y1 },
          { x: b.x2, y: b.y1 },
          { x: b.x2, y: b.y2 },
          { x: b.x1, y: b.y2 },
        ],
      },
    ],
    texts: [{ text: '#1 car 0.90' }],
  });
};

describe('viper eval on foreign MCAP files', () => {
  it.each([
    ['points is a number', '{"points":5,"texts":[]}', /points is not an array/],
    ['an outline is null', '{"points":[null],"texts":[null]}', /points\.0 is not an object/],
    [
      'outline points are not an array',
      '{"points":[{"points":{"x":1}}],"texts":[{"text":"#1 car"}]}',
      /points\.0\.points is not an array/,
    ],
    [
      'coordinates are strings',
      '{"points":[{"points":[{"x":"a","y":1},{"x":"b","y":3}]}],"texts":[{"text":"#1 car"}]}',
      /points\.0\.points\.0 is not a point/,
    ],
    [
      'a label is a number',
      '{"points":[{"points":[{"x":1,"y":2},{"x":5,"y":9}]}],"texts":[{"text":5}]}',
      /texts\.0\.text is not a string/,
    ],
  ])(
    'annotations that are not ImageAnnotations (%s): one line naming the topic, exit 2',
    async (_name, json, what) => {
      const path = await writeJson(
        `ann-${_name.replace(/\W+/g, '-')}.mcap`,
        [ANN, GT],
        [
          ...stamps.map((t) => ({ topic: ANN, t, json })),
          ...stamps.map((t, k) => ({ topic: GT, t, json: gtJson(t, k) })),
        ],
      );
      await expectOneLineExit2(['eval', path], what);
      await expectOneLineExit2(
        ['eval', path],
        /does not match foxglove\.ImageAnnotations.*\/perception\/cam_front\/annotations @ 1700000000000000000/,
      );
    },
  );

  it('an annotations topic of another schema: named, not scored as no tracks', async () => {
    const path = await writeJson(
      'ann-log.mcap',
      [ANN, GT],
      [
        ...stamps.map((t) => ({ topic: ANN, t, json: '{"level":2,"message":"hello"}' })),
        ...stamps.map((t, k) => ({ topic: GT, t, json: gtJson(t, k) })),
      ],
      'foxglove.Log',
    );
    await expectOneLineExit2(
      ['eval', path],
      /\/perception\/cam_front\/annotations carries foxglove\.Log, not foxglove\.ImageAnnotations/,
      async (args) => viper(args, { timeoutMs: 30_000 }),
    );
  });

  it('two annotations or ground-truth messages at one log time: refused with the topic, not "gtIds has id a1 twice"', async () => {
    const path = await writeJson(
      'same-stamp.mcap',
      [ANN, GT],
      [
        ...stamps.map((_t, k) => ({ topic: ANN, t: T0, json: annJson(k) })),
        ...stamps.map((_t, k) => ({ topic: GT, t: T0, json: gtJson(T0, k) })),
      ],
    );
    await expectOneLineExit2(
      ['eval', path],
      /two \/perception\/cam_front\/annotations messages at the same log time/,
    );
    const tracks = await writeJson(
      'tracks.mcap',
      [ANN],
      stamps.map((t, k) => ({ topic: ANN, t, json: annJson(k) })),
    );
    const gt = await writeJson(
      'gt-same-stamp.mcap',
      [GT],
      stamps.map((_t, k) => ({ topic: GT, t: T0, json: gtJson(T0, k) })),
    );
    await expectOneLineExit2(
      ['eval', tracks, '--gt', gt],
      /two \/ground_truth\/objects messages at the same log time/,
    );
  });

  it('--gt whose ground truth has no messages, or no stamp or camera in common with the results: exit 2, not a score', async () => {
    const tracks = await writeJson(
      'tracks2.mcap',
      [ANN],
      stamps.map((t, k) => ({ topic: ANN, t, json: annJson(k) })),
    );
    const empty = await writeJson('gt-empty.mcap', [GT], []);
    await expectOneLineExit2(['eval', tracks, '--gt', empty], /no messages on \/ground_truth\/objects/);
    const later = await writeJson(
      'gt-later.mcap',
      [GT],
      stamps.map((t, k) => ({ topic: GT, t: t + 3_600_000_000_000n, json: gtJson(t, k) })),
    );
    await expectOneLineExit2(
      ['eval', tracks, '--gt', later],
      /no annotation stamp has ground truth at the same log time/,
    );
    const otherCam = await writeJson(
      'gt-back.mcap',
      [GT],
      stamps.map((t, k) => ({ topic: GT, t, json: gtJson(t, k, 'cam_back') })),
    );
    await expectOneLineExit2(
      ['eval', tracks, '--gt', otherCam],
      /cameras \(cam_front\) and the ground truth's \(cam_back\) have none in common/,
    );
  });

  it('ground truth with no actors is ground truth: no note that the stamps lack it', async () => {
    const tracks = await writeJson(
      'tracks3.mcap',
      [ANN],
      stamps.map((t, k) => ({ topic: ANN, t, json: annJson(k) })),
    );
    const none = await writeJson(
      'gt-no-actors.mcap',
      [GT],
      stamps.map((t) => ({ topic: GT, t, json: JSON.stringify({ stampNs: String(t), actors: [] }) })),
    );
    const r = await viperInProcess(['eval', tracks, '--gt', none, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { notes: string[]; tracking: { overall: { FP?: number } } };
    expect(report.notes.join('\n')).not.toMatch(/no ground truth at the same log time/);
  });

  it('a well-formed foreign file (schemaless JSON channels written with @mcap/core) still scores', async () => {
    const path = await writeJson(
      'good.mcap',
      [ANN, GT],
      [
        ...stamps.map((t, k) => ({ topic: ANN, t, json: annJson(k) })),
        ...stamps.map((t, k) => ({ topic: GT, t, json: gtJson(t, k) })),
      ],
    );
    const r = viper(['eval', path, '--json'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"HOTA"/);
  });
});

describe('the viewer on foreign ground truth and objects', () => {
  it('keeps only the actors and objects it can draw (a malformed one threw "reading \'size\'" in the scene view)', () => {
    const good = JSON.parse(gtJson(T0, 0)).actors[0];
    const gt = groundTruthFromMsg({ stampNs: '1', actors: [{ id: 1 }, [[]], null, good] });
    expect(gt?.actors).toEqual([good]);
    const obj = {
      id: 3,
      cls: 'car',
      frameId: 'odom',
      box: { center: [1, 2, 0], size: [4, 2, 1.5], yaw: 0 },
      velocity: [0, 0, 0],
      positionCovariance: [1, 0, 0, 1],
      sources: [],
    };
    const objects = objectsFromMsg({ stampNs: '1', objects: [{ id: 'x' }, { id: 4, box: {} }, obj] });
    expect(objects?.objects).toEqual([obj]);
  });
});
