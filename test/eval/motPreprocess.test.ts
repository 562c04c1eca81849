/** TrackEval's MOTChallenge preprocessing: distractor matches removed, only considered pedestrians scored. */
import { describe, expect, it } from 'vitest';
import {
  clearMot,
  preprocessMotChallenge,
  readMotChallenge,
  sequenceFromRows,
} from '../../src/eval/index.ts';

// MOT17 ground truth: frame,id,x,y,w,h,consider,class,visibility.
const gt = readMotChallenge(
  [
    '1,1,0,0,10,20,1,1,1', // pedestrian, scored
    '1,2,100,0,10,20,1,8,1', // distractor
    '1,3,200,0,10,20,0,1,0.1', // pedestrian not considered
    '1,4,300,0,10,20,1,3,1', // car
    '1,5,400,0,10,20,1,7,1', // static person
  ].join('\n'),
);
// Tracker: one box on each gt, and one on nothing.
const tr = readMotChallenge(
  [
    '1,11,0,0,10,20',
    '1,12,101,0,10,20',
    '1,13,200,0,10,20',
    '1,14,300,0,10,20',
    '1,15,400,0,10,20',
    '1,16,900,0,10,20',
  ].join('\n'),
);

describe('preprocessMotChallenge', () => {
  it('MOT17: drops tracker boxes on distractors and keeps only considered pedestrians', () => {
    const p = preprocessMotChallenge(gt, tr, 'MOT17');
    expect(p.removedTracker).toBe(2); // on the distractor and the static person
    expect(p.gt.map((r) => r.id)).toEqual([1]);
    expect(p.tr.map((r) => r.id)).toEqual([11, 13, 14, 16]);
    // Boxes on the unconsidered pedestrian and the car stay, as false positives (as in TrackEval).
    expect(clearMot(sequenceFromRows(p.gt, p.tr))).toMatchObject({ CLR_TP: 1, CLR_FP: 3, CLR_FN: 0 });
  });
  it('MOT20 also treats non-MOT vehicles as distractors', () => {
    const g = readMotChallenge('1,1,0,0,10,20,1,6,1\n');
    const t = readMotChallenge('1,9,0,0,10,20\n');
    expect(preprocessMotChallenge(g, t, 'MOT17').removedTracker).toBe(0);
    expect(preprocessMotChallenge(g, t, 'MOT20').removedTracker).toBe(1);
  });
  it('MOT15: only the consider flag applies', () => {
    const p = preprocessMotChallenge(gt, tr, 'MOT15');
    expect(p.gt.map((r) => r.id)).toEqual([1, 2, 4, 5]);
    expect(p.tr).toHaveLength(6);
  });
  it('rejects ground truth without MOTChallenge classes', () => {
    expect(() => preprocessMotChallenge(readMotChallenge('1,1,0,0,10,20,1,-1,-1,-1\n'), [], 'MOT17')).toThrow(
      /class -1 is not a MOTChallenge class/,
    );
  });
});
