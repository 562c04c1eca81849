import { describe, expect, it } from 'vitest';
import { formatMotTrack, motToDetections, parseMot, pyRoundStr } from '../../src/track/mot.ts';

describe('MOTChallenge files', () => {
  it('parses detections per 1-based frame and rejects malformed lines', () => {
    const rows = parseMot('1,-1,10,20,30,40,0.9,-1,-1,-1\n\n# c\n2,-1,1,2,3,4,0.5\n1,-1,0,0,5,5,0.3\n');
    expect(rows).toHaveLength(3);
    const byFrame = motToDetections(rows, 'cam', 'pedestrian');
    expect(byFrame.get(1)!.map((d) => d.box)).toEqual([
      { x1: 10, y1: 20, x2: 40, y2: 60 },
      { x1: 0, y1: 0, x2: 5, y2: 5 },
    ]);
    expect(() => parseMot('1,-1,a,b\n')).toThrow(/line 1/);
    expect(() => parseMot('0,-1,1,2,3,4,1\n')).toThrow(/1-based/);
  });

  it('formats like numpy round + str (half to even after scaling, trailing .0)', () => {
    expect(pyRoundStr(12, 1)).toBe('12.0');
    expect(pyRoundStr(0.855, 2)).toBe('0.86'); // 0.855·100 = 85.5 exactly in doubles → rint → 86
    expect(pyRoundStr(0.125, 2)).toBe('0.12'); // half to even
    expect(pyRoundStr(-0.04, 1)).toBe('-0.0');
    expect(pyRoundStr(1294.349, 1)).toBe('1294.3');
    expect(formatMotTrack(3, { trackId: 7, score: 0.9, box: { x1: 1, y1: 2, x2: 11.25, y2: 22 } })).toBe(
      '3,7,1.0,2.0,10.2,20.0,0.9,-1,-1,-1',
    );
  });
});
