/** MOTChallenge and KITTI tracking text: parsing, writing, round trips and error messages. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ViperError } from '../../src/contracts/errors.ts';
import {
  kittiRowsToTrackRows,
  type MotRow,
  motRowsToTrackRows,
  readKitti,
  readMotChallenge,
  trackRowsToMotRows,
  writeKitti,
  writeMotChallenge,
} from '../../src/eval/index.ts';

function thrown(f: () => unknown): ViperError {
  try {
    f();
  } catch (e) {
    if (e instanceof ViperError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('MOTChallenge', () => {
  it('reads ground truth and results, commas or spaces, short rows', () => {
    const rows = readMotChallenge(
      '1,1,399,182,121,229,1,-1,-1,-1\n\n2, 3, 113.84, 274.5, 57.307, 130.05, -1, -1, -1, -1\r\n3 4 1 2 3 4\n',
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      frame: 1,
      id: 1,
      x: 399,
      y: 182,
      w: 121,
      h: 229,
      conf: 1,
      wx: -1,
      wy: -1,
      wz: -1,
    });
    expect(rows[1]).toMatchObject({ frame: 2, id: 3, x: 113.84, w: 57.307, conf: -1 });
    expect(rows[2]).toMatchObject({ frame: 3, id: 4, h: 4, conf: 1, wz: -1 });
    expect(motRowsToTrackRows(rows)[0]!.box).toEqual({ x1: 399, y1: 182, x2: 520, y2: 411 });
  });

  it('keeps MOT16+ ground-truth columns (consider, class, visibility) in extra', () => {
    const [r] = readMotChallenge('1,2,10,20,30,40,1,1,0.75\n');
    expect(r).toMatchObject({ conf: 1, wx: 1, wy: 0.75 });
    const [r10] = readMotChallenge('1,2,10,20,30,40,1,-1,-1,-1,7,0.5\n');
    expect(r10!.extra).toEqual([7, 0.5]);
  });

  it('names the line and field of bad input', () => {
    const e = thrown(() => readMotChallenge('1,1,1,1,1,1\n2,1,abc,1,1,1\n'));
    expect(e.domain).toBe('input');
    expect(e.message).toMatch(/field x is "abc".*MOTChallenge line 2/);
    expect(thrown(() => readMotChallenge('1,2,3\n')).message).toMatch(/3 columns.*line 1/);
    expect(thrown(() => readMotChallenge('1.5,2,3,4,5,6\n')).message).toMatch(/must be integers/);
    expect(thrown(() => readMotChallenge('1,2,3,4,-5,6\n')).message).toMatch(/negative box size/);
  });

  it('round-trips any rows exactly', () => {
    const num = fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true });
    const rowArb = fc.record({
      frame: fc.integer({ min: 1, max: 1e6 }),
      id: fc.integer({ min: -1, max: 1e6 }),
      x: num,
      y: num,
      w: fc.double({ min: 0, max: 1e4, noNaN: true }),
      h: fc.double({ min: 0, max: 1e4, noNaN: true }),
      conf: num,
      wx: num,
      wy: num,
      wz: num,
    });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 20 }), (rows: MotRow[]) => {
        const norm = rows.map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === 0 ? 0 : v])),
        );
        expect(readMotChallenge(writeMotChallenge(rows))).toEqual(norm);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it('converts evaluator rows back', () => {
    const rows = trackRowsToMotRows([{ frame: 4, id: 9, box: { x1: 1, y1: 2, x2: 4, y2: 8 }, score: 0.5 }]);
    expect(writeMotChallenge(rows)).toBe('4,9,1,2,3,6,0.5,-1,-1,-1\n');
    expect(
      thrown(() => trackRowsToMotRows([{ frame: 1, id: 'a', box: { x1: 0, y1: 0, x2: 1, y2: 1 } }])).message,
    ).toMatch(/not a number/);
  });
});

describe('KITTI tracking', () => {
  const text =
    '0 -1 DontCare -1 -1 -10.000000 219.310000 188.490000 245.500000 218.560000 -1000.000000 -1000.000000 -1000.000000 -10.000000 -1.000000 -1.000000 -1.000000\n' +
    '0 0 Van 0 0 -1.793451 296.744956 161.752147 455.226042 292.372804 2.000000 1.823255 4.433886 -4.552284 1.858523 13.410495 -2.115488\n' +
    '1 2 Pedestrian 0 1 0.1 10 20 30 60 1.7 0.6 0.8 1 1.5 9 0.2 0.87\n';

  it('reads labels and results (with score)', () => {
    const rows = readKitti(text);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({
      frame: 0,
      trackId: 0,
      type: 'Van',
      x1: 296.744956,
      z: 13.410495,
      ry: -2.115488,
    });
    expect(rows[1]!.score).toBeUndefined();
    expect(rows[2]).toMatchObject({ type: 'Pedestrian', occluded: 1, score: 0.87 });
  });

  it('maps to evaluator rows, dropping DontCare and mapping classes', () => {
    const t = kittiRowsToTrackRows(readKitti(text));
    expect(t.map((r) => [r.frame, r.id, r.cls])).toEqual([
      [0, 0, 'car'],
      [1, 2, 'pedestrian'],
    ]);
    expect(t[1]).toMatchObject({ box: { x1: 10, y1: 20, x2: 30, y2: 60 }, score: 0.87 });
  });

  it('round-trips through text', () => {
    const rows = readKitti(text);
    expect(readKitti(writeKitti(rows))).toEqual(rows);
  });

  it('names the line and field of bad input', () => {
    expect(thrown(() => readKitti('0 1 Car 0 0\n')).message).toMatch(
      /5 columns, expected 17 or 18.*KITTI line 1/,
    );
    const bad = text.split('\n')[1]!.replace('296.744956', 'left');
    expect(thrown(() => readKitti(`\n${bad}\n`)).message).toMatch(/field x1 is "left".*KITTI line 2/);
    expect(thrown(() => writeKitti([{ ...readKitti(text)[1]!, type: 'Big Car' }])).message).toMatch(
      /whitespace/,
    );
  });

  it('refuses a negative frame and a type the devkit does not have, naming the file and line', () => {
    const row = text.split('\n')[1]!;
    const opts = { source: 'gt.txt' };
    // Frame −1 had passed the reader and failed later without a file or line.
    expect(thrown(() => readKitti(`${row}\n-1${row.slice(1)}\n`, opts)).message).toMatch(
      /frame -1: frames are 0-based \(gt\.txt: KITTI line 2\)/,
    );
    // A typo was scored as a class of its own: overall 100 %, the class and 'car' each 0 %.
    expect(thrown(() => readKitti(row.replace('Van', 'Kar'), opts)).message).toMatch(
      /type "Kar" is not a KITTI type \(gt\.txt: KITTI line 1\)/,
    );
    // Types as the tracking labels and tracker outputs write them: `Person` (a distractor), any case.
    const lower = readKitti(
      `${row.replace('Van', 'car')}\n${row.replace('Van', 'Person').replace(/^0 0/, '0 1')}\n`,
    );
    expect(kittiRowsToTrackRows(lower).map((r) => r.cls)).toEqual(['car', 'pedestrian']);
    expect(readKitti(row.replace('Van', 'dontcare').replace(/^0 0/, '0 -1'))).toHaveLength(1);
  });
});

describe('odd tracking text', () => {
  const mot = '1,1,10,20,30,40,0.9,-1,-1,-1\n1,2,50,20,30,40,0.8,-1,-1,-1\n';

  it('reads CRLF, a UTF-8 BOM, blank lines, tabs and one trailing comma per line alike', () => {
    const want = readMotChallenge(mot);
    expect(readMotChallenge(`\uFEFF${mot.replaceAll('\n', '\r\n\r\n')}`)).toEqual(want);
    expect(readMotChallenge(mot.replaceAll(',', '\t'))).toEqual(want);
    expect(readMotChallenge(mot.replaceAll('\n', ',\n'))).toEqual(want);
  });

  it('refuses numbers that are not decimal (0x10 had read as 16)', () => {
    expect(thrown(() => readMotChallenge('1,0x10,1,1,1,1\n')).message).toMatch(/field id is "0x10".*line 1/);
    expect(thrown(() => readMotChallenge('1,1,1,1,1,1,0b1\n')).message).toMatch(/field conf is "0b1"/);
    expect(thrown(() => readKitti('0 1 Car 0 0 0 1 1 2 0x2 1 1 1 1 1 1 0\n')).message).toMatch(
      /field y2 is "0x2"/,
    );
    expect(readMotChallenge('1,1,-.5,+2,1e1,4.,0.5\n')[0]).toMatchObject({
      x: -0.5,
      y: 2,
      w: 10,
      h: 4,
      conf: 0.5,
    });
  });

  it('refuses ids past 2^53, which would merge two ids into one', () => {
    const e = thrown(() =>
      readMotChallenge('1,100000000000000000000,1,1,1,1\n1,100000000000000000001,5,5,1,1\n'),
    );
    expect(e.message).toMatch(/must be integers of at most 2\^53.*MOTChallenge line 1/);
    const k = '0 100000000000000000000 Car 0 0 0 1 1 2 2 1 1 1 1 1 1 0\n';
    expect(thrown(() => readKitti(k)).message).toMatch(/at most 2\^53.*KITTI line 1/);
  });

  it('names both lines of an id twice in one frame when asked (tracking files), not otherwise', () => {
    const dup = `${mot}1,1,90,20,30,40,0.7,-1,-1,-1\n`;
    expect(readMotChallenge(dup)).toHaveLength(3);
    expect(thrown(() => readMotChallenge(dup, { uniqueIds: true })).message).toMatch(
      /id 1 twice in frame 1 \(also line 1\).*MOTChallenge line 3/,
    );
    const k = '0 4 Car 0 0 0 1 1 2 2 1 1 1 1 1 1 0\n0 -1 DontCare 0 0 0 1 1 2 2 1 1 1 1 1 1 0\n';
    // DontCare regions share track −1.
    expect(readKitti(`${k}${k.replace('0 4 Car', '0 5 Car')}`, { uniqueIds: true })).toHaveLength(4);
    expect(thrown(() => readKitti(`${k}${k}`, { uniqueIds: true })).message).toMatch(
      /track_id 4 twice in frame 0 \(also line 1\).*KITTI line 3/,
    );
  });

  it('refuses a KITTI box whose right or bottom edge is before its left or top', () => {
    expect(thrown(() => readKitti('0 1 Car 0 0 0 200 200 100 300 1 1 1 1 1 1 0\n')).message).toMatch(
      /x2 < x1 or y2 < y1.*KITTI line 1/,
    );
    expect(readKitti('0 1 Car 0 0 0 200 200 200 200 1 1 1 1 1 1 0\n')).toHaveLength(1); // zero size: allowed
  });

  it('refuses a box whose area overflows (every IoU with it was NaN)', () => {
    expect(thrown(() => readMotChallenge('1,1,1e300,1e300,1e300,1e300\n')).message).toMatch(
      /overflows.*line 1/,
    );
    expect(thrown(() => readKitti('0 1 Car 0 0 0 -1e300 0 1e300 1e300 1 1 1 1 1 1 0\n')).message).toMatch(
      /overflows.*KITTI line 1/,
    );
  });

  it('says which format a file looks like when the other was asked for', () => {
    const k = '0 1 Car 0 0 -1.5 10 20 50 60 1.5 1.6 4 1 2 10 0\n';
    expect(thrown(() => readMotChallenge(k)).hint).toMatch(/--format kitti/);
    expect(thrown(() => readKitti(mot)).hint).toMatch(/--format mot/);
  });
});
