/**
 * ByteTrack to the letter: on a crowded synthetic sequence (40 objects in a 600 px strip, misses, low scores,
 * false positives; 10 fps so the lost buffer is 10 frames) the track file must equal, byte for byte, what a
 * Python transcription of ifzhang/ByteTrack's byte_tracker.py / matching.py / kalman_filter.py wrote (numpy,
 * scipy's cho_factor, lap.lapjv's extended cost matrix solved by scipy). The sequence exercises re-finds, one
 * duplicate removal and one re-find of a track the reference had already marked removed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type MotRow, readMotChallenge } from '../../src/io/index.ts';
import { formatMotTracks, motToDetections } from '../../src/track/mot.ts';
import { trackMotSequence } from '../../src/track/motRun.ts';
import { createTracker } from '../../src/track/tracker.ts';
import { describeShared, shared } from '../shared.ts';

const dir = join(import.meta.dirname, 'fixtures');

describe('ByteTrack reference equivalence', () => {
  it('writes the same tracks and ids as the reference on the same detections', () => {
    const rows = readMotChallenge(readFileSync(join(dir, 'crowd-seed11.det.txt'), 'utf8'));
    const expected = readFileSync(join(dir, 'crowd-seed11.bytetrack-ref.txt'), 'utf8');
    const r = trackMotSequence(rows, { frameRate: 10 });
    const got = formatMotTracks(r.perFrame);
    const a = got.split('\n');
    const b = expected.split('\n');
    const firstDiff = a.findIndex((line, i) => line !== b[i]);
    expect(firstDiff === -1 ? 'identical' : `line ${firstDiff + 1}: ${a[firstDiff]} vs ${b[firstDiff]}`).toBe(
      'identical',
    );
    expect(a.length).toBe(b.length);
    expect(r.ids).toBe(44);
  });
});

describe('frames far apart', () => {
  // The crowd fixture with its second half moved 500 frames on (long after every track of the first half is
  // removed, 10 fps: a 10-frame lost buffer), then 10⁸ frames on: the run skips the empty frames once no track
  // is left, so it must write what stepping through every frame writes, and the far file must cost its rows only.
  const rows = readMotChallenge(readFileSync(join(dir, 'crowd-seed11.det.txt'), 'utf8'));
  const half = Math.floor(rows.reduce((m, r) => Math.max(m, r.frame), 0) / 2);
  const moved = (by: number) => rows.map((r) => (r.frame > half ? { ...r, frame: r.frame + by } : r));

  /** The tracker stepped through every frame from 1, as the reference's loop does. */
  function stepped(rows: MotRow[], config: Parameters<typeof createTracker>[0]) {
    const byFrame = motToDetections(rows);
    const tracker = createTracker(config);
    const last = rows.reduce((m, r) => Math.max(m, r.frame), 0);
    const out = new Map<number, ReturnType<typeof tracker.update>>();
    for (let f = 1; f <= last; f++) {
      const t = tracker.update(byFrame.get(f) ?? [], undefined, f);
      if (t.length > 0) out.set(f, t);
    }
    return formatMotTracks(out);
  }

  it('writes what a frame-by-frame run writes, ByteTrack and SORT, from frame 1 or later', () => {
    // Also starting late (frame 40): frame 1 still counts, so ByteTrack does not activate tracks at once and
    // SORT does not report them before min_hits.
    const late = moved(500).map((r) => ({ ...r, frame: r.frame + 39 }));
    for (const config of [{ frameRate: 10 }, { kind: 'sort' as const, frameRate: 10 }]) {
      for (const rows of [moved(500), late]) {
        const text = formatMotTracks(trackMotSequence(rows, config).perFrame);
        expect(text).toBe(stepped(rows, config));
        expect(text.split('\n').length).toBeGreaterThan(1000);
      }
    }
  });

  it('costs the rows, not the frame numbers', () => {
    const back = (text: string, by: number) =>
      text.replace(/^(\d+),/gm, (_, f: string) => `${Number(f) > half ? Number(f) - by : Number(f)},`);
    const near = trackMotSequence(moved(500), { frameRate: 10 });
    const far = trackMotSequence(moved(1e8), { frameRate: 10 });
    expect(far.frames).toBe(near.frames - 500 + 1e8);
    expect(far.ids).toBe(near.ids);
    expect(back(formatMotTracks(far.perFrame), 1e8)).toBe(back(formatMotTracks(near.perFrame), 500));
  });
});

describeShared('ByteTrack reference equivalence on real boxes (TUD-Campus)', () => {
  // MOT15 TUD-Campus ground-truth boxes used as detections (score 1, heavy occlusions and crossings): the
  // reference transcription's track file has this SHA-256 (357 lines, 8 ids; the data is evaluation-only, so
  // only its digest is kept here). This sequence caught a duplicate-removal bug the synthetic fixture did not.
  it('writes the same track file as the reference', () => {
    const rows = readMotChallenge(readFileSync(shared('data/motmetrics/TUD-Campus/gt.txt'), 'utf8'));
    const r = trackMotSequence(rows, { frameRate: 30 });
    const text = formatMotTracks(r.perFrame);
    expect(text.split('\n').length - 1).toBe(357);
    expect(r.ids).toBe(8);
    expect(createHash('sha256').update(text).digest('hex')).toBe(
      '3df1a36aa50ea3dee50dae40f6a6971d8635292a5cab87ce4eeeaca688d228f5',
    );
  });
});
