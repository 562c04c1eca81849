import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Blend, frame, MeshBuilder } from '../../src/sim/render/mesh.ts';
import { createTarget, DrawMode, drawMesh, type View } from '../../src/sim/render/raster.ts';
import { applyEffects, boxBlur, createEffects } from '../../src/sim/render/effects.ts';

const light = { sun: [0, 0, 1] as [number, number, number], ambient: 1, diffuse: 0 };

/** A camera at the origin looking along +x of the world (optical z = world x, x = −y, y = −z). */
function view(W: number, H: number, f: number): View {
  return {
    R: new Float64Array([0, -1, 0, 0, 0, -1, 1, 0, 0]),
    t: new Float64Array([0, 0, 0]),
    fx: f,
    fy: f,
    cx: W / 2,
    cy: H / 2,
    near: 0.1,
    slopeX: W / 2 / f + 0.01,
    slopeY: H / 2 / f + 0.01,
    fogRgb: [0, 0, 0],
    fogHalfM: 0,
  };
}

function quadFacingCamera(
  x: number,
  y0: number,
  y1: number,
  z0: number,
  z1: number,
  id: number,
  rgb: [number, number, number],
) {
  const b = new MeshBuilder(light);
  // Normal −x (towards the camera at the origin).
  b.polygon(
    [
      [x, y0, z0],
      [x, y0, z1],
      [x, y1, z1],
      [x, y1, z0],
    ],
    rgb,
    true,
  );
  return b.build(id, Blend.Opaque, true);
}

describe('rasterizer', () => {
  it('two triangles sharing an edge cover every pixel of a quad exactly once', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 2, max: 30, noNaN: true }),
        fc.double({ min: -3, max: 0, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: -2, max: 0, noNaN: true }),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        (x, y0, dy, z0, dz) => {
          const T = createTarget(64, 48);
          const v = view(64, 48, 40);
          const mesh = quadFacingCamera(x, y0, y0 + dy, z0, z0 + dz, 1, [200, 0, 0]);
          const covered = drawMesh(T, v, mesh, DrawMode.Cover);
          drawMesh(T, v, mesh);
          let n = 0;
          for (const id of T.ids) if (id === 1) n++;
          // Coverage counts each pixel once; the opaque pass marks the same pixels.
          expect(n).toBe(covered);
          // Pixel count matches the projected area within the boundary pixels.
          const u = (yy: number) => 32 - (40 * yy) / x;
          const w = (zz: number) => 24 - (40 * zz) / x;
          const x0 = Math.max(0, Math.min(64, u(y0 + dy)));
          const x1 = Math.max(0, Math.min(64, u(y0)));
          const v0 = Math.max(0, Math.min(48, w(z0 + dz)));
          const v1 = Math.max(0, Math.min(48, w(z0)));
          const area = (x1 - x0) * (v1 - v0);
          const perimeter = 2 * (x1 - x0 + (v1 - v0));
          expect(Math.abs(n - area)).toBeLessThanOrEqual(perimeter / 2 + 2);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('the nearer surface wins the depth test whatever the draw order', () => {
    for (const order of [0, 1]) {
      const T = createTarget(32, 32);
      const v = view(32, 32, 20);
      const near = quadFacingCamera(5, -1, 1, -1, 1, 1, [255, 0, 0]);
      const far = quadFacingCamera(10, -9, 9, -9, 9, 2, [0, 255, 0]);
      for (const m of order ? [near, far] : [far, near]) drawMesh(T, v, m);
      expect(T.ids[16 * 32 + 16]).toBe(1);
      expect(T.ids[1 * 32 + 1]).toBe(2);
    }
  });

  it('clips triangles crossing the near plane instead of dropping them', () => {
    const T = createTarget(32, 32);
    const v = view(32, 32, 16);
    const b = new MeshBuilder(light);
    // A ground strip from behind the camera to 20 m ahead, 1 m below it.
    b.groundPoly(
      [
        [-5, -2],
        [20, -2],
        [20, 2],
        [-5, 2],
      ],
      -1,
      [100, 100, 100],
    );
    drawMesh(T, v, b.build(3, Blend.Opaque, true));
    expect(T.ids[31 * 32 + 16]).toBe(3); // bottom row, straight down-ahead
    expect(T.ids[2 * 32 + 16]).toBe(0); // above the horizon: sky
  });

  it('back faces are culled: a box seen from outside shows only its front faces', () => {
    const T = createTarget(32, 32);
    const v = view(32, 32, 16);
    const b = new MeshBuilder(light);
    b.box(frame(8, 0, -1, 0), 0, 0, 0, 2, 2, 2, [10, 20, 30], { front: [0, 0, 0], back: [255, 255, 255] });
    drawMesh(T, v, b.build(5));
    // The back face (−x, white, shaded by ambient 0.75 on a vertical face) faces the camera; the black front is culled.
    expect(T.color[16 * 32 + 16]! & 0xffffff).toBe(0xbfbfbf);
  });

  it('sensor effects are deterministic for a stream and differ between streams', () => {
    const fx = createEffects({ noise: 5, blur: 1, exposure: 0.5, rain: 0.5 }, 42);
    const base = new Uint32Array(64 * 36).fill(0xff808080);
    const a = base.slice();
    const b = base.slice();
    const c = base.slice();
    applyEffects(fx, a, 64, 36, 1);
    applyEffects(fx, b, 64, 36, 1);
    applyEffects(fx, c, 64, 36, 2);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const flat = new Uint32Array(16 * 16).fill(0xff102030);
    boxBlur(flat, 16, 16, 2);
    expect(flat.every((p) => p === 0xff102030)).toBe(true);
  });
});
