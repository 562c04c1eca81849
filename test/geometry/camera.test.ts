import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Calibration } from '../../src/contracts/camera.ts';
import { cameraModel, pinholeModel, projectPoint, unprojectPixel } from '../../src/geometry/camera.ts';
import { backProjectToGround } from '../../src/geometry/ground.ts';
import { projectBox3D } from '../../src/geometry/box3d.ts';
import { IDENTITY_POSE, mat3ToQuat, type Pose } from '../../src/geometry/quat.ts';

const K = [1000, 0, 800, 0, 1000, 450, 0, 0, 1];
const calib = (D: number[], distortionModel = 'plumb_bob'): Calibration => ({
  frameId: 'cam',
  width: 1600,
  height: 900,
  distortionModel,
  D,
  K,
  R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  P: [1000, 0, 800, 0, 0, 1000, 450, 0, 0, 0, 1, 0],
});

describe('pinhole + plumb_bob camera', () => {
  it('projects closed-form points and rejects points behind', () => {
    const m = cameraModel(calib([0, 0, 0, 0, 0]));
    expect(projectPoint(m, [0, 0, 10])).toEqual([800, 450]);
    expect(projectPoint(m, [1, -0.5, 10])).toEqual([900, 400]);
    expect(projectPoint(m, [1, 1, -1])).toBeNull();
    expect(unprojectPixel(m, 900, 400)).toEqual([0.1, -0.05, 1]);
  });

  it('applies k1 radially: r² = 0.01, k1 = −0.2 → scale 0.998', () => {
    const m = cameraModel(calib([-0.2, 0, 0, 0, 0]));
    const uv = projectPoint(m, [1, 0, 10])!;
    expect(uv[0]).toBeCloseTo(800 + 100 * 0.998, 9);
    expect(uv[1]).toBeCloseTo(450, 12);
  });

  it('unproject ∘ project is the identity within the image (property)', () => {
    const D = fc.tuple(
      fc.double({ min: -0.3, max: 0.1, noNaN: true }),
      fc.double({ min: -0.05, max: 0.05, noNaN: true }),
      fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
      fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
      fc.double({ min: -0.01, max: 0.01, noNaN: true }),
    );
    const pt = fc.tuple(
      fc.double({ min: -0.6, max: 0.6, noNaN: true }),
      fc.double({ min: -0.35, max: 0.35, noNaN: true }),
    );
    fc.assert(
      fc.property(D, pt, (d, [x, y]) => {
        const m = cameraModel(calib(d));
        const uv = projectPoint(m, [x * 7, y * 7, 7])!;
        const r = unprojectPixel(m, uv[0], uv[1]);
        expect(r[0]).toBeCloseTo(x, 6);
        expect(r[1]).toBeCloseTo(y, 6);
      }),
      { numRuns: 200, seed: 8 },
    );
  });

  it('rejects unsupported distortion models with a ConfigError', () => {
    expect(() => cameraModel(calib([0.1, 0, 0, 0], 'equidistant'))).toThrow(
      /unsupported distortion model 'equidistant'/,
    );
    expect(() => cameraModel(calib([], ''))).not.toThrow();
  });
});

// Camera 1.5 m above the ground looking along +x of a FLU ground frame.
const groundFromCam: Pose = { translation: [0, 0, 1.5], rotation: mat3ToQuat([0, 0, 1, -1, 0, 0, 0, -1, 0]) };

describe('ground-plane back-projection', () => {
  const m = pinholeModel(K, 1600, 900);

  it('meets the ground at the closed-form range: d = f·h / (v − cy)', () => {
    const hit = backProjectToGround(m, groundFromCam, [800, 450 + 100])!;
    expect(hit.point[0]).toBeCloseTo(15, 9); // 1000 · 1.5 / 100
    expect(hit.point[1]).toBeCloseTo(0, 9);
    expect(hit.point[2]).toBe(0);
    const left = backProjectToGround(m, groundFromCam, [700, 550])!;
    expect(left.point[1]).toBeCloseTo(1.5, 9); // 100 px left at 15 m = 1.5 m
    expect(backProjectToGround(m, groundFromCam, [800, 400])).toBeNull(); // above the horizon
    expect(backProjectToGround(m, groundFromCam, [800, 450])).toBeNull(); // on it
  });

  it('inverts projection for ground points (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 3, max: 80, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        (x, y) => {
          // ground point → camera → pixel → back to the ground
          const pc: [number, number, number] = [-y, 1.5, x]; // optical: right = −y, down = height, forward = x
          const uv = projectPoint(m, pc)!;
          const hit = backProjectToGround(m, groundFromCam, uv)!;
          expect(hit.point[0]).toBeCloseTo(x, 6);
          expect(hit.point[1]).toBeCloseTo(y, 6);
        },
      ),
      { numRuns: 100, seed: 9 },
    );
  });
});

describe('projectBox3D', () => {
  const m = pinholeModel(K, 1600, 900);
  const camFromBox = IDENTITY_POSE; // box given in the camera frame; its z axis is "up" of the box

  it('projects a box facing the camera to the closed-form rectangle', () => {
    // Box centred 10 m ahead; in optical coordinates the box "height" axis is z (depth): a 2 m deep, 2×2 m face.
    const b = projectBox3D(
      m,
      camFromBox,
      { center: [0, 0, 11], size: [2, 2, 2], yaw: 0 },
      { clipToImage: false },
    )!;
    // Nearest face at z = 10 spans ±1 m → ±100 px.
    expect(b.x1).toBeCloseTo(700, 9);
    expect(b.x2).toBeCloseTo(900, 9);
    expect(b.y1).toBeCloseTo(350, 9);
    expect(b.y2).toBeCloseTo(550, 9);
  });

  it('clips to the image and handles boxes behind or straddling the camera', () => {
    expect(projectBox3D(m, camFromBox, { center: [0, 0, -5], size: [2, 2, 2], yaw: 0 })).toBeNull();
    expect(projectBox3D(m, camFromBox, { center: [100, 0, 10], size: [2, 2, 2], yaw: 0 })).toBeNull();
    const edge = projectBox3D(m, camFromBox, { center: [8, 0, 10], size: [2, 2, 2], yaw: 0 })!;
    expect(edge.x2).toBe(1600);
    expect(edge.x1).toBeCloseTo(800 + (7 / 11) * 1000, 9);
    // Straddling the camera plane: the near-plane clip gives a finite box that reaches the image borders.
    const straddle = projectBox3D(m, camFromBox, { center: [0, 3, 0], size: [2, 2, 10], yaw: 0 })!;
    expect(straddle.y2).toBe(900);
    expect(straddle.x1).toBeGreaterThanOrEqual(0);
    // Dropping corners behind (the nuScenes converter's rule) keeps only the far face here.
    const dropped = projectBox3D(
      m,
      camFromBox,
      { center: [0, 3, 0], size: [2, 2, 10], yaw: 0 },
      { behind: 'drop' },
    )!;
    expect(dropped.y1).toBeCloseTo(450 + 400, 9); // far face at z = 5, y from 2 to 4 m → 400..800 px below cy
    expect(dropped.y2).toBe(900);
  });
});
