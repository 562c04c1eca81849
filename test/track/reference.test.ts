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
import { formatMotTracks, parseMot } from '../../src/track/mot.ts';
import { trackMotSequence } from '../../src/track/motRun.ts';
import { describeShared, shared } from '../shared.ts';

const dir = join(import.meta.dirname, 'fixtures');

describe('ByteTrack reference equivalence', () => {
  it('writes the same tracks and ids as the reference on the same detections', () => {
    const rows = parseMot(readFileSync(join(dir, 'crowd-seed11.det.txt'), 'utf8'));
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

describeShared('ByteTrack reference equivalence on real boxes (TUD-Campus)', () => {
  // MOT15 TUD-Campus ground-truth boxes used as detections (score 1, heavy occlusions and crossings): the
  // reference transcription's track file has this SHA-256 (357 lines, 8 ids; the data is evaluation-only, so
  // only its digest is kept here). This sequence caught a duplicate-removal bug the synthetic fixture did not.
  it('writes the same track file as the reference', () => {
    const rows = parseMot(readFileSync(shared('data/motmetrics/TUD-Campus/gt.txt'), 'utf8'));
    const r = trackMotSequence(rows, { frameRate: 30 });
    const text = formatMotTracks(r.perFrame);
    expect(text.split('\n').length - 1).toBe(357);
    expect(r.ids).toBe(8);
    expect(createHash('sha256').update(text).digest('hex')).toBe(
      '3df1a36aa50ea3dee50dae40f6a6971d8635292a5cab87ce4eeeaca688d228f5',
    );
  });
});
