import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { viewFor } from '../../src/sim/render/camera.ts';
import { createRenderer } from '../../src/sim/render/renderer.ts';
import { loadScenario, scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { frameCount, simulateFrames } from '../../src/sim/simulate.ts';
import { repoRoot } from '../shared.ts';
import { tinyScenario } from './testing.ts';

const files = readdirSync(join(repoRoot, 'scenarios')).filter((f) => f.endsWith('.yaml'));

/** Brute force, one pass: bounding box (pixel edges) and pixel count of every id in an id buffer. */
function bruteBoxes(ids: Uint16Array, W: number, H: number) {
  const out = new Map<number, { x1: number; y1: number; x2: number; y2: number; n: number }>();
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const id = ids[y * W + x]!;
      let b = out.get(id);
      if (!b) {
        b = { x1: x, y1: y, x2: x + 1, y2: y + 1, n: 0 };
        out.set(id, b);
      }
      b.n++;
      b.x1 = Math.min(b.x1, x);
      b.y1 = Math.min(b.y1, y);
      b.x2 = Math.max(b.x2, x + 1);
      b.y2 = Math.max(b.y2, y + 1);
    }
  return out;
}

describe('ground truth from the id buffer', () => {
  it.each(files)(
    '%s: every camera, sampled frames: 2D boxes are the id-buffer pixel boxes and lie inside the projected 3D box',
    async (file) => {
      const { world } = await loadScenario(join(repoRoot, 'scenarios', file));
      const s = world.scenario;
      const n = frameCount(s);
      const renderer = createRenderer(world);
      const idx = new Map(world.agents.map((a, i) => [a.id, i]));
      let checked = 0;
      for (const f of simulateFrames(world, { frames: [0, Math.floor(n / 2), n - 1], renderer })) {
        for (const img of f.images) {
          const setup = renderer.cameras.find((c) => c.cam.id === img.cameraId)!;
          const view = viewFor(setup, f.frame.ego, renderer.lighting);
          const seen = new Set<string>();
          const boxes = bruteBoxes(img.ids, img.width, img.height);
          for (const a of f.gt.actors) {
            const k = idx.get(a.id)!;
            const b = boxes.get(k + 1) ?? { x1: 0, y1: 0, x2: 0, y2: 0, n: 0 };
            const v = a.cameras.find((c) => c.cameraId === img.cameraId);
            if (b.n === 0) {
              expect(v, `${a.id} has no pixels in ${img.cameraId}`).toBeUndefined();
              continue;
            }
            seen.add(a.id);
            expect(v?.box, `${a.id} in ${img.cameraId} at frame ${f.k}`).toEqual({
              x1: b.x1,
              y1: b.y1,
              x2: b.x2,
              y2: b.y2,
            });
            expect(v!.visibleFraction).toBeGreaterThan(0);
            expect(v!.visibleFraction).toBeLessThanOrEqual(1);
            checked++;
            // Independent geometry: the visible box lies inside the projection of the 3D box (pinhole cameras, box in front).
            const [cx, cy, cz] = a.boxWorld.center;
            const [L, W, H] = a.boxWorld.size;
            const c = Math.cos(a.boxWorld.yaw);
            const sn = Math.sin(a.boxWorld.yaw);
            let u0 = Infinity;
            let v0 = Infinity;
            let u1 = -Infinity;
            let v1 = -Infinity;
            let front = true;
            for (const [sx, sy, sz] of [
              [1, 1, 1],
              [1, 1, -1],
              [1, -1, 1],
              [1, -1, -1],
              [-1, 1, 1],
              [-1, 1, -1],
              [-1, -1, 1],
              [-1, -1, -1],
            ] as const) {
              const x = cx + (sx * L * c) / 2 - (sy * W * sn) / 2;
              const y = cy + (sx * L * sn) / 2 + (sy * W * c) / 2;
              const z = cz + (sz * H) / 2;
              const R = view.R;
              const px = R[0]! * x + R[1]! * y + R[2]! * z + view.t[0]!;
              const py = R[3]! * x + R[4]! * y + R[5]! * z + view.t[1]!;
              const pz = R[6]! * x + R[7]! * y + R[8]! * z + view.t[2]!;
              if (pz < 0.2) front = false;
              u0 = Math.min(u0, (view.fx * px) / pz + view.cx);
              u1 = Math.max(u1, (view.fx * px) / pz + view.cx);
              v0 = Math.min(v0, (view.fy * py) / pz + view.cy);
              v1 = Math.max(v1, (view.fy * py) / pz + view.cy);
            }
            if (front && !setup.remap) {
              expect(b.x1).toBeGreaterThanOrEqual(Math.floor(u0) - 1);
              expect(b.x2).toBeLessThanOrEqual(Math.ceil(u1) + 1);
              expect(b.y1).toBeGreaterThanOrEqual(Math.floor(v0) - 1);
              expect(b.y2).toBeLessThanOrEqual(Math.ceil(v1) + 1);
            }
          }
          // No id in the buffer belongs to an actor missing from ground truth.
          for (let i = 0; i < img.ids.length; i++) {
            const id = img.ids[i]!;
            if (id > 0 && id <= world.agents.length) expect(seen.has(world.agents[id - 1]!.id)).toBe(true);
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
      expect(s.name.length).toBeGreaterThan(0);
    },
  );

  it('distorted cameras: boxes come from the remapped id buffer, fractions stay in (0, 1]', () => {
    const { world } = scenarioFromValue(
      tinyScenario({
        rig: {
          width: 320,
          height: 180,
          cameras: [
            { id: 'cam_front', hfov: 90, position: [1.5, 0, 1.5], distortion: [-0.12, 0.01, 0, 0, 0] },
          ],
        },
      }),
      'distorted',
    );
    const renderer = createRenderer(world);
    expect(renderer.cameras[0]!.remap).not.toBeNull();
    let views = 0;
    for (const f of simulateFrames(world, { renderer })) {
      const img = f.images[0]!;
      const boxes = bruteBoxes(img.ids, img.width, img.height);
      for (const a of f.gt.actors) {
        const k = world.agents.findIndex((g) => g.id === a.id);
        const b = boxes.get(k + 1);
        const v = a.cameras[0];
        if (!b) continue;
        expect(v?.box).toEqual({ x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 });
        expect(v!.visibleFraction).toBeGreaterThan(0);
        expect(v!.visibleFraction).toBeLessThanOrEqual(1);
        views++;
      }
    }
    expect(views).toBeGreaterThan(0);
  });

  it('visible fraction falls as a pedestrian walks behind a parked van, then rises as it comes out', () => {
    const { world } = scenarioFromValue(
      tinyScenario({
        duration: 15,
        rate: 2,
        ego: { route: [{ road: 'main', at: 20, lane: 1 }], speed: 0 },
        map: {
          roads: [
            {
              id: 'main',
              points: [
                [0, 0],
                [200, 0],
              ],
              lanes: 4,
            },
          ],
          scenery: 'none',
          objects: [{ id: 'V1', type: 'parked_van', position: [40, -5.25] }],
        },
        actors: [
          {
            id: 'P1',
            class: 'pedestrian',
            route: [
              [34, -8],
              [85, -8],
            ],
            speed: 3.2,
          },
        ],
        rig: { width: 320, height: 180, cameras: [{ id: 'cam_front', hfov: 70, position: [1.7, 0, 1.55] }] },
      }),
      'occlusion',
    );
    const frac: number[] = [];
    for (const f of simulateFrames(world, { effects: false })) {
      const p = f.gt.actors.find((a) => a.id === 'P1')!;
      frac.push(p.cameras.find((c) => c.cameraId === 'cam_front')?.visibleFraction ?? 0);
    }
    const minAt = frac.indexOf(Math.min(...frac));
    expect(frac[0]).toBeGreaterThan(0.9);
    expect(frac[minAt]).toBeLessThan(0.15);
    // Falls while walking in (allowing 2 % jitter from the walking cycle), rises again after.
    for (let i = 1; i <= minAt; i++) expect(frac[i]!).toBeLessThanOrEqual(frac[i - 1]! + 0.02);
    expect(frac[frac.length - 1]).toBeGreaterThan(0.9);
  });
});
