/**
 * Rolled cameras: the levelling geometry (src/fuse/level.ts) as pure functions with properties, and measureTrack on
 * an upright object seen by a camera rolled about its optical axis against the same object seen by the level one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Box3D, Quat, Vec3 } from '../../src/contracts/geometry.ts';
import type { Track2D } from '../../src/contracts/perception.ts';
import {
  aspectPrior,
  cameraRollRad,
  cutSides,
  depthFromHeight,
  imageDown,
  levelExtent,
  tiltedBoxSize,
  upInCamera,
} from '../../src/fuse/level.ts';
import { DEFAULT_MEASURE, emptyMeasureNotes, measureTrack } from '../../src/fuse/measure.ts';
import { createFuseStage, rollIssue } from '../../src/fuse/stage.ts';
import { projectBox3D } from '../../src/geometry/box3d.ts';
import { cameraModel, pinholeModel, projectPoint } from '../../src/geometry/camera.ts';
import {
  IDENTITY_POSE,
  invertPose,
  mat3ToQuat,
  type Pose,
  quatMultiply,
  quatRotate,
} from '../../src/geometry/quat.ts';
import { egoPose, mount as rigMount, rigResult, seen, track } from './rig.ts';

const DEG = Math.PI / 180;
/** Square image, so that a rolled camera sees what the level one sees (but for the corners). */
const model = pinholeModel([600, 0, 480, 0, 600, 480, 0, 0, 1], 960, 960);

/** base_link ← optical for a camera 1.5 m up looking along +x, pitched down by `pitchDeg`, rolled by `rollDeg`. */
function mount(rollDeg: number, pitchDeg = 0): Pose {
  const optical = mat3ToQuat([0, 0, 1, -1, 0, 0, 0, -1, 0]);
  const p = pitchDeg * DEG;
  const r = rollDeg * DEG;
  const pitch: Quat = [0, Math.sin(p / 2), 0, Math.cos(p / 2)];
  const roll: Quat = [0, 0, Math.sin(r / 2), Math.cos(r / 2)]; // about the optical axis
  return { translation: [0, 0, 1.5], rotation: quatMultiply(quatMultiply(pitch, optical), roll) };
}

function trackOf(box: NonNullable<ReturnType<typeof projectBox3D>>, cls: Track2D['cls']): Track2D {
  return { cameraId: 'c', trackId: 1, box, score: 0.9, cls, state: 'confirmed', age: 3 };
}

const angle = fc.double({ min: -Math.PI, max: Math.PI, noNaN: true });

describe('level.ts geometry', () => {
  it('cameraRollRad: the roll about the optical axis, 0 for a level or only pitched camera', () => {
    for (const roll of [0, 10, -10, 30, 90, -90, 179]) {
      expect(Math.abs(cameraRollRad(upInCamera(mount(roll))))).toBeCloseTo(Math.abs(roll) * DEG, 9);
      expect(Math.abs(cameraRollRad(upInCamera(mount(roll, 5))))).toBeCloseTo(Math.abs(roll) * DEG, 9);
    }
    expect(cameraRollRad(upInCamera(mount(0, 20)))).toBeCloseTo(0, 12);
    // Signed: opposite rolls, opposite signs.
    expect(cameraRollRad(upInCamera(mount(30)))).toBeCloseTo(-cameraRollRad(upInCamera(mount(-30))), 12);
  });

  it('imageDown: the image of a short vertical segment, through the lens (distortion included)', () => {
    const distorted = cameraModel({
      frameId: 'c',
      width: 960,
      height: 960,
      distortionModel: 'plumb_bob',
      D: [-0.2, 0.05, 0.001, -0.001, 0],
      K: [600, 0, 470, 0, 610, 490, 0, 0, 1],
      R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      P: [600, 0, 470, 0, 0, 610, 490, 0, 0, 0, 1, 0],
    });
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 100, max: 860, noNaN: true }),
        fc.double({ min: 100, max: 860, noNaN: true }),
        (roll, pitch, u, v) => {
          const pose = mount(roll, pitch);
          const up = upInCamera(pose);
          const d = imageDown(distorted, up, u, v)!;
          // The point 10 m along the pixel's ray, and 1 cm below it: the image step points along d.
          const base = rayPoint(distorted, u, v, 10);
          const below = projectPoint(distorted, [
            base[0] - 0.01 * up[0],
            base[1] - 0.01 * up[1],
            base[2] - 0.01 * up[2],
          ])!;
          const at = projectPoint(distorted, base)!;
          const step = [below[0] - at[0], below[1] - at[1]];
          const n = Math.hypot(step[0]!, step[1]!);
          expect(Math.abs(d[0] - step[0]! / n)).toBeLessThan(1e-3);
          expect(Math.abs(d[1] - step[1]! / n)).toBeLessThan(1e-3);
        },
      ),
    );
    // A level camera: straight down everywhere.
    const level = imageDown(model, upInCamera(mount(0)), 100, 900)!;
    expect(level[0]).toBeCloseTo(0, 12);
    expect(level[1]).toBeCloseTo(1, 12);
  });

  it('levelExtent inverts tiltedBoxSize where the box decides (tilt ≤ 30° or ≥ 60° from vertical), exactly at 0° and 90°', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 5, max: 400, noNaN: true }),
        fc.double({ min: 5, max: 400, noNaN: true }),
        angle,
        (W, H, tilt) => {
          const [w, h] = tiltedBoxSize(W, H, tilt);
          const cos2 = Math.abs(Math.cos(2 * tilt));
          const e = levelExtent(w, h, tilt, 2.45, 0.3, 1e-6);
          if (cos2 >= 0.5) {
            expect(Math.abs(e.H - H)).toBeLessThan(1e-6 * (W + H));
            expect(Math.abs(e.W - W)).toBeLessThan(1e-6 * (W + H));
            expect(e.fromPrior).toBe(false);
          }
          // Symmetric under a mirrored or upside-down tilt.
          const m = levelExtent(w, h, -tilt, 2.45, 0.3, 2);
          const f = levelExtent(w, h, tilt + Math.PI, 2.45, 0.3, 2);
          const o = levelExtent(w, h, tilt, 2.45, 0.3, 2);
          expect(m.H).toBeCloseTo(o.H, 6);
          expect(f.H).toBeCloseTo(o.H, 6);
          expect(o.H).toBeGreaterThanOrEqual(0);
          expect(o.W).toBeGreaterThanOrEqual(0);
        },
      ),
    );
    // 0°: the box is the extent; 90°: swapped.
    expect(levelExtent(80, 170, 0, 0.5, 0.3, 2.8)).toMatchObject({ W: 80, H: 170, fromPrior: false });
    const q = levelExtent(170, 80, Math.PI / 2, 0.5, 0.3, 2.8);
    expect(q.W).toBeCloseTo(80, 9);
    expect(q.H).toBeCloseTo(170, 9);
    // At 0° the σ of H is the box's (two edges, σ_v 2 px → 2√2), as a level camera's.
    expect(levelExtent(80, 170, 0, 0.5, 0.3, 2 * Math.SQRT2).sH).toBeCloseTo(2 * Math.SQRT2, 9);
  });

  it('levelExtent at 45°: the box gives only W + H, the class aspect the rest, flagged, with a wide σ', () => {
    const [w, h] = tiltedBoxSize(120, 60, Math.PI / 4); // a 2:1 object
    const e = levelExtent(w, h, Math.PI / 4, 2, 0.3, 2);
    expect(e.fromPrior).toBe(true);
    expect(e.H).toBeCloseTo(60, 6); // the prior's aspect is the object's
    expect(e.sHBox).toBe(Number.POSITIVE_INFINITY);
    const wrong = levelExtent(w, h, Math.PI / 4, 1, 0.3, 2); // the prior says 1:1
    expect(wrong.H).toBeCloseTo(90, 6); // (w′ + h′) / (√2 · 2)
    expect(wrong.sH / wrong.H).toBeGreaterThan(0.1);
    // Near 45° the σ is several times the box's own (2 px at no tilt).
    for (const deg of [36, 40, 44]) {
      const [a, b] = tiltedBoxSize(120, 60, deg * DEG);
      expect(levelExtent(a, b, deg * DEG, 2, 0.3, 2).sH).toBeGreaterThan(6);
    }
  });

  it('aspectPrior: a car about 2.45 (mean horizontal extent over headings / height), a pedestrian about 0.5', () => {
    expect(aspectPrior([4.6, 1.95, 1.7], 0.2).aspect).toBeCloseTo((2 * 6.55) / Math.PI / 1.7, 9);
    expect(aspectPrior([0.7, 0.65, 1.75], 0.2).aspect).toBeCloseTo(0.49, 2);
    expect(aspectPrior([4.6, 1.95, 1.7], 0.2).relStd).toBeGreaterThan(0.2);
  });

  it('cutSides: the level rule at no tilt, rotated with the tilt', () => {
    const edges = fc.record({
      left: fc.boolean(),
      right: fc.boolean(),
      top: fc.boolean(),
      bottom: fc.boolean(),
    });
    fc.assert(
      fc.property(edges, (e) => {
        expect(cutSides(e, [0, 1])).toEqual({ bottom: e.bottom, top: e.top, side: e.left || e.right });
        // Upside down: the image's top cuts the object's bottom.
        expect(cutSides(e, [0, -1])).toEqual({ bottom: e.top, top: e.bottom, side: e.left || e.right });
        // Portrait (down = +x): the right border cuts the bottom, the left the top, top and bottom the sides.
        expect(cutSides(e, [1, 0])).toEqual({ bottom: e.right, top: e.left, side: e.top || e.bottom });
      }),
    );
    // At 30° a cut bottom edge also cuts a side (its lowest corner belongs to both); at 5° it does not.
    const none = { left: false, right: false, top: false };
    expect(cutSides({ ...none, bottom: true }, [Math.sin(30 * DEG), Math.cos(30 * DEG)])).toEqual({
      bottom: true,
      top: false,
      side: true,
    });
    expect(cutSides({ ...none, bottom: true }, [Math.sin(5 * DEG), Math.cos(5 * DEG)]).side).toBe(false);
  });

  it('depthFromHeight recovers the depth of an upright segment for any camera orientation', () => {
    fc.assert(
      fc.property(
        angle,
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: -40, max: 40, noNaN: true }),
        fc.double({ min: 3, max: 80, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 0.5, max: 4, noNaN: true }),
        (roll, pitch, yaw, x, y, H) => {
          const pose = mount(roll / DEG, pitch);
          const yawQ: Quat = [0, 0, Math.sin((yaw * DEG) / 2), Math.cos((yaw * DEG) / 2)];
          const p: Pose = { translation: pose.translation, rotation: quatMultiply(yawQ, pose.rotation) };
          const cam = invertPose(p);
          const toCam = (g: Vec3) => {
            const r = quatRotate(cam.rotation, g);
            return [r[0] + cam.translation[0], r[1] + cam.translation[1], r[2] + cam.translation[2]] as Vec3;
          };
          const yawR = yaw * DEG;
          const g: Vec3 = [
            Math.cos(yawR) * x - Math.sin(yawR) * y,
            Math.sin(yawR) * x + Math.cos(yawR) * y,
            0,
          ];
          const B = toCam(g);
          const T = toCam([g[0], g[1], H]);
          if (!(B[2] > 0.5 && T[2] > 0.5)) return;
          const z = depthFromHeight([B[0] / B[2], B[1] / B[2]], [T[0] / T[2], T[1] / T[2]], upInCamera(p), H);
          expect(z).not.toBeNull();
          expect(Math.abs(z! - B[2])).toBeLessThan(1e-6 * B[2]);
        },
      ),
    );
  });
});

describe('measureTrack with a rolled camera', () => {
  const objects: [Track2D['cls'], Box3D][] = [];
  for (const [x, y] of [
    [8, 0],
    [15, 3],
    [25, -4],
    [12, -5],
    [40, 2],
  ] as const) {
    for (const yaw of [0, 0.7, Math.PI / 2])
      objects.push(['car', { center: [x, y, 0.85], size: [4.6, 1.95, 1.7], yaw }]);
    objects.push(['pedestrian', { center: [x, y, 0.875], size: [0.7, 0.65, 1.75], yaw: 0.3 }]);
  }

  /** Ground-point error (m) of the rolled camera's measurement and the level camera's, against the truth. */
  function errors(roll: number, pitch = 0) {
    const out: { level: number; rolled: number; range: number; sigma: number; fromPrior: number }[] = [];
    for (const [cls, box] of objects) {
      const level = mount(0, pitch);
      const rolled = mount(roll, pitch);
      const bl = projectBox3D(model, invertPose(level), box);
      const br = projectBox3D(model, invertPose(rolled), box);
      if (!bl || !br) continue;
      const notes = emptyMeasureNotes();
      const ml = measureTrack(trackOf(bl, cls), model, level, IDENTITY_POSE)!;
      const mr = measureTrack(trackOf(br, cls), model, rolled, IDENTITY_POSE, DEFAULT_MEASURE, notes)!;
      const err = (m: typeof ml) => Math.hypot(m.position[0] - box.center[0], m.position[1] - box.center[1]);
      out.push({
        level: err(ml),
        rolled: err(mr),
        range: Math.hypot(box.center[0], box.center[1]),
        sigma: Math.sqrt(Math.max(mr.cov[0], mr.cov[3])),
        fromPrior: notes.fromPrior,
      });
    }
    return out;
  }

  it('rolled 0°, 90°, −90°, 180°: the level camera’s ground points (the box is the level one turned)', () => {
    for (const roll of [0, 90, -90, 180]) {
      const e = errors(roll);
      expect(e).toHaveLength(objects.length);
      for (const r of e) expect(Math.abs(r.rolled - r.level)).toBeLessThan(1e-6);
    }
  });

  it('rolled ±10° and ±30°: the level camera’s errors but for oblique cars whose box fits two headings, inside σ', () => {
    for (const roll of [10, -10, 30, -30]) {
      const e = errors(roll);
      expect(e).toHaveLength(objects.length);
      const d = e.map((r) => r.rolled - r.level).sort((a, b) => a - b);
      console.log(
        `roll ${roll}°: error − level camera's error, median ${d[d.length >> 1]!.toFixed(2)} m, ` +
          `max ${d[d.length - 1]!.toFixed(2)} m; error/σ max ${Math.max(...e.map((r) => r.rolled / r.sigma)).toFixed(2)}`,
      );
      expect(Math.abs(d[d.length >> 1]!)).toBeLessThan(0.3);
      for (const r of e) {
        expect(r.rolled).toBeLessThan(r.level + 0.5 + 0.2 * r.range);
        expect(r.rolled).toBeLessThan(3 * r.sigma);
      }
    }
  });

  it('pitched 4° and rolled 10°, 30°, 90°: the same bounds', () => {
    for (const roll of [10, 30, 90]) {
      for (const r of errors(roll, 4)) {
        expect(r.rolled).toBeLessThan(r.level + 0.5 + 0.2 * r.range);
        expect(r.rolled).toBeLessThan(3 * r.sigma);
      }
    }
  });

  it('rolled 45°: the box cannot separate width and height; the class shape fills in, flagged and with a wider σ', () => {
    const e = errors(45);
    expect(e.every((r) => r.fromPrior === 1)).toBe(true);
    for (const r of e) expect(r.rolled).toBeLessThan(3 * r.sigma);
    const issue = rollIssue({ rollRad: 45 * DEG, tracks: 4, fromPrior: 3, noVertical: 0 });
    expect(issue).toMatch(/camera rolled 45\.0°.*3 of 4 boxes tilted near 45°/);
    expect(rollIssue({ rollRad: 0.2, tracks: 4, fromPrior: 0, noVertical: 0 })).toBeNull();
  });

  it('a portrait camera (roll 90°): an image border cuts the object’s bottom as the bottom border does a level one’s', () => {
    // A pedestrian 4 m ahead with the feet out of view: level, the bottom border cuts it; rolled 90°, a side border.
    const box: Box3D = { center: [3, 0, 0.875], size: [0.7, 0.65, 1.75], yaw: 0 };
    for (const roll of [0, 90, -90]) {
      const pose = mount(roll, -15); // pitched up: the feet leave the view
      const b = projectBox3D(model, invertPose(pose), box)!;
      const m = measureTrack(trackOf(b, 'pedestrian'), model, pose, IDENTITY_POSE)!;
      expect(m.method).toBe('height');
    }
  });
});

describe('a box cut at an image corner', () => {
  it('is measured as the level camera measures it at a fraction of a degree of roll, not at an oblique 30°', () => {
    // A car alongside, its box cut by the left and bottom borders (a review's case: at 1e-4° of roll it was dropped).
    const box = { x1: 0, y1: 600, x2: 300, y2: 960 };
    const level = measureTrack(trackOf(box, 'car'), model, mount(0), IDENTITY_POSE)!;
    expect(level.method).toBe('height');
    for (const roll of [1e-4, 0.5, -0.5, 3]) {
      const m = measureTrack(trackOf(box, 'car'), model, mount(roll), IDENTITY_POSE);
      expect(m, `roll ${roll}°`).not.toBeNull();
      expect(Math.hypot(m!.position[0] - level.position[0], m!.position[1] - level.position[1])).toBeLessThan(
        0.5,
      );
    }
    expect(measureTrack(trackOf(box, 'car'), model, mount(30), IDENTITY_POSE)).toBeNull();
  });

  it('a non-finite box places nothing and is not counted as a box the roll could not level', () => {
    const notes = emptyMeasureNotes();
    const bad = { x1: 10, y1: 20, x2: Number.POSITIVE_INFINITY, y2: 80 };
    expect(
      measureTrack(trackOf(bad, 'car'), model, mount(30), IDENTITY_POSE, DEFAULT_MEASURE, notes),
    ).toBeNull();
    expect(measureTrack(trackOf(bad, 'car'), model, mount(0), IDENTITY_POSE)).toBeNull();
    expect(notes.noVertical).toBe(0);
  });
});

describe('fuse stage with a rolled camera', () => {
  it('places the car as the level camera does at 90°, and reports a camera rolled 45° as a camera-roll issue', async () => {
    const ego = egoPose(0, 0, 0);
    const car: Box3D = { center: [15, 1, 0.85], size: [4.6, 1.95, 1.7], yaw: 0 };
    const rolled = (deg: number) => {
      const m = rigMount('cam', 0);
      const r = deg * DEG;
      return { ...m, rotation: quatMultiply(m.rotation as Quat, [0, 0, Math.sin(r / 2), Math.cos(r / 2)]) };
    };
    const place = async (deg: number) => {
      const cam = { id: 'cam', mount: rolled(deg) };
      const stage = createFuseStage({ tracker: { minHits: 1 } });
      const b = seen(car, ego, cam.mount)!;
      const r = rigResult(0, 0n, [cam], ego, new Map([['cam', [track('cam', 1, b)]]]));
      const [out] = await stage.process([r]);
      return out!;
    };
    const level = await place(0);
    const portrait = await place(90);
    expect(level.issues).toEqual([]);
    expect(portrait.issues).toEqual([]);
    expect(portrait.objects![0]!.box.center[0]).toBeCloseTo(level.objects![0]!.box.center[0], 6);
    expect(portrait.objects![0]!.box.center[1]).toBeCloseTo(level.objects![0]!.box.center[1], 6);
    const diagonal = await place(45);
    expect(diagonal.issues).toHaveLength(1);
    expect(diagonal.issues[0]).toMatchObject({ cameraId: 'cam', kind: 'camera-roll' });
    expect(diagonal.issues[0]!.message).toMatch(/camera rolled -?45\.0°.*1 of 1 boxes tilted near 45°/);
  });
});

/** The 3D point at depth `z` on the ray of pixel (u, v) of a distorted camera (inverse by iteration). */
function rayPoint(m: ReturnType<typeof cameraModel>, u: number, v: number, z: number): Vec3 {
  let x = (u - m.cx) / m.fx;
  let y = (v - m.cy) / m.fy;
  for (let i = 0; i < 50; i++) {
    const p = projectPoint(m, [x, y, 1])!;
    x -= (p[0] - u) / m.fx;
    y -= (p[1] - v) / m.fy;
  }
  return [x * z, y * z, z];
}
