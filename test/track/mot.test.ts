import { describe, expect, it } from 'vitest';
import { readMotChallenge } from '../../src/io/index.ts';
import { formatMotTrack, motToDetections, pyRoundStr } from '../../src/track/mot.ts';

// `viper track` reads its detections with the evaluator's reader; these are the lines it meets there.
const parseMot = (text: string) => readMotChallenge(text, { source: 'det.txt' });

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

  it('refuses odd detection lines instead of reading them as something else', () => {
    // A frame past 2^53 is its own successor: the run over frames never ended.
    expect(() => parseMot('1e300,-1,1,2,3,4,1\n')).toThrow(/at most 2\^53/);
    // NaN / inf scores used to read as 1 (a sure detection).
    expect(() => parseMot('1,-1,1,2,3,4,nan\n')).toThrow(
      /conf is "nan", not a number \(det\.txt: MOTChallenge line 1\)/,
    );
    expect(() => parseMot('1,-1,1,2,3,4,inf\n')).toThrow(/conf is "inf"/);
    expect(() => parseMot('1,-1,1,2,-3,4,0.9\n')).toThrow(/negative box size/);
    // An empty field used to vanish, shifting the columns after it (id 10, x 20, …).
    expect(() => parseMot('1,,10,20,30,40,0.9\n')).toThrow(/line 1/);
    // A trailing comma used to read as a score of 0.
    expect(parseMot('1,-1,10,20,30,40,\n')[0]!.conf).toBe(1);
    expect(parseMot('\uFEFF1\t-1\t10\t20\t30\t40\t0.5\r\n')[0]).toMatchObject({
      frame: 1,
      w: 30,
      conf: 0.5,
    });
  });

  it('formats like numpy round + str (half to even after scaling, trailing .0)', () => {
    expect(pyRoundStr(12, 1)).toBe('12.0');
    expect(pyRoundStr(0.855, 2)).toBe('0.86'); // 0.855·100 = 85.5 exactly in doubles → rint → 86
    expect(pyRoundStr(0.125, 2)).toBe('0.12'); // half to even
    expect(pyRoundStr(-0.04, 1)).toBe('-0.0');
    expect(pyRoundStr(1294.349, 1)).toBe('1294.3');
    // Python writes 1e+300 (readable back); '1e+300.0' was not a number.
    expect(pyRoundStr(1e300, 1)).toBe('1e+300');
    expect(pyRoundStr(1.5e17, 1)).toBe('1.5e+17');
    expect(formatMotTrack(3, { trackId: 7, score: 0.9, box: { x1: 1, y1: 2, x2: 11.25, y2: 22 } })).toBe(
      '3,7,1.0,2.0,10.2,20.0,0.9,-1,-1,-1',
    );
  });
});
