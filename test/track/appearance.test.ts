import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { CameraFrame, RgbPixels } from '../../src/contracts/camera.ts';
import type { Box2D } from '../../src/contracts/geometry.ts';
import type { Detection } from '../../src/contracts/perception.ts';
import { buildStages } from '../../src/graph/buildStages.ts';
import { emptyResult, type RigResult } from '../../src/graph/stage.ts';
import { BUNDLED_MODEL } from '../../src/detect/card.ts';
import { recordScenario } from '../../src/sim/record.ts';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import {
  appearanceCost,
  appearanceVeto,
  blendColours,
  boxColours,
  colourDistance,
  decodeRgb,
} from '../../src/track/appearance.ts';
import { createTrackStage, TRACK_STAGE_DEFAULTS } from '../../src/track/stage.ts';
import { createTracker } from '../../src/track/tracker.ts';
import { tinyScenario } from '../sim/testing.ts';

const W = 200;
const H = 120;
type Rgb = [number, number, number];

/**
 * A grey image with people drawn as two-colour rectangles (shirt above, trousers below the middle) over the
 * central columns of their boxes (`body`: 1 = the whole box width).
 */
function picture(people: { box: Box2D; shirt: Rgb; legs: Rgb }[], body = 1): RgbPixels {
  const data = new Uint8Array(W * H * 3).fill(128);
  for (const { box, shirt, legs } of people) {
    const mid = (box.y1 + box.y2) / 2;
    const margin = ((1 - body) / 2) * (box.x2 - box.x1);
    for (let y = box.y1; y < box.y2; y++) {
      for (let x = box.x1 + margin; x < box.x2 - margin; x++)
        data.set(y < mid ? shirt : legs, (y * W + x) * 3);
    }
  }
  return { data, width: W, height: H };
}
const RED: Rgb = [200, 30, 30];
const BLUE: Rgb = [30, 30, 200];
const DARK: Rgb = [30, 30, 30];
const box = (x: number, y = 20, w = 20, h = 60): Box2D => ({ x1: x, y1: y, x2: x + w, y2: y + h });

describe('colour descriptor', () => {
  it('is the mean colour of the upper and lower central parts of the box, exactly', () => {
    const px = picture([{ box: box(40), shirt: RED, legs: DARK }]);
    const d = boxColours(px, box(40))!;
    expect([...d].map((v) => Math.round(v * 255))).toEqual([...RED, ...DARK]);
    // A box off the image covers no pixel, on any side.
    expect(boxColours(px, { x1: 300, y1: 10, x2: 320, y2: 40 })).toBeNull();
    expect(boxColours(px, { x1: -100, y1: -100, x2: -50, y2: -20 })).toBeNull();
    expect(boxColours(px, { x1: 10, y1: -90, x2: 30, y2: -10 })).toBeNull();
  });

  it('reads a box in camera pixels from pixels decoded at a smaller scale', () => {
    const full = picture([{ box: box(40), shirt: RED, legs: DARK }]);
    const half = picture([{ box: { x1: 20, y1: 10, x2: 30, y2: 40 }, shirt: RED, legs: DARK }]);
    expect(boxColours({ ...half, scale: 0.5 }, box(40))).toEqual(boxColours(full, box(40)));
    // Without the scale the same box reads the wrong place.
    expect(boxColours(half, box(40))).not.toEqual(boxColours(full, box(40)));
  });

  it('decodes jpeg, png, bgr8 and mono8 to the same RGB pixels (within JPEG loss)', async () => {
    const px = picture([{ box: box(40), shirt: RED, legs: DARK }]);
    const raw = { raw: { width: W, height: H, channels: 3 as const } };
    const png = await sharp(px.data, raw).png().toBuffer();
    const jpeg = await sharp(px.data, raw).jpeg({ quality: 95 }).toBuffer();
    const fromPng = await decodeRgb({ encoding: 'png', width: 0, height: 0, data: png });
    expect(Buffer.from(fromPng.data).equals(Buffer.from(px.data))).toBe(true);
    const fromJpeg = await decodeRgb({ encoding: 'jpeg', width: 0, height: 0, data: jpeg });
    expect(colourDistance(boxColours(fromJpeg, box(40))!, boxColours(px, box(40))!)).toBeLessThan(0.03);
    const bgr = new Uint8Array(px.data.length);
    for (let i = 0; i < bgr.length; i += 3) bgr.set([px.data[i + 2]!, px.data[i + 1]!, px.data[i]!], i);
    const fromBgr = await decodeRgb({ encoding: 'bgr8', width: W, height: H, data: bgr });
    expect(Buffer.from(fromBgr.data).equals(Buffer.from(px.data))).toBe(true);
    const mono = await decodeRgb({ encoding: 'mono8', width: 2, height: 1, data: Uint8Array.of(7, 9) });
    expect([...mono.data]).toEqual([7, 7, 7, 9, 9, 9]);
    await expect(
      decodeRgb({ encoding: 'rgb8', width: W, height: H, data: new Uint8Array(0) }),
    ).rejects.toThrow(/smaller than its size/);
  });

  it('distance, moving average', () => {
    const a = Float32Array.of(1, 0, 0, 0, 0, 0);
    const b = Float32Array.of(0, 0, 0, 0, 0, 0);
    expect(colourDistance(a, b)).toBe(1);
    expect(colourDistance(a, a)).toBe(0);
    expect([...blendColours(null, a, 0.9)]).toEqual([...a]);
    expect(blendColours(a, b, 0.9)[0]).toBeCloseTo(0.9, 6);
  });
});

describe('appearance cost', () => {
  const cfg = { appearanceWeight: 2, appearanceCap: 0.5, appearanceNeutral: 0.15, appearanceClasses: [] };
  const red = Float32Array.of(0.8, 0.1, 0.1, 0.1, 0.1, 0.1);
  const blue = Float32Array.of(0.1, 0.1, 0.8, 0.1, 0.1, 0.1);

  it('adds weight × (min(d, cap) − neutral), refuses pairs beyond the limit first, skips pairs without colours', () => {
    const cost = Float64Array.of(0.3, 0.3, 0.9, 0.3);
    appearanceCost(cost, [{ app: red }, { app: null }], [{ a: red }, { a: blue }], 0.8, cfg);
    expect(cost[0]).toBeCloseTo(0.3 - 0.3, 12); // same colour: 2 × (0 − 0.15) less
    expect(cost[1]).toBeCloseTo(0.3 + 2 * (0.5 - 0.15), 12); // distance 0.99, capped at 0.5
    expect(cost[2]).toBe(Infinity); // 0.9 > limit 0.8: refused before any bonus could admit it
    expect(cost[3]).toBe(0.3); // track without colours
  });

  it('the recovery veto refuses only pairs farther apart than the gate', () => {
    const cost = Float64Array.of(1, 2);
    appearanceVeto(cost, [{ app: red }], [{ a: red }, { a: blue }], 0.4);
    expect([...cost]).toEqual([1, Infinity]);
  });
});

/** One rig frame of camera `c` at frame `f`: the image and a pedestrian detection per box. */
function pedestrianRig(f: number, image: CameraFrame['image'], boxes: Box2D[]): RigResult {
  const frame: CameraFrame = {
    feedId: 'f',
    cameraId: 'c',
    tNs: BigInt(f) * 100_000_000n,
    image,
    calibration: null,
    transforms: [],
  };
  const dets: Detection[] = boxes.map((box) => ({ cameraId: 'c', cls: 'pedestrian', score: 0.9, box }));
  return {
    rig: { feedId: 'f', tNs: frame.tNs, seq: f, frames: [frame], missing: [] },
    detections: new Map([['c', dets]]),
    tracks: new Map(),
    issues: [],
  };
}

/** The track id reported on each box (matched by its left edge; −1: none). */
function trackIdsOf(out: RigResult, boxes: Box2D[]): number[] {
  const tracks = out.tracks.get('c')!;
  return boxes.map((b) => tracks.find((o) => o.box.x1 === b.x1)?.trackId ?? -1);
}

describe('appearance in the tracker', () => {
  /**
   * Two people side by side (boxes 40 px wide, the person the central 16 px), standing, then in one frame the
   * detections jump towards each other so that each track's box overlaps the *other* person's detection more
   * (IoU 0.74 against 0.25). Overlap alone swaps the ids; with the colour term each keeps its own.
   */
  /** Frame f's two boxes (red person, blue person) and its picture. */
  function scene(f: number): { ra: Box2D; bb: Box2D; px: RgbPixels } {
    const [ra, bb] = f === 4 ? [box(74, 20, 40), box(56, 20, 40)] : [box(50, 20, 40), box(80, 20, 40)];
    const people = [
      { box: ra!, shirt: RED, legs: DARK },
      { box: bb!, shirt: BLUE, legs: DARK },
    ];
    return { ra: ra!, bb: bb!, px: picture(people, 0.4) };
  }
  function run(weight: number, others: Detection[] = []): number[][] {
    const t = createTracker({ appearanceWeight: weight, outputBox: 'detection' });
    const ped = (b: Box2D): Detection => ({ cameraId: 'c', cls: 'pedestrian', score: 0.9, box: b });
    const ids: number[][] = [];
    for (let f = 0; f < 6; f++) {
      const { ra, bb, px } = scene(f);
      // Other detections first (no colours: another class, or too low a score to take part).
      const dets = [...others, ped(ra), ped(bb)];
      const colours = [...others.map(() => null), boxColours(px, ra), boxColours(px, bb)];
      const out = t.update(dets, undefined, undefined, undefined, colours);
      // Ids in detection order (red person, blue person), matched by box.
      ids.push(dets.slice(others.length).map((d) => out.find((o) => o.box.x1 === d.box.x1)?.trackId ?? -1));
    }
    return ids;
  }

  it('keeps two overlapping people apart where the overlap alone swaps them', () => {
    const plain = run(0);
    expect(plain[3]![0]).toBeGreaterThan(0);
    expect(plain[3]![1]).toBeGreaterThan(plain[3]![0]!);
    expect(plain[4]).toEqual([plain[3]![1], plain[3]![0]]); // overlap alone: swapped
    const withColour = run(2);
    expect(withColour[3]).toEqual(plain[3]);
    expect(withColour[4]).toEqual(withColour[3]);
    expect(withColour[5]).toEqual(withColour[3]);
  });

  it('takes each colour from its own detection when other detections come first', () => {
    const car: Detection = {
      cameraId: 'c',
      cls: 'car',
      score: 0.9,
      box: { x1: 150, y1: 60, x2: 190, y2: 90 },
    };
    const faint: Detection = { cameraId: 'c', cls: 'pedestrian', score: 0.05, box: box(150) };
    const ids = run(2, [car, faint]);
    expect(ids[3]![0]).toBeGreaterThan(0);
    expect(ids[4]).toEqual(ids[3]);
  });

  it('a differently dressed person where a lost track waits gets a track of its own (not a duplicate)', () => {
    // Red is seen, then hidden; blue (score 0.65: enough to start a track) stands where red's track waits.
    const go = (weight: number) => {
      const t = createTracker({ ...TRACK_STAGE_DEFAULTS, appearanceWeight: weight });
      const px = (shirt: Rgb) => picture([{ box: box(50), shirt, legs: DARK }]);
      const seen: number[][] = [];
      for (let f = 0; f < 10; f++) {
        const shirt = f < 4 ? RED : BLUE;
        const dets: Detection[] =
          f >= 4 && f < 6
            ? []
            : [{ cameraId: 'c', cls: 'pedestrian', score: f < 4 ? 0.9 : 0.65, box: box(50) }];
        const out = t.update(
          dets,
          undefined,
          undefined,
          undefined,
          dets.length ? [boxColours(px(shirt), box(50))] : [],
        );
        seen.push(out.map((o) => o.trackId));
      }
      return seen;
    };
    const plain = go(0);
    expect(plain[9]).toEqual(plain[3]); // overlap alone: red's lost track takes blue
    const withColour = go(2);
    expect(withColour[3]).toHaveLength(1);
    expect(withColour[7]).toHaveLength(1); // born at frame 6, reported from its second frame
    expect(withColour[7]![0]).not.toBe(withColour[3]![0]);
    expect(withColour[9]).toEqual(withColour[7]);
  });

  it('the track stage decodes the frames and passes the colours to the tracker', async () => {
    const stage = createTrackStage({ kind: 'bytetrack', config: { appearanceWeight: 2 } });
    const plain = createTrackStage({ kind: 'bytetrack', config: { appearanceWeight: 0 } });
    const ids: number[][][] = [[], []];
    for (let f = 0; f < 6; f++) {
      const { ra, bb, px } = scene(f);
      const png = await sharp(px.data, { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toBuffer();
      for (const [k, s] of [stage, plain].entries()) {
        const r = pedestrianRig(f, { encoding: 'png', width: W, height: H, data: png }, [ra, bb]);
        const [out] = await s.process([r]);
        ids[k]!.push(trackIdsOf(out!, [ra, bb]));
      }
    }
    expect(ids[0]![4]).toEqual(ids[0]![3]);
    expect(ids[1]![4]).toEqual([ids[1]![3]![1], ids[1]![3]![0]]);
  });

  it('uses pixels an earlier stage decoded instead of decoding the frame, and drops them once used', async () => {
    // The frames' images are not decodable: only the pixels passed on can give the colours.
    const stage = createTrackStage({ kind: 'bytetrack', config: { appearanceWeight: 2 } });
    const ids: number[][] = [];
    for (let f = 0; f < 6; f++) {
      const { ra, bb, px } = scene(f);
      const broken = Uint8Array.of(0xff, 0xd8, 0xff, 1);
      const r = pedestrianRig(f, { encoding: 'jpeg', width: 0, height: 0, data: broken }, [ra, bb]);
      r.pixels = new Map([['c', px]]);
      const [out] = await stage.process([r]);
      expect(out!.pixels?.size).toBe(0);
      ids.push(trackIdsOf(out!, [ra, bb]));
    }
    expect(ids[4]).toEqual(ids[3]); // as with the frames decoded (above); without colours they swap
    expect(stage.describe?.()).not.toHaveProperty('appearanceUndecodedFrames');
  });
});

describe('undecodable frames', () => {
  it('leave the term off for that frame and are counted; tracking goes on', async () => {
    const stage = createTrackStage({ kind: 'bytetrack' });
    const frame: CameraFrame = {
      feedId: 'f',
      cameraId: 'c',
      tNs: 0n,
      image: { encoding: 'jpeg', width: 0, height: 0, data: Uint8Array.of(0xff, 0xd8, 0xff, 1, 2, 3) },
      calibration: null,
      transforms: [],
    };
    const r: RigResult = {
      rig: { feedId: 'f', tNs: 0n, seq: 0, frames: [frame], missing: [] },
      detections: new Map([['c', [{ cameraId: 'c', cls: 'pedestrian', score: 0.9, box: box(50) }]]]),
      tracks: new Map(),
      issues: [],
    };
    const [out] = await stage.process([r]);
    expect(out!.tracks.get('c')).toHaveLength(1);
    expect(stage.describe?.()).toMatchObject({ appearance: true, appearanceUndecodedFrames: 1 });
  });
});

describe('replay --no-appearance', () => {
  it('builds the track stage without the colour term (and says so), with it by default; a model passes its decode on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viper-appearance-'));
    try {
      const rec = join(dir, 'tiny.mcap');
      await recordScenario(scenarioFromValue(tinyScenario(), 'tiny').world, rec);
      for (const appearance of [undefined, false]) {
        const { stages } = await buildStages({ detector: 'oracle', appearance }, rec);
        const track = stages.find((s) => s.name === 'track-bytetrack')!;
        expect(track.describe?.()).toMatchObject({ appearance: appearance !== false });
        for (const s of stages) await s.close?.();
      }
      // With a model, the detect stage passes its decode on for the colours, and only when they are on.
      const px = picture([{ box: box(40), shirt: RED, legs: DARK }]);
      const png = await sharp(px.data, { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toBuffer();
      for (const appearance of [undefined, false]) {
        const { stages } = await buildStages(
          { detector: 'model', model: BUNDLED_MODEL, threads: 1, appearance },
          rec,
        );
        const rig = pedestrianRig(0, { encoding: 'png', width: W, height: H, data: png }, []);
        const [out] = await stages.find((s) => s.name === 'detect')!.process([emptyResult(rig.rig)]);
        expect(out!.pixels?.has('c') ?? false, `appearance ${appearance}`).toBe(appearance !== false);
        for (const s of stages) await s.close?.();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
