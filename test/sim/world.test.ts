import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mountRotation, matToQuat, distortPoint, undistortPoint } from '../../src/sim/rig.ts';
import { buildRig } from '../../src/sim/rig.ts';
import { type MapSpec, Rig, type Vec2 } from '../../src/sim/scenario/schema.ts';
import { footprintOnRoad, onAsphalt } from '../../src/sim/world/roads.ts';
import { rectsOverlap } from '../../src/sim/scenario/spawns.ts';
import {
  integrateMotion,
  lateralOffset,
  MOTION_DT_S,
  profileSpeed,
  sampleMotion,
} from '../../src/sim/world/motion.ts';
import { buildPath, pathAt } from '../../src/sim/world/path.ts';
import { createRng, hash32 } from '../../src/sim/rng.ts';

const pt = fc.tuple(
  fc.double({ min: -200, max: 200, noNaN: true }),
  fc.double({ min: -200, max: 200, noNaN: true }),
);

describe('paths', () => {
  it('are continuous in arc length and start/end at the route ends', () => {
    fc.assert(
      fc.property(
        fc.array(pt, { minLength: 2, maxLength: 6 }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (pts, radius) => {
          const path = buildPath(pts, radius);
          if (path.length === 0) return;
          const a = pathAt(path, 0);
          expect(Math.hypot(a.x - pts[0]![0], a.y - pts[0]![1])).toBeLessThan(1e-6);
          const last = pts[pts.length - 1]!;
          const z = pathAt(path, path.length);
          expect(Math.hypot(z.x - last[0], z.y - last[1])).toBeLessThan(1e-6 * (1 + path.length));
          // Moving ds along the path moves at most ds in the plane (1-Lipschitz), so no jumps at joints.
          // Stepped by index: for a path of subnormal length (fast-check tries points 1e-323 apart) length / 200
          // underflows to 0, and `s += ds` would never end.
          const ds = path.length / 200;
          for (let k = 0; k < 200; k++) {
            const s = (k * path.length) / 200;
            const p = pathAt(path, s);
            const q = pathAt(path, s + ds);
            expect(Math.hypot(q.x - p.x, q.y - p.y)).toBeLessThanOrEqual(ds * (1 + 1e-6) + 1e-9);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('round corners at the requested radius (curvature 1/r on the arc)', () => {
    const path = buildPath(
      [
        [0, 0],
        [50, 0],
        [50, 50],
      ],
      8,
    );
    expect(path.length).toBeCloseTo(50 - 8 + (Math.PI / 2) * 8 + 50 - 8, 6);
    expect(pathAt(path, 45).curvature).toBeCloseTo(1 / 8, 9);
    expect(pathAt(path, 10).curvature).toBe(0);
  });
});

describe('motion', () => {
  it('arc length never decreases, speed stays within the profile range, acceleration within limits', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 20, noNaN: true })),
          { minLength: 1, maxLength: 5 },
        ),
        (raw) => {
          const profile = [...raw]
            .sort((a, b) => a[0] - b[0])
            .filter((p, i, arr) => i === 0 || p[0] > arr[i - 1]![0]);
          const path = buildPath(
            [
              [0, 0],
              [300, 0],
            ],
            0,
          );
          const m = integrateMotion({
            path,
            speed: profile,
            behaviours: [],
            start: 0,
            duration: 10,
            limits: { accel: 3, decel: 6 },
            halfLength: 2,
          });
          const vmax = Math.max(...profile.map((p) => p[1]));
          for (let i = 1; i < m.s.length; i++) {
            expect(m.s[i]!).toBeGreaterThanOrEqual(m.s[i - 1]!);
            expect(m.v[i]!).toBeLessThanOrEqual(vmax + 1e-9);
            if (i > 1) expect(Math.abs(m.v[i]! - m.v[i - 1]!) / MOTION_DT_S).toBeLessThanOrEqual(6 + 1e-6);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('stop behaviour brings the actor to rest and it resumes after', () => {
    const path = buildPath(
      [
        [0, 0],
        [300, 0],
      ],
      0,
    );
    const m = integrateMotion({
      path,
      speed: 10,
      behaviours: [{ type: 'stop', at: 2, duration: 3 }],
      start: 0,
      duration: 10,
      limits: { accel: 3, decel: 6 },
      halfLength: 2,
    });
    expect(sampleMotion(m, 1).v).toBeCloseTo(10, 9);
    expect(sampleMotion(m, 4.5).v).toBe(0);
    expect(sampleMotion(m, 9.9).v).toBeGreaterThan(9);
    expect(
      profileSpeed(
        [
          [0, 0],
          [2, 10],
        ],
        1,
      ),
    ).toBe(5);
  });

  it('cut_in offset is a smoothstep from 0 to the full offset', () => {
    const b = [{ type: 'cut_in' as const, at: 1, duration: 2, offset: -3.5 }];
    expect(lateralOffset(b, 0.5).lat).toBe(0);
    expect(lateralOffset(b, 2).lat).toBeCloseTo(-1.75, 12);
    expect(lateralOffset(b, 3.5).lat).toBe(-3.5);
    expect(lateralOffset(b, 3.5).rate).toBe(0);
  });
});

describe('rig', () => {
  it('default rig: six cameras whose horizontal views overlap all the way round', () => {
    const cams = buildRig(Rig.parse({}));
    expect(cams.map((c) => c.id)).toEqual([
      'cam_front',
      'cam_front_left',
      'cam_front_right',
      'cam_back',
      'cam_back_left',
      'cam_back_right',
    ]);
    // Yaw of each optical axis and its half field of view; sorted around the circle, neighbours must overlap.
    const spans = cams
      .map((c) => ({ yaw: Math.atan2(c.R[5]!, c.R[2]!), half: Math.atan(c.cx / c.fx) }))
      .sort((a, b) => a.yaw - b.yaw);
    for (let i = 0; i < spans.length; i++) {
      const a = spans[i]!;
      const b = spans[(i + 1) % spans.length]!;
      let gap = b.yaw - a.yaw;
      if (gap <= 0) gap += 2 * Math.PI;
      expect(gap).toBeLessThan(a.half + b.half);
    }
  });

  it('mount rotations are orthonormal and their quaternions are unit and reproduce them', () => {
    const ang = fc.double({ min: -Math.PI, max: Math.PI, noNaN: true });
    fc.assert(
      fc.property(ang, ang, ang, (y, p, r) => {
        const R = mountRotation(y, p, r);
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            const dot = R[i]! * R[j]! + R[3 + i]! * R[3 + j]! + R[6 + i]! * R[6 + j]!;
            expect(dot).toBeCloseTo(i === j ? 1 : 0, 9);
          }
        const [x, yq, z, w] = matToQuat(R);
        expect(Math.hypot(x, yq, z, w)).toBeCloseTo(1, 9);
        // Rotation of the quaternion applied to e_x equals the first column of R.
        expect(1 - 2 * (yq * yq + z * z)).toBeCloseTo(R[0]!, 9);
        expect(2 * (x * yq + z * w)).toBeCloseTo(R[3]!, 9);
        expect(2 * (x * z - yq * w)).toBeCloseTo(R[6]!, 9);
      }),
      { numRuns: 100 },
    );
  });

  it('undistortion inverts plumb_bob distortion', () => {
    const D = [-0.2, 0.05, 0.001, -0.001, 0];
    fc.assert(
      fc.property(
        fc.double({ min: -0.6, max: 0.6, noNaN: true }),
        fc.double({ min: -0.4, max: 0.4, noNaN: true }),
        (x, y) => {
          const [xd, yd] = distortPoint(D, x, y);
          const [xu, yu] = undistortPoint(D, xd, yd);
          expect(Math.hypot(xu - x, yu - y)).toBeLessThan(1e-6);
        },
      ),
    );
  });
});

describe('helpers', () => {
  it('rectangle overlap is symmetric and detects containment', () => {
    const r = fc.tuple(
      pt,
      fc.double({ min: -4, max: 4, noNaN: true }),
      fc.double({ min: 0.1, max: 5, noNaN: true }),
      fc.double({ min: 0.1, max: 5, noNaN: true }),
    );
    fc.assert(
      fc.property(r, r, ([[x, y], yaw, l, w], [[x2, y2], yaw2, l2, w2]) => {
        const a = [x, y, yaw, l, w];
        const b = [x2, y2, yaw2, l2, w2];
        expect(rectsOverlap(a, b)).toBe(rectsOverlap(b, a));
        expect(rectsOverlap(a, [x, y, yaw2, l2, w2])).toBe(true);
        if (Math.hypot(x - x2, y - y2) > Math.hypot(l, w) + Math.hypot(l2, w2))
          expect(rectsOverlap(a, b)).toBe(false);
      }),
    );
  });

  it('seeded generators repeat exactly and differ across seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(createRng(8).next()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
  });
});

describe('footprintOnRoad', () => {
  const map = {
    roads: [
      {
        id: 'r',
        points: [
          [0, 0],
          [60, 0],
          [60, 40],
        ],
        lanes: 2,
        laneWidth: 3.5,
        sidewalk: 2,
        oneWay: false,
      },
    ],
    crossings: [],
    objects: [],
    scenery: 'none',
  } as unknown as MapSpec;

  it('says whether any point of a rotated rectangle lies on the asphalt, as sampling its area does', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -20, max: 80, noNaN: true }),
        fc.double({ min: -20, max: 60, noNaN: true }),
        fc.double({ min: 0.5, max: 30, noNaN: true }),
        fc.double({ min: 0.5, max: 30, noNaN: true }),
        fc.double({ min: 0, max: Math.PI, noNaN: true }),
        (x, y, l, w, yaw) => {
          const c = Math.cos(yaw);
          const sn = Math.sin(yaw);
          const at = (u: number, v: number): Vec2 => [x + u * c - v * sn, y + u * sn + v * c];
          const corners = [at(l / 2, w / 2), at(-l / 2, w / 2), at(-l / 2, -w / 2), at(l / 2, -w / 2)];
          const n = 24;
          const samples: Vec2[] = [];
          for (let i = 0; i <= n; i++)
            for (let j = 0; j <= n; j++) samples.push(at(l * (i / n - 0.5), w * (j / n - 0.5)));
          const step = Math.hypot(l, w) / n;
          const got = footprintOnRoad(map, corners, 'asphalt') !== undefined;
          // Into it: some sample inside the asphalt (not on its edge: flush is beside) → true; none within a
          // sample step of it → false.
          if (samples.some(([px, py]) => onAsphalt(map, px, py, -1e-9))) expect(got).toBe(true);
          if (!samples.some(([px, py]) => onAsphalt(map, px, py, step))) expect(got).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
