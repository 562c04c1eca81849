import { describe, expect, it } from 'vitest';
import type { Calibration, CameraFrame, RigFrame } from '../../src/contracts/camera.ts';
import type { Transform } from '../../src/contracts/geometry.ts';
import { mat3ToQuat } from '../../src/geometry/quat.ts';
import type { Detection } from '../../src/contracts/perception.ts';
import type { RigResult } from '../../src/graph/stage.ts';
import { tracksToImageAnnotations } from '../../src/track/annotations.ts';
import { colorForId, colorForTrack, hueOfId } from '../../src/track/colors.ts';
import type { TrackerConfig } from '../../src/track/config.ts';
import { createTrackStage } from '../../src/track/stage.ts';

function frame(cameraId: string, tNs: bigint): CameraFrame {
  return {
    feedId: 'f',
    cameraId,
    tNs,
    image: { encoding: 'rgb8', width: 640, height: 480, data: new Uint8Array(0) },
    calibration: null,
    transforms: [],
  };
}
function result(seq: number, dets: Record<string, Detection[]>): RigResult {
  const tNs = BigInt(seq) * 33_000_000n;
  const rig: RigFrame = {
    feedId: 'f',
    tNs,
    seq,
    frames: Object.keys(dets).map((c) => frame(c, tNs)),
    missing: [],
  };
  return { rig, detections: new Map(Object.entries(dets)), tracks: new Map(), issues: [] };
}
const det = (cameraId: string, x: number, score = 0.9): Detection => ({
  cameraId,
  cls: 'car',
  score,
  box: { x1: x, y1: 100, x2: x + 50, y2: 140 },
});

function sequence(): RigResult[] {
  return Array.from({ length: 12 }, (_, k) =>
    result(k, {
      a: [det('a', 100 + 3 * k), det('a', 400 - 3 * k)],
      b: k % 4 === 3 ? [] : [det('b', 50 + 5 * k)],
    }),
  );
}
const summary = (rs: RigResult[]) =>
  rs.map((r) =>
    [...r.tracks.entries()]
      .map(([c, ts]) => `${c}:${ts.map((t) => `${t.trackId}@${t.box.x1.toFixed(3)}`).join(',')}`)
      .join(' '),
  );

describe('track stage', () => {
  it('tracks each camera separately and gives the same result whatever the batch size', async () => {
    const one = sequence();
    const stageA = createTrackStage({ kind: 'bytetrack' });
    await stageA.process(one);
    const split = sequence();
    const stageB = createTrackStage({ kind: 'bytetrack' });
    for (const part of [split.slice(0, 1), split.slice(1, 7), split.slice(7)]) await stageB.process(part);
    expect(summary(split)).toEqual(summary(one));
    // Ids are per camera: both cameras start at 1.
    expect(one[0]!.tracks.get('a')!.map((t) => t.trackId)).toEqual([1, 2]);
    expect(one[0]!.tracks.get('b')!.map((t) => t.trackId)).toEqual([1]);
    expect(one[10]!.tracks.get('b')!.map((t) => t.trackId)).toEqual([1]); // kept through the empty frames
    expect(one[11]!.tracks.get('b')).toEqual([]); // an empty frame reports no track (it is lost)
    expect(stageA.describe?.()).toEqual({ tracker: 'bytetrack', appearance: true, trackers: 2, frames: 12 });
  });
});

describe('Foxglove image annotations', () => {
  it('draws one outline and one label per track of the camera, coloured by id', () => {
    const r = sequence()[0]!;
    const tracks = [
      { ...det('a', 10), trackId: 4, state: 'confirmed' as const, age: 3 },
      { ...det('b', 10), trackId: 5, state: 'confirmed' as const, age: 3 },
    ];
    const ann = tracksToImageAnnotations(tracks, r.rig.tNs + 1_500_000_000n, 'a');
    expect(ann.points).toHaveLength(1);
    expect(ann.points[0]!.timestamp).toEqual({ sec: 1, nsec: 500_000_000 });
    expect(ann.points[0]!.points).toEqual([
      { x: 10, y: 100 },
      { x: 60, y: 100 },
      { x: 60, y: 140 },
      { x: 10, y: 140 },
    ]);
    expect(ann.points[0]!.outline_color).toEqual(colorForTrack('a', 4));
    expect(ann.texts[0]!.text).toBe('#4 car 0.90');
    // Colours are deterministic and differ between neighbouring ids.
    expect(colorForId(4)).toEqual(colorForId(4));
    expect(colorForId(4)).not.toEqual(colorForId(5));
    // Track 4 of camera b is another object than track 4 of camera a (one counter per camera): another colour.
    const other = tracksToImageAnnotations(
      tracks.map((t) => ({ ...t, cameraId: 'b' })),
      r.rig.tNs,
      'b',
    );
    expect(other.points[0]!.outline_color).toEqual(colorForTrack('b', 4));
    expect(colorForTrack('b', 4)).not.toEqual(colorForTrack('a', 4));
  });

  it("turns each camera's hues by its name: one track id in six cameras gets six hues, at least 10° apart", () => {
    const cams = [
      'cam_front',
      'cam_front_left',
      'cam_front_right',
      'cam_back',
      'cam_back_left',
      'cam_back_right',
    ];
    for (const id of [1, 2, 3, 7, 42]) {
      const hues = cams.map((c) => hueOfId(id, c));
      for (let i = 0; i < hues.length; i++)
        for (let j = i + 1; j < hues.length; j++) {
          const d = Math.abs(hues[i]! - hues[j]!);
          expect(Math.min(d, 1 - d) * 360, `${cams[i]} and ${cams[j]}, id ${id}`).toBeGreaterThan(10);
        }
    }
    expect(hueOfId(5, '')).toBe(hueOfId(5));
  });

  it('gives any six consecutive ids hues at least 30° apart (a hash had given ids 1, 3 and 4 one magenta)', () => {
    for (let first = 0; first < 5000; first++) {
      const hues = [0, 1, 2, 3, 4, 5].map((k) => hueOfId(first + k, 'cam_front'));
      for (let i = 0; i < 6; i++)
        for (let j = i + 1; j < 6; j++) {
          const d = Math.abs(hues[i]! - hues[j]!);
          expect(Math.min(d, 1 - d) * 360).toBeGreaterThan(30);
        }
    }
  });
});

describe('track stage: per-camera image width for the exit rule', () => {
  /** A walks out through the right edge of camera a (640 px wide); one frame later C walks in there. */
  function exitThenEnter(): RigResult[] {
    const box = (x: number, y: number): Detection => ({
      cameraId: 'a',
      cls: 'pedestrian',
      score: 0.9,
      box: { x1: Math.max(0, x), y1: y, x2: Math.min(640, x + 30), y2: y + 60 },
    });
    return Array.from({ length: 20 }, (_, k) => {
      const ax = 560 + 6 * k; // gone from k = 13 (less than 3 px left in view)
      const dets = ax < 637 ? [box(ax, 100)] : [];
      if (k >= 14) dets.push(box(637 - 6 * (k - 14), 102));
      return result(k, { a: dets });
    });
  }
  const idsOf = (rs: RigResult[], y: (v: number) => boolean) =>
    new Set(rs.flatMap((r) => (r.tracks.get('a') ?? []).filter((t) => y(t.box.y1)).map((t) => t.trackId)));

  it('uses the camera’s image width (from the frame) unless the configuration sets one', async () => {
    const on = exitThenEnter();
    await createTrackStage({ kind: 'bytetrack' }).process(on);
    const off = exitThenEnter();
    await createTrackStage({ kind: 'bytetrack', config: { imageWidth: 0 } }).process(off);
    const [aOn, cOn] = [idsOf(on, (y) => y < 101), idsOf(on, (y) => y > 101)];
    const [aOff, cOff] = [idsOf(off, (y) => y < 101), idsOf(off, (y) => y > 101)];
    expect(cOff).toEqual(aOff); // rule off: C inherits the id of A's lost track
    expect(aOn.size).toBe(1);
    expect(cOn.size).toBe(1);
    expect([...cOn][0]).not.toBe([...aOn][0]);
  });
});

describe('track stage: ground points from the calibration and transforms', () => {
  // A level camera 1.5 m above the road (f = 500, 640×360, horizon at row 180), the ego at the odom origin. A
  // pedestrian 1.75 m tall walks away from 10 m; after 0.1 s hidden, a detection appears at its predicted column
  // but standing 10 m farther: its box's bottom row 215 instead of 244 and 40 px tall instead of 75 (at 21.7 m
  // one pixel of the bottom row is r²/(f·h) = 0.63 m of range, and the box-edge noise 0.05·40 + 1 = 3 px).
  const calibration: Calibration = {
    frameId: 'a',
    width: 640,
    height: 360,
    distortionModel: 'plumb_bob',
    D: [0, 0, 0, 0, 0],
    K: [500, 0, 320, 0, 500, 180, 0, 0, 1],
    R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    P: [500, 0, 320, 0, 0, 500, 180, 0, 0, 0, 1, 0],
  };
  const transforms: Transform[] = [
    {
      parent: 'base_link',
      child: 'a',
      translation: [0, 0, 1.5],
      rotation: mat3ToQuat([0, 0, 1, -1, 0, 0, 0, -1, 0]),
    },
    { parent: 'odom', child: 'base_link', translation: [0, 0, 0], rotation: [0, 0, 0, 1] },
  ];
  const row = (x: number) => 180 + (500 * 1.5) / x; // row of a road point x m ahead
  function walk(behind: number): RigResult[] {
    return Array.from({ length: 16 }, (_, k) => {
      const x = 10 + 0.12 * k + (k >= 14 ? behind : 0);
      const v = row(x);
      const h = (500 * 1.75) / x;
      const dets: Detection[] =
        k > 10 && k < 14
          ? []
          : [{ cameraId: 'a', cls: 'pedestrian', score: 0.9, box: { x1: 315, y1: v - h, x2: 325, y2: v } }];
      const r = result(k, { a: dets });
      r.rig.frames = r.rig.frames.map((f) => ({ ...f, calibration, transforms }));
      return r;
    });
  }
  const lastIds = (rs: RigResult[]) => rs.slice(14).flatMap((r) => r.tracks.get('a')!.map((t) => t.trackId));

  it('refuses a lost track a detection standing behind it, and only with the gate on', async () => {
    const near = walk(0);
    await createTrackStage({ kind: 'bytetrack' }).process(near);
    expect(lastIds(near)).toEqual([1, 1]);
    const far = walk(10);
    await createTrackStage({ kind: 'bytetrack' }).process(far);
    expect(lastIds(far)).toEqual([2]);
    const off = walk(10);
    await createTrackStage({ kind: 'bytetrack', config: { groundGate: 0 } }).process(off);
    expect(lastIds(off)).toEqual([1, 1]);
  });

  it('gives a pedestrian box cut by a side edge a ground point: a near one entering does not take a far id', async () => {
    // A pedestrian 30 m away stands near the left edge (frames 0–5). Then a pedestrian 8 m away walks in through
    // that edge on nearly the same line of sight (its box cut by the edge) and hides the far one: the cut box
    // overlaps the far track's buffered box enough for the first association. Its bottom row still says 8 m.
    const box = (x: number, x1: number, x2: number) => {
      const v = row(x);
      return { x1, y1: v - (500 * 1.75) / x, x2, y2: v };
    };
    const scene = () =>
      Array.from({ length: 8 }, (_, k) => {
        const b = k < 6 ? box(30, 20, 30) : box(8, 0, 25 + 15 * (k - 6));
        const r = result(k, { a: [{ cameraId: 'a', cls: 'pedestrian', score: 0.9, box: b }] });
        r.rig.frames = r.rig.frames.map((f) => ({ ...f, calibration, transforms }));
        return r;
      });
    const ids = (rs: RigResult[]) => rs.slice(6).flatMap((r) => r.tracks.get('a')!.map((t) => t.trackId));
    const on = scene();
    await createTrackStage({ kind: 'bytetrack' }).process(on);
    expect(ids(on)).toEqual([2]); // a new id, reported from its second frame
    const off = scene();
    await createTrackStage({ kind: 'bytetrack', config: { groundClippedU: 0 } }).process(off);
    expect(ids(off)).toEqual([1, 1]); // no ground point for the cut box: the far track takes it
  });

  describe('ego-motion compensation (egoMotion)', () => {
    // The ego drives 0.6 m a frame (frames 1–5) and stops while a pedestrian standing 14 m ahead and 2.5 m to the
    // right is hidden (frames 5–13). Uncompensated, the lost track runs on at the image velocity the ego's motion
    // gave it (outwards and growing) and the pedestrian is born again when seen. Box overlap alone (no recovery,
    // ground gate or re-update) so that the prediction decides.
    const person = (egoX: number) => {
      const x = 14 - egoX;
      const u = 320 + (500 * 2.5) / x;
      const v = row(x);
      const h = (500 * 1.75) / x;
      const w = (500 * 0.5) / x;
      return { x1: u - w / 2, y1: v - h, x2: u + w / 2, y2: v };
    };
    const scene = (cls: Detection['cls']) => {
      let egoX = 0;
      return Array.from({ length: 18 }, (_, k) => {
        if (k > 0 && k <= 5) egoX += 0.6;
        const dets: Detection[] =
          k >= 5 && k <= 13 ? [] : [{ cameraId: 'a', cls, score: 0.9, box: person(egoX) }];
        const r = result(k, { a: dets });
        const ego: Transform = {
          parent: 'odom',
          child: 'base_link',
          translation: [egoX, 0, 0],
          rotation: [0, 0, 0, 1],
        };
        r.rig.frames = r.rig.frames.map((f) => ({ ...f, calibration, transforms: [transforms[0]!, ego] }));
        return r;
      });
    };
    const ids = (rs: RigResult[]) => rs.slice(14).flatMap((r) => r.tracks.get('a')!.map((t) => t.trackId));
    const overlapOnly = { recoverGate: 0, oru: false, groundGate: 0, buffer: 0, matchThresh: 0.8 };
    const run = async (cls: Detection['cls'], config: Partial<TrackerConfig>) => {
      const rs = scene(cls);
      await createTrackStage({ kind: 'bytetrack', config: { ...overlapOnly, ...config } }).process(rs);
      return ids(rs);
    };

    it('predicts a hidden pedestrian where they stand while the ego drives on and stops', async () => {
      expect(await run('pedestrian', { egoMotion: true })).toEqual([1, 1, 1, 1]);
      expect(await run('pedestrian', { egoMotion: false })).not.toContain(1);
    });

    it('warps only egoMotionClasses (pedestrians by default): a car is left as it is', async () => {
      expect(await run('car', { egoMotion: true })).not.toContain(1);
      expect(await run('car', { egoMotion: true, egoMotionClasses: ['car'] })).toEqual([1, 1, 1, 1]);
    });

    it('does not bridge a frame without calibration: the state is in that image, whose pose is unknown', async () => {
      // Frame 3's calibration is missing: frames 2→3 and 3→4 are not warped (2→4 at frame 4 would move a state
      // already updated in frame 3's image), 4→5 is. The track keeps the image velocity of frames 2–4 and loses
      // the pedestrian; with that frame calibrated every step is warped and it does not (above).
      const rs = scene('pedestrian');
      rs[3]!.rig.frames = rs[3]!.rig.frames.map((f) => ({ ...f, calibration: null }));
      await createTrackStage({ kind: 'bytetrack', config: { ...overlapOnly, egoMotion: true } }).process(rs);
      expect(ids(rs)).not.toContain(1);
    });
  });
});
