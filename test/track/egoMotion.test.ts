import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Box2D } from '../../src/contracts/geometry.ts';
import { type CameraModel, pinholeModel, projectPoint } from '../../src/geometry/camera.ts';
import {
  applyPose,
  composePose,
  invertPose,
  mat3ToQuat,
  type Pose,
  quatFromYaw,
} from '../../src/geometry/quat.ts';
import { type CameraAtFrame, egoMotionWarper, sameCameraPose } from '../../src/track/egoMotion.ts';

const egoMotionWarp = (prev: CameraAtFrame, cur: CameraAtFrame, box: Box2D, steps = 1) =>
  egoMotionWarper(prev, cur, steps)(box);
import { createTracker } from '../../src/track/tracker.ts';

// A level pinhole camera 1.5 m above the road looking along the ego's x axis (FLU ground frame).
const model: CameraModel = pinholeModel([500, 0, 320, 0, 500, 180, 0, 0, 1], 640, 360);
const groundFromCamera: Pose = {
  translation: [0, 0, 1.5],
  rotation: mat3ToQuat([0, 0, 1, -1, 0, 0, 0, -1, 0]),
};
const at = (x: number, y: number, yawDeg: number): CameraAtFrame => ({
  model,
  groundFromCamera,
  worldFromGround: { translation: [x, y, 0], rotation: quatFromYaw((yawDeg * Math.PI) / 180) },
});

/** Where a world point appears in the camera at `c`, and its depth. */
function view(c: CameraAtFrame, p: [number, number, number]): { uv: [number, number]; depth: number } | null {
  const pc = applyPose(invertPose(composePose(c.worldFromGround, c.groundFromCamera)), p);
  const uv = projectPoint(c.model, pc);
  return uv ? { uv, depth: pc[2] } : null;
}

/** The box of a 1.7 m person standing at world point `p` as the camera at `c` sees it (0.5 m wide). */
function personBox(c: CameraAtFrame, p: [number, number]) {
  const foot = view(c, [p[0], p[1], 0])!;
  const h = (1.7 * 500) / foot.depth;
  const w = (0.5 * 500) / foot.depth;
  return { x1: foot.uv[0] - w / 2, y1: foot.uv[1] - h, x2: foot.uv[0] + w / 2, y2: foot.uv[1] };
}

const applyAffine = (w: readonly number[], u: number, v: number): [number, number] => [
  w[0]! * u + w[1]! * v + w[2]!,
  w[3]! * u + w[4]! * v + w[5]!,
];

describe('egoMotionWarper (per-track camera-motion compensation from the ego motion)', () => {
  it('moves a standing person box to where the next frame sees it, scaled by the ratio of depths', () => {
    // The ego drives 1 m forward: a person 20 m ahead, 2 m to the left, comes 1 m closer (scale 20/19).
    const prev = at(0, 0, 0);
    const cur = at(1, 0, 0);
    const before = personBox(prev, [20, 2]);
    const after = personBox(cur, [20, 2]);
    const w = egoMotionWarp(prev, cur, before)!;
    expect(w[0]).toBeCloseTo(20 / 19, 9);
    const [u, v] = applyAffine(w, (before.x1 + before.x2) / 2, before.y2);
    expect(u).toBeCloseTo((after.x1 + after.x2) / 2, 6);
    expect(v).toBeCloseTo(after.y2, 6);
    // The top of the box follows too: a standing person's box scales about its foot by the depth ratio.
    expect(applyAffine(w, before.x1, before.y1)[1]).toBeCloseTo(after.y1, 6);
  });

  it('is exact for any ego motion and any person in view (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 8, max: 80, noNaN: true }),
        fc.double({ min: -0.3, max: 0.3, noNaN: true }),
        fc.double({ min: -1.5, max: 1.5, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (range, bearing, dx, dy, dyaw) => {
          const prev = at(10, -4, 30);
          const cur = {
            ...at(
              10 + dx * Math.cos(Math.PI / 6) - dy * Math.sin(Math.PI / 6),
              -4 + dx * Math.sin(Math.PI / 6) + dy * Math.cos(Math.PI / 6),
              30 + dyaw,
            ),
          };
          const yaw = Math.PI / 6 + bearing;
          const p: [number, number] = [10 + range * Math.cos(yaw), -4 + range * Math.sin(yaw)];
          const before = personBox(prev, p);
          const after = personBox(cur, p);
          const w = egoMotionWarp(prev, cur, before)!;
          const [u, v] = applyAffine(w, (before.x1 + before.x2) / 2, before.y2);
          expect(u).toBeCloseTo((after.x1 + after.x2) / 2, 4);
          expect(v).toBeCloseTo(after.y2, 4);
          expect(w[0]! * (before.y2 - before.y1)).toBeCloseTo(after.y2 - after.y1, 4);
        },
      ),
    );
  });

  it('treats a box standing beyond 200 m (or above the horizon) as 200 m away: a turn still moves it', () => {
    const prev = at(0, 0, 0);
    const cur = at(0, 0, 2);
    const sky = { x1: 300, y1: 100, x2: 310, y2: 150 }; // bottom 30 px above the horizon
    const w = egoMotionWarp(prev, cur, sky)!;
    expect(w[0]).toBeCloseTo(1, 2); // a turn changes depths by cos(2°) at most
    // A 2° turn to the left moves what is ahead 500·tan(2°) ≈ 17.5 px to the right.
    expect(applyAffine(w, 305, 150)[0] - 305).toBeCloseTo(500 * Math.tan((2 * Math.PI) / 180), 1);
  });

  it('caps the range, not the depth, at 200 m: a box far along the road 30° off the axis stands at 200 m', () => {
    // Its bottom meets the road 400 m away at a bearing of 30° to the left: it is taken to stand at (173.2, 100).
    // After 10 m forward its depth is 163.2 m instead of 173.2 (scale 1.061; a cap on depth would give 200/190).
    const x = 400 * Math.cos(Math.PI / 6);
    const y = 400 * Math.sin(Math.PI / 6);
    const u = 320 - (500 * y) / x;
    const v = 180 + (500 * 1.5) / x;
    const w = egoMotionWarp(at(0, 0, 0), at(10, 0, 0), { x1: u - 1, y1: v - 3, x2: u + 1, y2: v })!;
    const d = 200 * Math.cos(Math.PI / 6);
    expect(w[0]).toBeCloseTo(d / (d - 10), 3);
  });

  it('leaves a box the camera has driven past (behind it now) or almost reached alone', () => {
    const prev = at(0, 0, 0);
    const near = personBox(prev, [6, 0]);
    expect(egoMotionWarp(prev, at(8, 0, 0), near)).toBeNull();
    expect(egoMotionWarp(prev, at(3, 0, 0), near)).toBeNull(); // depth 6 → 3: scale 2
    // …unless two frames passed (a camera that missed one): 1.5 per frame.
    expect(egoMotionWarp(prev, at(3, 0, 0), near, 2)?.[0]).toBeCloseTo(2, 9);
  });

  it('warps a box cut by the image bottom as if it stood at its bottom row: too little, the right way', () => {
    // A person 3 m ahead (feet at row 430, cut at 359); the ego moves 0.3 m: the true scale is 3 / 2.7 = 1.111,
    // the bottom row's point stands 4.19 m away, so the box grows by 4.19 / 3.89 = 1.077.
    const whole = personBox(at(0, 0, 0), [3, 0]);
    const cut = { ...whole, y2: 359 };
    const s = egoMotionWarp(at(0, 0, 0), at(0.3, 0, 0), cut)![0]!;
    expect(s).toBeGreaterThan(1.05);
    expect(s).toBeLessThan(3 / 2.7);
  });

  it('a fixed camera has the same pose from frame to frame', () => {
    expect(sameCameraPose(at(1, 2, 3), at(1, 2, 3))).toBe(true);
    expect(sameCameraPose(at(1, 2, 3), at(1, 2.01, 3))).toBe(false);
  });

  it('predicts a hidden standing person where they are while the ego brakes past them', () => {
    // A person standing 15 m ahead and 3 m to the side while the ego decelerates from 3 m/s, hidden for the last
    // 6 frames: their box grows and slides outwards ever more slowly. With the warp the lost track's prediction
    // stays on them; without it, it runs on at the image velocity of the first frames.
    const run = (compensate: boolean) => {
      const tracker = createTracker({ kind: 'bytetrack', frameRate: 10 });
      let prev: CameraAtFrame | undefined;
      let x = 0;
      let err = 0;
      for (let k = 0; k < 20; k++) {
        x += Math.max(0, 0.3 - 0.02 * k);
        const cam = at(x, 0, 0);
        if (prev && compensate) {
          const p = prev;
          tracker.applyCameraMotion(egoMotionWarper(p, cam));
        }
        prev = cam;
        const truth = personBox(cam, [15, 3]);
        const dets = k < 14 ? [{ cameraId: 'c', box: truth, score: 0.9, cls: 'pedestrian' as const }] : [];
        tracker.update(dets);
        const [t] = tracker.tracks();
        err = Math.hypot(t!.box.x1 - truth.x1, t!.box.y2 - truth.y2);
      }
      return err;
    };
    expect(run(true)).toBeLessThan(1);
    expect(run(false)).toBeGreaterThan(5);
  });

  it("warps ORU's last observation and the state after it each from its own box", () => {
    // A track lost for three frames: its Kalman box has moved on from its last observation, so each gets its own.
    const tracker = createTracker({ kind: 'bytetrack', frameRate: 10, oru: true });
    const det = (x: number) => ({
      cameraId: 'c',
      box: { x1: x, y1: 100, x2: x + 20, y2: 160 },
      score: 0.9,
      cls: 'car' as const,
    });
    for (let k = 0; k < 5; k++) tracker.update([det(100 + 10 * k)]);
    for (let k = 0; k < 3; k++) tracker.update([]);
    const seen: Box2D[] = [];
    tracker.applyCameraMotion((box) => {
      seen.push(box);
      return [1, 0, 5, 0, 1, 0];
    });
    expect(seen).toHaveLength(3);
    expect(seen[2]).toEqual(det(140).box); // the last observation
    expect(seen[0]!.x1).toBeGreaterThan(seen[1]!.x1 + 15); // the prediction, three frames on from the state after it
  });
});
