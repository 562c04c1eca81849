import { describe, expect, it } from 'vitest';
import type { ViperClass } from '../../src/contracts/classes.ts';
import type { Detection, Track2D } from '../../src/contracts/perception.ts';
import type { TrackerConfig } from '../../src/track/config.ts';
import { TRACK_STAGE_DEFAULTS } from '../../src/track/stage.ts';
import { bufferBox } from '../../src/track/strack.ts';
import { createTracker } from '../../src/track/tracker.ts';

function det(
  cx: number,
  cy: number,
  w: number,
  h: number,
  score = 0.9,
  cls: ViperClass = 'pedestrian',
): Detection {
  return {
    cameraId: 'cam',
    cls,
    score,
    box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 },
  };
}

const idsOf = (ts: Track2D[]) => ts.map((t) => t.trackId).sort((a, b) => a - b);

describe('ByteTrack scripted sequences', () => {
  it('activates on the first frame, later tracks only after a second hit', () => {
    const t = createTracker();
    expect(t.update([det(100, 100, 40, 80)]).map((x) => x.trackId)).toEqual([1]);
    // A new object in frame 2 gets id 2 but is unconfirmed (not reported) until frame 3.
    expect(idsOf(t.update([det(102, 100, 40, 80), det(400, 100, 40, 80)]))).toEqual([1]);
    expect(idsOf(t.update([det(104, 100, 40, 80), det(400, 100, 40, 80)]))).toEqual([1, 2]);
    expect(t.tracks().every((x) => x.state === 'confirmed')).toBe(true);
  });

  it('keeps the id of an object occluded for up to the lost buffer, not beyond', () => {
    // The reference marks a track removed when frame − last_frame > buffer but drops it from the lost list one
    // frame later, so a track can still be re-found after buffer + 1 missed frames (kept here to the letter).
    for (const [gap, sameId] of [
      [10, true],
      [30, true],
      [31, true],
      [32, false],
    ] as const) {
      const t = createTracker({ trackBuffer: 30 });
      let x = 100;
      let first = -1;
      for (let f = 0; f < 20; f++, x += 3) first = t.update([det(x, 200, 50, 100)])[0]!.trackId;
      for (let f = 0; f < gap; f++, x += 3) expect(t.update([])).toEqual([]);
      // Reappears where constant velocity predicts; the first frame back re-finds (or births) a track.
      const back = t.update([det(x, 200, 50, 100)]);
      x += 3;
      const next = t.update([det(x, 200, 50, 100)]);
      if (sameId) {
        expect(back.map((b) => b.trackId)).toEqual([first]);
      } else {
        expect(back).toEqual([]); // removed; the new track is unconfirmed in its first frame
        expect(next.map((b) => b.trackId)).not.toContain(first);
      }
    }
  });

  it('does not swap the ids of two crossing objects', () => {
    const t = createTracker();
    let idLeftStart = -1;
    let idRightStart = -1;
    let last: Track2D[] = [];
    for (let f = 0; f <= 60; f++) {
      const a = det(100 + 8 * f, 300, 60, 120); // moving right
      const b = det(580 - 8 * f, 310, 60, 120); // moving left, crossing at f = 30
      last = t.update([a, b]);
      if (f === 5) {
        idLeftStart = last.find((x) => x.box.x1 < 300)!.trackId;
        idRightStart = last.find((x) => x.box.x1 > 300)!.trackId;
      }
    }
    expect(last).toHaveLength(2);
    // At the end the object that started on the left is on the right, with its id.
    expect(last.find((x) => x.box.x1 > 300)!.trackId).toBe(idLeftStart);
    expect(last.find((x) => x.box.x1 < 300)!.trackId).toBe(idRightStart);
  });

  it('keeps a track alive with low-score detections (the BYTE second association)', () => {
    const run = (lowThresh: number) => {
      const t = createTracker({ lowThresh });
      const out: number[][] = [];
      for (let f = 0; f < 30; f++) {
        const score = f >= 10 && f < 20 ? 0.3 : 0.9; // occluded: the detector is unsure
        out.push(t.update([det(100 + 4 * f, 200, 50, 100, score)]).map((x) => x.trackId));
      }
      return out;
    };
    const byte = run(0.1);
    for (let f = 0; f < 30; f++) expect(byte[f]).toEqual([1]);
    // Without the second stage (low bound = high bound) the track is lost during the low-score frames.
    const noLow = run(0.5);
    for (let f = 10; f < 20; f++) expect(noLow[f]).toEqual([]);
    expect(noLow[20]).toEqual([1]);
  });

  it('gates association by class and removes unconfirmed tracks that miss their second frame', () => {
    const t = createTracker();
    t.update([det(100, 100, 40, 80, 0.9, 'car')]);
    // Same place, other class: not the same track; the car track goes lost and a new track is born.
    const out = t.update([det(100, 100, 40, 80, 0.9, 'pedestrian')]);
    expect(out).toEqual([]);
    const states = t.tracks().map((x) => [x.trackId, x.cls, x.state]);
    expect(states).toEqual([
      [2, 'pedestrian', 'tentative'],
      [1, 'car', 'lost'],
    ]);
    t.update([]);
    expect(t.tracks().map((x) => x.trackId)).toEqual([1]);
  });

  it('scales the lost buffer with the frame rate (int(frameRate/30 · trackBuffer))', () => {
    const t = createTracker({ frameRate: 10, trackBuffer: 30 }); // 10 frames
    t.update([det(100, 100, 40, 80)]);
    for (let f = 0; f < 11; f++) t.update([]);
    expect(t.tracks()).toEqual([]);
  });

  it('counts skipped frame indices as elapsed frames', () => {
    const t = createTracker({ frameRate: 10, trackBuffer: 30 });
    t.update([det(100, 100, 40, 80)], 0n, 1);
    t.update([], 0n, 12); // 11 frames later: past the 10-frame buffer
    t.update([], 0n, 13);
    expect(t.tracks()).toEqual([]);
    expect(t.frameId).toBe(13);
  });
});

describe('SORT option', () => {
  it('reports a track after min_hits consecutive hits and deletes it after max_age misses', () => {
    const t = createTracker({ kind: 'sort', minHits: 3, maxAge: 1 });
    const seen: number[][] = [];
    for (let f = 0; f < 6; f++) seen.push(t.update([det(100 + 2 * f, 100, 40, 80)]).map((x) => x.trackId));
    expect(seen).toEqual([[1], [1], [1], [1], [1], [1]]); // the first min_hits frames are reported as in SORT
    const b = createTracker({ kind: 'sort', minHits: 3, maxAge: 1 });
    for (let f = 0; f < 5; f++) b.update([det(100, 100, 40, 80)]);
    const late = [
      b.update([det(100, 100, 40, 80), det(500, 100, 40, 80)]),
      b.update([det(500, 100, 40, 80), det(100, 100, 40, 80)]),
    ];
    expect(late.map(idsOf)).toEqual([[1], [1]]); // the new object needs 3 hits
    b.update([]);
    b.update([]);
    expect(b.tracks()).toEqual([]);
  });

  it('rejects an invalid configuration with a ConfigError', () => {
    expect(() => createTracker({ trackThresh: 2 })).toThrow(/tracker setting trackThresh: Too big/);
  });
});

describe('camera-motion compensation hook', () => {
  it('keeps ids through a sudden pan when the image motion is applied to the tracks', () => {
    const run = (compensate: boolean) => {
      const t = createTracker();
      for (let f = 0; f < 5; f++) t.update([det(300, 200, 40, 80), det(600, 200, 40, 80)]);
      // The camera pans: everything moves 120 px left between two frames.
      if (compensate) t.applyCameraMotion([1, 0, -120, 0, 1, 0]);
      return idsOf(t.update([det(180, 200, 40, 80), det(480, 200, 40, 80)]));
    };
    expect(run(true)).toEqual([1, 2]);
    expect(run(false)).toEqual([]); // without it the old tracks are lost and the new ones are unconfirmed
  });
});

describe('buffered IoU (C-BIoU) and the track stage defaults for 10 Hz data', () => {
  it('widens a box by the buffer fraction on every side, and leaves it as it is with 0', () => {
    const b = { x1: 10, y1: 20, x2: 30, y2: 60 };
    expect(bufferBox(b, 0)).toBe(b);
    expect(bufferBox(b, 0.5)).toEqual({ x1: 0, y1: 0, x2: 40, y2: 80 });
  });

  it('reference defaults use plain IoU (buffer 0)', () => {
    const c = createTracker().config;
    expect(c.buffer).toBe(0);
    expect(c.unconfirmedBuffer).toBeUndefined();
  });

  // A distant pedestrian (10 × 25 px) walking 8 px per 10 Hz frame: consecutive boxes overlap by IoU ≈ 0.16.
  const walk = (f: number) => det(100 + 8 * f, 200, 10, 25);

  it('a small object moving most of its width per frame never gets a confirmed track with plain IoU', () => {
    const t = createTracker({ ...TRACK_STAGE_DEFAULTS, buffer: 0, unconfirmedBuffer: 0 });
    t.update([det(500, 200, 40, 80)]); // frame 1 activates at once; start the object later
    const reported = new Set<number>();
    for (let f = 0; f < 20; f++)
      for (const x of t.update([det(500, 200, 40, 80), walk(f)])) reported.add(x.trackId);
    expect([...reported]).toEqual([1]); // only the static object: each new track misses its second frame
  });

  it('with the stage defaults the same object gets one id from its second frame on', () => {
    const t = createTracker(TRACK_STAGE_DEFAULTS);
    t.update([det(500, 200, 40, 80)]);
    const ids: number[] = [];
    for (let f = 0; f < 20; f++) {
      const out = t.update([det(500, 200, 40, 80), walk(f)]);
      const mine = out.filter((x) => x.trackId !== 1).map((x) => x.trackId);
      if (f === 0)
        expect(mine).toEqual([]); // born, unconfirmed
      else ids.push(...mine);
    }
    expect(ids).toHaveLength(19);
    expect(new Set(ids).size).toBe(1);
  });

  it('with the stage defaults two crossing objects keep their ids', () => {
    const t = createTracker(TRACK_STAGE_DEFAULTS);
    let last: Track2D[] = [];
    let left = -1;
    let right = -1;
    for (let f = 0; f <= 40; f++) {
      // Pedestrians 20 × 50 px, 12 px per frame (10 Hz), crossing at f = 20 one above the other.
      last = t.update([det(100 + 12 * f, 300, 20, 50), det(580 - 12 * f, 310, 20, 50)]);
      if (f === 3) {
        left = last.find((x) => x.box.x1 < 300)!.trackId;
        right = last.find((x) => x.box.x1 > 300)!.trackId;
      }
    }
    expect(last).toHaveLength(2);
    expect(last.find((x) => x.box.x1 > 300)!.trackId).toBe(left);
    expect(last.find((x) => x.box.x1 < 300)!.trackId).toBe(right);
  });
});

describe('field-of-view exit rule (imageWidth)', () => {
  const W = 640;
  /** A 30 × 60 box at x, clipped to the image as a detector reports it. */
  const clipped = (x: number, y = 100): Detection => ({
    cameraId: 'cam',
    cls: 'pedestrian',
    score: 0.9,
    box: { x1: Math.max(0, x), y1: y, x2: Math.min(W, x + 30), y2: y + 60 },
  });
  /**
   * A walks out through the right edge at 6 px per frame; one frame after it is gone, C walks in through the
   * same edge (leftwards). Returns the ids reported for A and for C.
   */
  function exitThenEnter(imageWidth: number): { a: Set<number>; c: Set<number> } {
    const t = createTracker({ ...TRACK_STAGE_DEFAULTS, imageWidth });
    const a = new Set<number>();
    const c = new Set<number>();
    let gone = -1;
    for (let f = 0; f < 30; f++) {
      const ax = 560 + 6 * f;
      const dets: Detection[] = [];
      if (ax < W - 3) dets.push(clipped(ax));
      else if (gone < 0) gone = f;
      const cIn = gone >= 0 && f >= gone + 1;
      if (cIn) dets.push(clipped(W - 3 - 6 * (f - gone - 1), 102));
      for (const o of t.update(dets)) (o.box.y1 > 101 ? c : a).add(o.trackId);
    }
    return { a, c };
  }

  it('is off with the reference defaults: the lost track at the edge takes the next object coming in', () => {
    expect(createTracker().config.imageWidth).toBe(0);
    const { a, c } = exitThenEnter(0);
    expect([...c]).toEqual([...a]); // C inherits A's id
  });

  it('removes a track that left through the edge, so the next object gets its own id', () => {
    const { a, c } = exitThenEnter(W);
    expect(a.size).toBe(1);
    expect(c.size).toBe(1);
    expect([...c][0]).not.toBe([...a][0]);
  });

  it('removes a lost track once its prediction has left through the edge its box touched', () => {
    // A (60 px wide, 6 px per frame) is missed from the frame it is half out of view: its prediction, still
    // inside, keeps it lost. C comes in at that edge four frames later, by then beyond A's predicted centre.
    const wide = (x1: number, y: number): Detection => ({
      cameraId: 'cam',
      cls: 'car',
      score: 0.9,
      box: { x1: Math.max(0, x1), y1: y, x2: Math.min(W, x1 + 60), y2: y + 40 },
    });
    const run = (exitLost: boolean, delay = 4) => {
      const t = createTracker({ ...TRACK_STAGE_DEFAULTS, imageWidth: exitLost ? W : 0 });
      const a = new Set<number>();
      const c = new Set<number>();
      let lostAt = -1;
      for (let f = 0; f < 30; f++) {
        const ax = 500 + 6 * f;
        const dets: Detection[] = [];
        if (ax + 30 < W) dets.push(wide(ax, 100));
        else if (lostAt < 0) lostAt = f;
        if (lostAt >= 0 && f >= lostAt + delay) dets.push(wide(W - 15 - 6 * (f - lostAt - delay), 101));
        for (const o of t.update(dets)) (o.box.y1 > 100.5 ? c : a).add(o.trackId);
      }
      return { a: [...a], c: [...c] };
    };
    expect(run(false).c).toEqual(run(false).a); // without the rule: C takes A's id from its lost track
    // C four frames after A was lost, and three: in the frame right after A's track was pruned.
    for (const delay of [4, 3]) {
      const { a, c } = run(true, delay);
      expect(a).toHaveLength(1);
      expect(c).toHaveLength(1);
      expect(c[0]).not.toBe(a[0]);
    }
  });

  it('keeps the id of an object standing at the edge through a missed frame', () => {
    const t = createTracker({ ...TRACK_STAGE_DEFAULTS, imageWidth: W });
    const ids = new Set<number>();
    for (let f = 0; f < 12; f++) {
      // Partly out of view at the left edge, barely moving; missed in frame 6.
      const out = t.update(f === 6 ? [] : [clipped(-12 + (f % 2))]);
      for (const o of out) ids.add(o.trackId);
    }
    expect([...ids]).toEqual([1]);
  });
});

describe('motion-gated recovery of lost tracks (recoverGate) and ORU', () => {
  // Distant pedestrians, 8 × 24 px, at 10 Hz: 3 px per frame, then slower (1.5 px per frame) while hidden, so
  // after 1 s the constant-velocity prediction is 15 px (about two widths) ahead of where they re-appear.
  const ped = (x: number, y = 200) => det(x, y, 8, 24);

  function occludedWalk(cfg: Partial<TrackerConfig>, back: number): number[] {
    const t = createTracker({ ...TRACK_STAGE_DEFAULTS, ...cfg });
    const ids = new Set<number>();
    let x = 100;
    for (let f = 0; f < 15; f++, x += 3) for (const o of t.update([ped(x)])) ids.add(o.trackId);
    for (let f = 0; f < 10; f++, x += 1.5) expect(t.update([])).toEqual([]); // hidden for 1 s
    x += back;
    for (let f = 0; f < 10; f++, x += 1.5) for (const o of t.update([ped(x)])) ids.add(o.trackId);
    return [...ids];
  }

  it('is off with the reference defaults', () => {
    const c = createTracker().config;
    expect(c.recoverGate).toBe(0);
    expect(c.oru).toBe(false);
  });

  it('a pedestrian hidden for 1 s while walking keeps its id (a new one without recovery)', () => {
    expect(occludedWalk({ recoverGate: 0 }, 0)).toEqual([1, 2]);
    expect(occludedWalk({}, 0)).toEqual([1]);
  });

  it('does not re-find a lost track for a detection far outside its gate', () => {
    // Re-appearing 60 px (2.5 heights) away from where it walked: a new object, not the lost track.
    expect(occludedWalk({}, -60)).toEqual([1, 2]);
  });

  it('two pedestrians crossing while hidden keep their ids', () => {
    const run = (cfg: Partial<TrackerConfig>) => {
      const t = createTracker({ ...TRACK_STAGE_DEFAULTS, ...cfg });
      const upper = new Set<number>();
      const lower = new Set<number>();
      const put = (out: Track2D[]) => {
        for (const o of out) ((o.box.y1 + o.box.y2) / 2 < 205 ? upper : lower).add(o.trackId);
      };
      let a = 100;
      let b = 220;
      for (let f = 0; f < 15; f++, a += 3, b -= 3) put(t.update([ped(a), ped(b, 210)]));
      for (let f = 0; f < 10; f++, a += 1.5, b -= 1.5) t.update([]); // they pass each other behind others
      for (let f = 0; f < 10; f++, a += 1.5, b -= 1.5) put(t.update([ped(a), ped(b, 210)]));
      return { upper: [...upper], lower: [...lower] };
    };
    expect(run({ recoverGate: 0 })).toEqual({ upper: [1, 3], lower: [2, 4] }); // both born again
    expect(run({})).toEqual({ upper: [1], lower: [2] });
  });

  it('matching cascade: the track missed for fewer frames is re-found first', () => {
    // A (id 1) walks right and is hidden from frame 10; B (id 2) walks left on the same line, hidden from frame
    // 14. Both are predicted at x = 160 in frame 20; one detection comes 16 px behind B (B slowed down). A's
    // covariance has grown for 10 frames, B's for 6: by Mahalanobis distance alone A is the closer one.
    const run = (cfg: Partial<TrackerConfig>) => {
      const t = createTracker({ ...TRACK_STAGE_DEFAULTS, ...cfg });
      let a = 100;
      let b = 220;
      for (let f = 0; f < 20; f++, a += 3, b -= 3) {
        const dets: Detection[] = [];
        if (f < 10) dets.push(ped(a));
        if (f < 14) dets.push(ped(b, 203));
        t.update(dets);
      }
      return t.update([ped(b + 16, 203)]).map((o) => o.trackId);
    };
    expect(run({ recoverGate: 0 })).toEqual([]); // no overlap with either prediction: born again
    expect(run({})).toEqual([2]);
  });

  it('ORU: re-found after a gap, the state is the one of a track that saw the straight path in between', () => {
    // A moves at a constant velocity and is missed for 6 frames; B sees it every frame. With ORU the virtual
    // observations interpolated over the gap are B's observations, so the filters agree from the re-find on.
    const run = (oru: boolean, hidden: boolean) => {
      const t = createTracker({ ...TRACK_STAGE_DEFAULTS, outputBox: 'filtered', oru });
      const boxes: number[][] = [];
      for (let f = 0; f < 30; f++) {
        const miss = hidden && f >= 14 && f < 20;
        const out = t.update(miss ? [] : [det(100 + 4 * f, 200 + f, 30, 60)]);
        if (f >= 20) boxes.push(out.flatMap((o) => [o.box.x1, o.box.y1, o.box.x2, o.box.y2]));
      }
      return boxes;
    };
    const seen = run(true, false);
    const withOru = run(true, true);
    const without = run(false, true);
    for (let k = 0; k < seen.length; k++) {
      expect(withOru[k]).toHaveLength(4);
      for (let i = 0; i < 4; i++) expect(withOru[k]![i]).toBeCloseTo(seen[k]![i]!, 6);
    }
    // Without ORU the re-found track's filter still carries the gap (it differs from the seen one).
    expect(Math.abs(without[0]![0]! - seen[0]![0]!)).toBeGreaterThan(1e-3);
  });
});

describe('class groups (a detector that confuses classes)', () => {
  // A cyclist moving right; the detector calls it a pedestrian in frames 6–11.
  const flips = (f: number): ViperClass => (f >= 6 && f < 12 ? 'pedestrian' : 'cyclist');
  function run(cfg: Partial<TrackerConfig>) {
    const t = createTracker({ ...TRACK_STAGE_DEFAULTS, ...cfg });
    const out: Track2D[] = [];
    for (let f = 0; f < 20; f++) out.push(...t.update([det(100 + 4 * f, 200, 30, 70, 0.9, flips(f))]));
    return out;
  }

  it('class-aware alone: the flip starts another id', () => {
    expect(new Set(run({}).map((x) => x.trackId)).size).toBeGreaterThanOrEqual(2);
  });

  it('grouped classes continue one track, reported as the class with the most score', () => {
    const out = run({ classGroups: [['pedestrian', 'cyclist', 'motorcycle']] });
    expect(new Set(out.map((x) => x.trackId))).toEqual(new Set([1]));
    expect(out.at(-1)!.cls).toBe('cyclist');
    expect(out.length).toBe(20);
  });

  it('classes in no common group stay apart', () => {
    const t = createTracker({ ...TRACK_STAGE_DEFAULTS, classGroups: [['car', 'truck', 'bus']] });
    const ids = new Set<number>();
    for (let f = 0; f < 10; f++) {
      const cls: ViperClass = f < 5 ? 'pedestrian' : 'car';
      for (const x of t.update([det(100 + 4 * f, 200, 30, 70, 0.9, cls)])) ids.add(x.trackId);
    }
    expect(ids.size).toBe(2);
  });
});
