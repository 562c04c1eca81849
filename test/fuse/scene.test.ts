import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorldObject } from '../../src/contracts/perception.ts';
import { createTrails, objectsToSceneUpdate } from '../../src/fuse/scene.ts';
import { mahalanobis2, worldInitiate, worldPredict, worldUpdate } from '../../src/fuse/worldKalman.ts';

const obj = (id: number, x: number, vx: number): WorldObject => ({
  id,
  cls: 'car',
  frameId: 'odom',
  box: { center: [x, 2, 0.85], size: [4.6, 1.95, 1.7], yaw: 0.3 },
  velocity: [vx, 0, 0],
  positionCovariance: [1, 0, 0, 1],
  sources: [{ cameraId: 'cam_front', trackId: 3 }],
});

describe('objectsToSceneUpdate', () => {
  it('renders cubes, labels, velocity arrows and trails, replacing earlier entities', () => {
    const trails = createTrails(3);
    trails.push([obj(1, 10, 5)]);
    trails.push([obj(1, 10.5, 5)]);
    const t = trails.push([obj(1, 11, 5), obj(2, 30, 0)]);
    expect(t.get(1)).toHaveLength(3);
    const u = objectsToSceneUpdate([obj(1, 11, 5), obj(2, 30, 0)], 2_000_000_001n, t);
    expect(u.deletions).toHaveLength(1);
    expect(u.entities.map((e) => e.id)).toEqual(['object/1', 'object/2']);
    const e = u.entities[0]!;
    expect(e.frame_id).toBe('odom');
    expect(e.timestamp).toEqual({ sec: 2, nsec: 1 });
    expect(e.cubes[0]!.size).toEqual({ x: 4.6, y: 1.95, z: 1.7 });
    expect(e.cubes[0]!.pose.orientation.z).toBeCloseTo(Math.sin(0.15), 12);
    expect(e.arrows[0]!.shaft_length).toBe(5);
    expect(e.texts[0]!.text).toBe('#1 car 5.0 m/s');
    expect(e.lines[0]!.points.map((p) => p.x)).toEqual([10, 10.5, 11]);
    expect(u.entities[1]!.arrows).toEqual([]); // static: no arrow
    trails.push([obj(2, 30, 0)]);
    expect(t.has(1)).toBe(false); // forgotten once gone
  });
});

describe('world Kalman filter', () => {
  it('predicts and updates by hand', () => {
    const s = worldInitiate([0, 0], [1, 0, 0, 1], 2);
    const p = worldPredict(s, 0.5, 0); // no process noise: P = F P Fᵀ
    expect(p.P[0]).toBeCloseTo(1 + 0.25 * 4, 12);
    expect(p.P[2]).toBeCloseTo(0.5 * 4, 12);
    const u = worldUpdate(p, [2, 0], [2, 0, 0, 2]); // K_x = 2 / (2 + 2)
    expect(u.x[0]).toBeCloseTo(1, 12);
    expect(u.x[2]).toBeCloseTo((2 * 2) / 4, 12); // P_vx,x / S · ν
    expect(mahalanobis2([2, 0], [4, 0, 0, 4])).toBe(1);
  });

  it('converges to a constant velocity from noisy-free positions (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -20, max: 20, noNaN: true }),
        fc.double({ min: -20, max: 20, noNaN: true }),
        (vx, vy) => {
          let s = worldInitiate([0, 0], [0.25, 0, 0, 0.25], 5);
          for (let k = 1; k <= 40; k++) {
            s = worldPredict(s, 0.1, 1);
            s = worldUpdate(s, [vx * 0.1 * k, vy * 0.1 * k], [0.25, 0, 0, 0.25]);
          }
          expect(s.x[2]).toBeCloseTo(vx, 0);
          expect(s.x[3]).toBeCloseTo(vy, 0);
          expect(s.P[1]).toBeCloseTo(s.P[4]!, 12);
        },
      ),
      { numRuns: 50, seed: 11 },
    );
  });
});
