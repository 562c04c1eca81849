/**
 * Odd calibrations and transforms as real recordings carry them: non-finite intrinsics, NaN poses, a self
 * transform. Fusion must skip what it cannot use (with an issue) and never write a non-finite object.
 */
import { describe, expect, it } from 'vitest';
import type { Box3D, Transform } from '../../src/contracts/geometry.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import type { WorldObject } from '../../src/contracts/perception.ts';
import type { GroundMeasurement } from '../../src/fuse/measure.ts';
import { createFuseStage } from '../../src/fuse/stage.ts';
import { createWorldTracker } from '../../src/fuse/worldTracker.ts';
import { cameraModel } from '../../src/geometry/camera.ts';
import { TransformTree, usableTransform } from '../../src/geometry/TransformTree.ts';
import { calibration, egoPose, mount, rigResult, seen, track } from './rig.ts';

const NS = 100_000_000n;
const front = { id: 'cam_front', mount: mount('cam_front', 0) };
const car: Box3D = { center: [20, 1, 0.85], size: [4.6, 1.95, 1.7], yaw: 0 };

const finite = (o: WorldObject) =>
  [...o.box.center, o.box.yaw, ...o.velocity, ...o.positionCovariance].every(Number.isFinite);

describe('fusion with non-finite transforms', () => {
  it('a NaN in one frame’s ego pose neither poisons the objects nor is fused', async () => {
    const stage = createFuseStage();
    const ego = egoPose(0, 0, 0);
    const tracks = new Map([['cam_front', [track('cam_front', 1, seen(car, ego, front.mount)!)]]]);
    const frames = Array.from({ length: 8 }, (_, i) => {
      const pose: Transform = i === 4 ? { ...ego, translation: [Number.NaN, 0, 0] } : ego;
      return rigResult(i, BigInt(i) * NS, [front], pose, tracks);
    });
    await stage.process(frames);
    for (const f of frames) {
      expect(f.objects!.every(finite)).toBe(true);
      expect(f.objects!.length).toBe(f.rig.seq === 0 ? 0 : 1);
    }
    expect(new Set(frames.flatMap((f) => f.objects!.map((o) => o.id)))).toEqual(new Set([1]));
    expect(frames[4]!.issues.map((i) => i.kind)).toEqual(['no-ego-pose']);
  });

  it('no world frame in /tf: objects about the vehicle, labelled in its frame, and where its tree tops out said', async () => {
    const ego = egoPose(0, 0, 0);
    const tracks = new Map([['cam_front', [track('cam_front', 1, seen(car, ego, front.mount)!)]]]);
    const run = async (pose: Transform, worldFrame?: string) => {
      const stage = createFuseStage(worldFrame ? { worldFrame } : {});
      const frames = [0, 1, 2].map((i) => rigResult(i, BigInt(i) * NS, [front], pose, tracks));
      await stage.process(frames);
      return { frames, describe: stage.describe!() };
    };
    // A bag's map → base_link.
    const map = await run({ ...ego, parent: 'map' });
    expect(map.frames[2]!.objects!.map((o) => o.frameId)).toEqual(['base_link']);
    expect(map.frames[2]!.issues[0]!.message).toBe(
      'no transform odom → base_link: objects placed as if the ego were at the origin (base_link is under map in /tf)',
    );
    expect(map.describe.groundFrameRoots).toEqual(['map']);
    // Named: fused in it, as odom is.
    const named = await run({ ...ego, parent: 'map' }, 'map');
    expect(named.frames[2]!.objects!.map((o) => o.frameId)).toEqual(['map']);
    expect(named.frames.flatMap((f) => f.issues)).toEqual([]);
    expect(named.describe.groundFrameRoots).toBeUndefined();
    expect(named.frames[2]!.objects![0]!.box.center).toEqual(map.frames[2]!.objects![0]!.box.center);
    // A fixed camera: base_link has no parent.
    const fixed = await run({ ...ego, parent: 'elsewhere', child: 'unrelated' });
    expect(fixed.frames[2]!.objects!.map((o) => o.frameId)).toEqual(['base_link']);
    expect(fixed.describe.groundFrameRoots).toEqual(['base_link']);
    // /tf starting after the images: the first frames without a pose, then odom as usual (not called a fixed camera).
    const stage = createFuseStage();
    const late = [0, 1, 2, 3].map((i) =>
      rigResult(i, BigInt(i) * NS, [front], i < 2 ? { ...ego, parent: 'x', child: 'y' } : ego, tracks),
    );
    await stage.process(late);
    expect(late[3]!.objects!.map((o) => o.frameId)).toEqual(['odom']);
    expect(stage.describe!()).toMatchObject({ lateEgoPoseFeeds: 1 });
    expect(stage.describe!().groundFrameRoots).toBeUndefined();
  });

  it('a camera mount with an infinite value is skipped with an issue', async () => {
    const stage = createFuseStage();
    const ego = egoPose(0, 0, 0);
    const tracks = new Map([['cam_front', [track('cam_front', 1, seen(car, ego, front.mount)!)]]]);
    const bad = { id: 'cam_front', mount: { ...front.mount, rotation: [0, Number.POSITIVE_INFINITY, 0, 1] } };
    const r = rigResult(0, 0n, [bad as typeof front], ego, tracks);
    await stage.process([r]);
    expect(r.issues.map((i) => i.kind)).toEqual(['no-transform']);
    expect(stage.describe!().measurements).toBe(0);
  });

  it('the world tracker ignores a measurement with a non-finite position or covariance', () => {
    const tracker = createWorldTracker();
    const m = (x: number, cov: GroundMeasurement['cov'] = [1, 0, 0, 1]): GroundMeasurement => ({
      cameraId: 'c',
      trackId: 1,
      cls: 'car',
      score: 0.9,
      position: [x, 0, 0],
      cov,
      rangeM: 20,
      method: 'ground',
    });
    tracker.update([m(20)], 0n);
    expect(tracker.update([m(20)], NS)).toHaveLength(1);
    for (const [i, bad] of [
      m(Number.NaN),
      m(20, [Number.NaN, 0, 0, 1]),
      m(20, [Number.POSITIVE_INFINITY, 0, 0, 1]),
    ].entries()) {
      const out = tracker.update([bad, { ...m(Number.NaN), trackId: 2 }], BigInt(i + 2) * NS);
      expect(out).toHaveLength(1);
      expect(out.every(finite)).toBe(true);
    }
    expect(tracker.size).toBe(1);
  });
});

describe('calibrations with non-finite values', () => {
  const cases: [string, (k: number[], d: number[]) => void][] = [
    [
      'fx = Infinity',
      (k) => {
        k[0] = Number.POSITIVE_INFINITY;
      },
    ],
    [
      'cx = NaN',
      (k) => {
        k[2] = Number.NaN;
      },
    ],
    [
      'cy = -Infinity',
      (k) => {
        k[5] = Number.NEGATIVE_INFINITY;
      },
    ],
    [
      'skew = NaN',
      (k) => {
        k[1] = Number.NaN;
      },
    ],
    [
      'k1 = NaN',
      (_k, d) => {
        d[0] = Number.NaN;
      },
    ],
    [
      'p2 = Infinity',
      (_k, d) => {
        d[3] = Number.POSITIVE_INFINITY;
      },
    ],
  ];
  for (const [name, spoil] of cases) {
    it(`${name}: cameraModel refuses it, fusion skips the camera with a bad-calibration issue`, async () => {
      const cal = calibration('cam_front');
      cal.K = [...cal.K];
      cal.D = [0.01, 0, 0, 0, 0];
      spoil(cal.K, cal.D);
      expect(() => cameraModel(cal)).toThrow(ConfigError);
      expect(() => cameraModel(cal)).toThrow(/cam_front/);
      const stage = createFuseStage();
      const ego = egoPose(0, 0, 0);
      const tracks = new Map([['cam_front', [track('cam_front', 1, seen(car, ego, front.mount)!)]]]);
      const r = rigResult(0, 0n, [front], ego, tracks);
      r.rig.frames[0]!.calibration = cal;
      await stage.process([r]);
      expect(r.issues.map((i) => i.kind)).toEqual(['bad-calibration']);
    });
  }
});

describe('TransformTree with odd edges', () => {
  const ego = egoPose(5, 0, 0);
  it('a self transform (base_link → base_link) does not displace the frame’s parent', () => {
    const tree = new TransformTree([ego, { ...ego, parent: 'base_link', child: 'base_link' }]);
    expect(tree.lookup('odom', 'base_link')?.translation).toEqual([5, 0, 0]);
  });
  it('a transform with an empty frame name does not displace the frame’s parent', () => {
    const tree = new TransformTree([ego, { ...ego, parent: '', child: 'base_link' }]);
    expect(tree.lookup('odom', 'base_link')?.translation).toEqual([5, 0, 0]);
  });
  it('a non-finite transform is not an edge: lookups through it give null, never NaN', () => {
    const tree = new TransformTree([{ ...ego, translation: [Number.NaN, 0, 0] }, mount('cam', 0)]);
    expect(tree.lookup('odom', 'base_link')).toBeNull();
    expect(tree.lookup('odom', 'cam')).toBeNull();
    expect(tree.lookup('base_link', 'cam')).not.toBeNull();
  });
  it('a rotation that is not a unit quaternion (all zero, or scaled) is refused, as tf2 refuses it', () => {
    for (const rotation of [
      [0, 0, 0, 0],
      [0, 0, 0, 2],
      [0, 0, 0.1, 0.9],
    ] as [number, number, number, number][]) {
      expect(usableTransform({ ...ego, rotation })).toBe(false);
      expect(new TransformTree([{ ...ego, rotation }]).lookup('odom', 'base_link')).toBeNull();
    }
    // float32 rounding of a unit quaternion is not refused.
    expect(
      usableTransform({ ...ego, rotation: [0, 0, Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2)] }),
    ).toBe(true);
  });
});
