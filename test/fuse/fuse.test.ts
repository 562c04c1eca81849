import { describe, expect, it } from 'vitest';
import type { Box3D } from '../../src/contracts/geometry.ts';
import type { Track2D } from '../../src/contracts/perception.ts';
import { createFuseStage } from '../../src/fuse/stage.ts';
import { DEFAULT_MEASURE, measureTrack } from '../../src/fuse/measure.ts';
import { pinholeModel } from '../../src/geometry/camera.ts';
import { IDENTITY_POSE, type Pose } from '../../src/geometry/quat.ts';
import { egoPose, mount, rigResult, seen, track } from './rig.ts';

const front = { id: 'cam_front', mount: mount('cam_front', 0) };
const left = { id: 'cam_left', mount: mount('cam_left', (50 * Math.PI) / 180) };
const car = (x: number, y: number, yaw = Math.PI / 2): Box3D => ({
  center: [x, y, 0.85],
  size: [4.6, 1.95, 1.7],
  yaw,
});
const NS = 100_000_000n; // 10 Hz

describe('measureTrack (ground back-projection)', () => {
  it('places the object centre behind its bottom edge, with range-dependent uncertainty', () => {
    const model = pinholeModel([800, 0, 640, 0, 800, 360, 0, 0, 1], 1280, 720);
    const cam = mount('c', 0) as Pose;
    // A box whose bottom edge is 80 px below the principal point: flat ground at 800·1.5/80 = 15 m from the lens;
    // 800·1.75/15 px tall, so the class height prior (1.75 m) says 15 m as well.
    const t: Track2D = {
      cameraId: 'c',
      trackId: 1,
      box: { x1: 600, y1: 440 - (800 * 1.75) / 15, x2: 680, y2: 440 },
      score: 0.9,
      cls: 'pedestrian',
      state: 'confirmed',
      age: 3,
    };
    const flat = { ...DEFAULT_MEASURE, rangeCue: 'ground' as const };
    const m = measureTrack(t, model, cam, IDENTITY_POSE, flat)!;
    expect(m.method).toBe('ground');
    expect(m.position[0]).toBeCloseTo(1 + 15 + (0.7 + 0.65) / 4, 9);
    // Both cues agree: combining them changes nothing.
    const both = measureTrack(t, model, cam, IDENTITY_POSE, { ...DEFAULT_MEASURE, rangeCue: 'combined' })!;
    expect(both.method).toBe('combined');
    expect(both.position[0]).toBeCloseTo(1 + 15 + (0.7 + 0.65) / 4, 9);
    expect(both.cov[0]).toBeLessThan(m.cov[0]);
    expect(m.position[1]).toBeCloseTo(0, 9);
    expect(m.cov[0]).toBeGreaterThan(m.cov[3]); // radial (x) is the uncertain direction
    // A pedestrian's ground may be a curb above the road plane: r_b·σ_z/h (15 m · 0.15 m / 1.5 m) joins the
    // flat-ground cue's σ (σ_v 2 px, σ_θ 0.5°), then the footprint spread and the 0.3 m floor.
    const sg = Math.hypot(((15 * 15 + 1.5 * 1.5) / 1.5) * Math.hypot(2 / 800, (0.5 * Math.PI) / 180), 1.5);
    const sr = Math.hypot(sg, (0.7 - 0.65) / (4 * Math.sqrt(3))) + 0.3;
    expect(m.cov[0]).toBeCloseTo(sr * sr, 6);
    const noCurb = measureTrack(t, model, cam, IDENTITY_POSE, { ...flat, sidewalkHeightStdM: 0 })!;
    expect(noCurb.cov[0]).toBeLessThan(m.cov[0] * 0.6);
    // The default ('mixed') combines both cues for a pedestrian (sidewalks stand above the road plane).
    const byDefault = measureTrack(t, model, cam, IDENTITY_POSE)!;
    expect(byDefault.method).toBe('combined');
    expect(byDefault.position[0]).toBeCloseTo(1 + 15 + (0.7 + 0.65) / 4, 9);
    // On a 0.15 m curb the same person's feet are 72 px below the horizon instead of 80: flat ground says
    // 800·1.5/72 = 16.7 m, the height (still 93.3 px) 15 m; the default lands between, the flat-ground cue alone
    // at 16.7 m.
    const curb = { ...t, box: { ...t.box, y1: t.box.y1 - 8, y2: 432 } };
    const onCurb = measureTrack(curb, model, cam, IDENTITY_POSE)!.position[0] - 1 - (0.7 + 0.65) / 4;
    expect(onCurb).toBeGreaterThan(15.2);
    expect(onCurb).toBeLessThan(16.4);
    expect(
      measureTrack(curb, model, cam, IDENTITY_POSE, flat)!.position[0] - 1 - (0.7 + 0.65) / 4,
    ).toBeCloseTo((800 * 1.5) / 72, 6);
    const far = measureTrack(
      { ...t, box: { x1: 630, y1: 350, x2: 650, y2: 380 } },
      model,
      cam,
      IDENTITY_POSE,
      flat,
    )!;
    expect(far.cov[0]).toBeGreaterThan(m.cov[0] * 4);
    // Above the horizon: the class height prior gives the depth (1.75 m tall at 70 px → 20 m).
    const high = measureTrack(
      { ...t, box: { x1: 600, y1: 280, x2: 620, y2: 350 } },
      model,
      cam,
      IDENTITY_POSE,
    )!;
    expect(high.method).toBe('height');
    expect(high.position[0]).toBeCloseTo(1 + 20 + (0.7 + 0.65) / 4, 2);
  });

  it("with rangeCue 'combined', weighs the flat-ground and height-prior ranges by their variances", () => {
    const model = pinholeModel([800, 0, 640, 0, 800, 360, 0, 0, 1], 1280, 720);
    const cam = mount('c', 0) as Pose;
    const combined = { ...DEFAULT_MEASURE, rangeCue: 'combined' as const };
    const off = (4.6 + 1.95) / 4;
    // The module doc's σ of each cue (σ_v 2 px, σ_θ 0.5°, k_h 0.2, camera height 1.5 m), at the cue's own range.
    const sigmaGround = (r: number) =>
      ((r * r + 1.5 * 1.5) / 1.5) * Math.hypot(2 / 800, (0.5 * Math.PI) / 180);
    const sigmaHeight = (r: number, hPx: number) => r * Math.hypot(0.2, (Math.SQRT2 * 2) / hPx);
    // A car whose box bottom says 15 m (80 px below the horizon) but whose height (1.7 m prior, 68 px) says 20 m:
    // the combined range lies between, nearer the flat-ground one (the more certain at 15 m).
    const box = (bottomPx: number, hPx: number) => ({
      x1: 600,
      y1: 360 + bottomPx - hPx,
      x2: 700,
      y2: 360 + bottomPx,
    });
    const near: Track2D = { ...track('c', 1, box(80, 68)), cls: 'car' };
    const mn = measureTrack(near, model, cam, IDENTITY_POSE, combined)!;
    expect(mn.method).toBe('combined');
    const wg = 1 / sigmaGround(15) ** 2;
    const wh = 1 / sigmaHeight(20, 68) ** 2;
    const rn = (15 * wg + 20 * wh) / (wg + wh);
    expect(rn).toBeGreaterThan(15.3);
    expect(rn).toBeLessThan(16);
    expect(mn.position[0]).toBeCloseTo(1 + rn + off, 2); // the box centre is 10 px right of the axis
    // Its radial variance is below what either cue alone would give.
    const ground = measureTrack(near, model, cam, IDENTITY_POSE)!; // the default, 'mixed': a car takes the ground
    expect(ground.method).toBe('ground');
    expect(ground.position[0]).toBeCloseTo(1 + 15 + off, 2);
    // … with the plain flat-ground σ (no curb term for a car: it would add 1.5 m), then the footprint spread and
    // the 0.3 m floor.
    const srCar = Math.hypot(sigmaGround(15), (4.6 - 1.95) / (4 * Math.sqrt(3))) + 0.3;
    expect(ground.cov[0]).toBeCloseTo(srCar * srCar, 2); // the box is 10 px off axis: r_b is not quite 15 m
    expect(mn.cov[0]).toBeLessThan(ground.cov[0]);
    // Far away (ground 50 m at 24 px, height 40 m at 34 px) the height prior weighs more than the ground.
    const far = measureTrack({ ...near, box: box(24, 34) }, model, cam, IDENTITY_POSE, combined)!;
    const rf = far.position[0] - 1 - off;
    expect(rf).toBeGreaterThan(40);
    expect(rf).toBeLessThan(45);
    // A box cut at the image top has no usable height: the flat-ground range alone.
    const cutTop = measureTrack(
      { ...near, box: { x1: 600, y1: 0, x2: 700, y2: 440 } },
      model,
      cam,
      IDENTITY_POSE,
      combined,
    )!;
    expect(cutTop.method).toBe('ground');
  });
});

describe('fuse stage', () => {
  it('keeps one id as an object crosses from one camera to the next, with sane position and velocity', async () => {
    const stage = createFuseStage();
    const ego = egoPose(0, 0, 0);
    const ids = new Set<number>();
    let last: ReturnType<typeof rigResult> | undefined;
    let bothSeen = 0;
    for (let k = 0; k < 50; k++) {
      const y = -3 + 0.5 * k; // 5 m/s to the left, 15 m ahead
      const box = car(15, y);
      const tracks = new Map<string, Track2D[]>();
      const bf = seen(box, ego, front.mount);
      const bl = seen(box, ego, left.mount);
      // A box cut by the image side is not a usable measurement; a detector would see it partially.
      if (bf && bf.x1 > 0 && bf.x2 < 1280) tracks.set('cam_front', [track('cam_front', 7, bf)]);
      if (bl && bl.x1 > 0 && bl.x2 < 1280) tracks.set('cam_left', [track('cam_left', 3, bl)]);
      if (tracks.size === 2) bothSeen++;
      const r = rigResult(k, BigInt(k) * NS, [front, left], ego, tracks);
      await stage.process([r]);
      if (k >= 1) {
        expect(r.objects).toHaveLength(1);
        const o = r.objects![0]!;
        ids.add(o.id);
        expect(Math.hypot(o.box.center[0] - 15, o.box.center[1] - y)).toBeLessThan(1.5);
      }
      last = r;
    }
    expect(bothSeen).toBeGreaterThan(0); // the views overlap for a while
    expect(ids.size).toBe(1);
    const o = last!.objects![0]!;
    expect(o.velocity[1]).toBeCloseTo(5, 0);
    expect(Math.abs(o.velocity[0])).toBeLessThan(1);
    expect(o.box.yaw).toBeCloseTo(Math.PI / 2, 1);
    expect(o.sources).toEqual([{ cameraId: 'cam_left', trackId: 3 }]);
    expect(o.frameId).toBe('odom');
  });

  it('keeps the id through a short gap, and a static object stays put while the ego drives (ego motion from /tf)', async () => {
    const stage = createFuseStage();
    const ids = new Set<number>();
    for (let k = 0; k < 30; k++) {
      const ego = egoPose(1.0 * k, 0, 0); // 10 m/s forward
      const box = car(40, 2, 0);
      const tracks = new Map<string, Track2D[]>();
      const gap = k >= 10 && k < 16; // 0.6 s without detections; the 2D track comes back with a new id
      const b = seen(box, ego, front.mount);
      if (!gap && b) tracks.set('cam_front', [track('cam_front', k < 10 ? 1 : 2, b)]);
      const r = rigResult(k, BigInt(k) * NS, [front], ego, tracks);
      await stage.process([r]);
      for (const o of r.objects ?? []) {
        ids.add(o.id);
        if (k > 5) {
          expect(Math.hypot(o.box.center[0] - 40, o.box.center[1] - 2)).toBeLessThan(2);
          expect(Math.hypot(o.velocity[0], o.velocity[1])).toBeLessThan(1.5);
        }
      }
    }
    expect(ids.size).toBe(1);
  });

  it('fuses an object seen by two overlapping cameras into one, and skips an uncalibrated camera with an issue', async () => {
    const stage = createFuseStage();
    const ego = egoPose(0, 0, 0);
    const box = car(20, 8, 0); // bearing 22°: in both views
    const tracks = new Map([
      ['cam_front', [track('cam_front', 1, seen(box, ego, front.mount)!)]],
      ['cam_left', [track('cam_left', 1, seen(box, ego, left.mount)!)]],
    ]);
    const r0 = rigResult(0, 0n, [front, left], ego, tracks);
    const r1 = rigResult(1, NS, [front, left], ego, tracks);
    await stage.process([r0, r1]);
    expect(r1.objects).toHaveLength(1);
    expect(r1.objects![0]!.sources).toHaveLength(2);
    const bad = rigResult(2, 2n * NS, [front, { ...left, calibrated: false }], ego, tracks);
    await stage.process([bad]);
    expect(bad.issues).toEqual([
      { cameraId: 'cam_left', kind: 'uncalibrated', message: 'no calibration: tracks not fused' },
    ]);
    expect(bad.objects).toHaveLength(1);
  });
});
