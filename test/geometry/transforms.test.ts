import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Quat, Vec3 } from '../../src/contracts/geometry.ts';
import {
  applyPose,
  composePose,
  invertPose,
  mat3ToQuat,
  type Pose,
  poseFromMatrix4,
  quatFromYaw,
  quatRotate,
  quatToMat3,
  yawFromQuat,
} from '../../src/geometry/quat.ts';
import { TransformTree } from '../../src/geometry/TransformTree.ts';

const num = fc.double({ min: -50, max: 50, noNaN: true });
const vec = fc.tuple(num, num, num) as fc.Arbitrary<Vec3>;
const quat = fc
  .tuple(
    fc.double({ min: -1, max: 1, noNaN: true }),
    fc.double({ min: -1, max: 1, noNaN: true }),
    fc.double({ min: -1, max: 1, noNaN: true }),
    fc.double({ min: -1, max: 1, noNaN: true }),
  )
  .filter((q) => Math.hypot(...q) > 0.1)
  .map((q) => {
    const n = Math.hypot(...q);
    return q.map((x) => x / n) as Quat;
  });
const pose = fc.record({ translation: vec, rotation: quat }) as fc.Arbitrary<Pose>;
const close = (a: readonly number[], b: readonly number[], eps = 1e-9) => {
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(eps * (1 + Math.abs(a[i]!)));
};

describe('quaternion and pose math', () => {
  it('rotates by closed-form cases', () => {
    close(quatRotate(quatFromYaw(Math.PI / 2), [1, 0, 0]), [0, 1, 0]);
    close(quatRotate([Math.SQRT1_2, 0, 0, Math.SQRT1_2], [0, 1, 0]), [0, 0, 1]); // 90° about x
    expect(yawFromQuat(quatFromYaw(2.5))).toBeCloseTo(2.5, 12);
  });

  it('invert ∘ pose = identity, compose is associative and applies right to left (property)', () => {
    fc.assert(
      fc.property(pose, pose, pose, vec, (a, b, c, p) => {
        close(applyPose(invertPose(a), applyPose(a, p)), p, 1e-9);
        close(applyPose(composePose(a, b), p), applyPose(a, applyPose(b, p)), 1e-9);
        close(
          applyPose(composePose(composePose(a, b), c), p),
          applyPose(composePose(a, composePose(b, c)), p),
          1e-9,
        );
      }),
      { numRuns: 200, seed: 1 },
    );
  });

  it('round-trips quaternion ↔ matrix and pose ↔ 4×4 (property)', () => {
    fc.assert(
      fc.property(pose, vec, (a, p) => {
        const q = mat3ToQuat(quatToMat3(a.rotation));
        close(quatRotate(q, p), quatRotate(a.rotation, p), 1e-9);
        const [r, t] = [quatToMat3(a.rotation), a.translation];
        const m = [...r.slice(0, 3), t[0], ...r.slice(3, 6), t[1], ...r.slice(6), t[2], 0, 0, 0, 1];
        close(applyPose(poseFromMatrix4(m), p), applyPose(a, p), 1e-9);
      }),
      { numRuns: 200, seed: 2 },
    );
  });
});

describe('TransformTree', () => {
  // odom → base_link (ego at (10, 5), heading 90°), base_link → cam (1.5 m ahead, 1.2 m up, optical axes).
  const camRot = mat3ToQuat([0, 0, 1, -1, 0, 0, 0, -1, 0]); // columns: optical x→-y_flu, y→-z, z→+x
  const tree = new TransformTree([
    { parent: 'odom', child: 'base_link', translation: [10, 5, 0], rotation: quatFromYaw(Math.PI / 2) },
    { parent: 'base_link', child: 'cam', translation: [1.5, 0, 1.2], rotation: camRot },
    { parent: 'base_link', child: 'lidar', translation: [0, 0, 2], rotation: [0, 0, 0, 1] },
  ]);

  it('looks up chains up, down and across (closed form)', () => {
    // A point 10 m in front of the camera on its optical axis.
    close(applyPose(tree.lookup('base_link', 'cam')!, [0, 0, 10]), [11.5, 0, 1.2]);
    close(applyPose(tree.lookup('odom', 'cam')!, [0, 0, 10]), [10, 16.5, 1.2]);
    close(applyPose(tree.lookup('cam', 'odom')!, [10, 16.5, 1.2]), [0, 0, 10]);
    close(applyPose(tree.lookup('lidar', 'cam')!, [0, 0, 10]), [11.5, 0, -0.8]);
    expect(tree.lookup('odom', 'odom')).toEqual({ translation: [0, 0, 0], rotation: [0, 0, 0, 1] });
    expect(tree.lookup('odom', 'nowhere')).toBeNull();
    expect(tree.frames()).toEqual(['base_link', 'cam', 'lidar', 'odom']);
  });

  it('agrees with explicit composition on random trees (property)', () => {
    fc.assert(
      fc.property(pose, pose, pose, vec, (ab, bc, bd, p) => {
        const t = new TransformTree([
          { parent: 'a', child: 'b', ...ab },
          { parent: 'b', child: 'c', ...bc },
          { parent: 'b', child: 'd', ...bd },
        ]);
        close(applyPose(t.lookup('a', 'c')!, p), applyPose(ab, applyPose(bc, p)), 1e-8);
        close(applyPose(t.lookup('d', 'c')!, p), applyPose(invertPose(bd), applyPose(bc, p)), 1e-8);
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});
