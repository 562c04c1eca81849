/**
 * `viper eval` scores stamp by stamp in log-time order. A file read streamed (no index) whose messages lie further
 * out of order than the reader's reorder window can restore must still score as its indexed twin: eval notices a
 * stamp met again and scores with every stamp held instead. And a second pass that meets what the first did not
 * is refused (the file changed between them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { evalMcap } from '../../src/cli/evalMcap.ts';
import type { GroundTruthMessage, Track2D } from '../../src/contracts/perception.ts';
import { SequenceScorer } from '../../src/eval/evaluate.ts';
import { PassMismatch } from '../../src/eval/index.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { tracksToImageAnnotations } from '../../src/track/annotations.ts';
import { flatCopy } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-eval-order-'));
const indexed = join(dir, 'indexed.mcap');
const late = join(dir, 'late.mcap');
/** More stamps than the reader's reorder window holds messages (4096), so the late ones cannot be put back. */
const STAMPS = 4200;
const LATE = 30;

const box3 = {
  center: [5, 0, 0] as [number, number, number],
  size: [4, 2, 1.5] as [number, number, number],
  yaw: 0,
};

/** A car crossing the front camera; its track changes id every 700 stamps and misses every 9th. */
async function writeIndexed(): Promise<void> {
  const w = await RecordingWriter.create(indexed);
  const gtCh = await w.addChannel('/ground_truth/objects', {
    kind: 'json',
    name: 'viper.GroundTruth',
    jsonSchema: {},
  });
  const annCh = await w.addChannel('/perception/front/annotations', {
    kind: 'foxglove',
    name: 'foxglove.ImageAnnotations',
  });
  for (let k = 0; k < STAMPS; k++) {
    const tNs = BigInt(k + 1) * 100_000_000n;
    const x = (k * 3) % 600;
    const box = { x1: x, y1: 100, x2: x + 40, y2: 130 };
    const gt: GroundTruthMessage = {
      stampNs: tNs.toString(),
      actors: [
        {
          id: 'c1',
          cls: 'car',
          boxWorld: box3,
          boxEgo: box3,
          velocity: [0, 0, 0],
          cameras: [{ cameraId: 'front', box, visibleFraction: 1 }],
        },
      ],
    };
    await w.writeObject(gtCh, tNs, gt);
    const tracks: Track2D[] =
      k % 9 === 4
        ? []
        : [
            {
              cameraId: 'front',
              box: { ...box, x1: box.x1 + (k % 5) },
              score: 0.5 + (k % 7) / 20,
              cls: 'car',
              trackId: 1 + Math.floor(k / 700),
              state: 'confirmed',
              age: k,
            },
          ];
    await w.writeObject(annCh, tNs, tracksToImageAnnotations(tracks, tNs, 'front'));
  }
  await w.close();
}

beforeAll(async () => {
  await writeIndexed();
  // The first LATE stamps' annotations written last: further out of place than the reader's window restores.
  await flatCopy(
    indexed,
    late,
    (topic, t) => topic.endsWith('/annotations') && t <= BigInt(LATE) * 100_000_000n,
  );
}, 60_000);

const score = (path: string) =>
  evalMcap(
    path,
    path,
    { threshold: 0.5, convention: 'trackeval', minHeightPx: 8, minVisibility: 0.25, matchDistanceM: 2 },
    true,
    undefined,
    false,
  );

it('scores a file far out of log-time order as its indexed twin, with a note', async () => {
  const a = await score(indexed);
  const b = await score(late);
  expect(a.notes).toEqual([]);
  expect(b.notes.some((n) => n.startsWith('messages out of log-time order'))).toBe(true);
  const strip = (r: typeof a) => ({ ...r, notes: [], results: '', groundTruth: '' });
  expect(strip(b)).toEqual(strip(a));
  // The id changes and the misses are scored: a test of something.
  expect(a.tracking!.overall.CLEAR.IDSW).toBe(5);
  expect(a.tracking!.overall.CLEAR.CLR_FN).toBe(467);
}, 120_000);

it('refuses a second pass that meets an id the first did not', () => {
  const s = new SequenceScorer();
  s.add([1], [7], new Float64Array([1]), 'frame 0');
  expect(() => s.match([1], [8], new Float64Array([1]))).toThrow(PassMismatch);
});
