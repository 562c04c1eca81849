/**
 * Viper's software rasterizer: triangles → colour, inverse-depth and id buffers, in typed arrays.
 *
 * Pipeline per mesh: sphere cull against the view frustum → vertices to the camera's optical frame → back-face
 * cull → clip against the near plane (Sutherland–Hodgman, one plane) → pinhole projection → scanline fill with
 * pixel-centre sampling (a pixel is covered when its centre lies in [left, right) of the span; rows likewise) and
 * an inverse-depth plane equation (1/z is affine in screen space, so the depth test is exact for planar faces).
 *
 * Determinism: only + − × ÷ and sqrt on doubles, and Float32 stores, all IEEE-exact in JavaScript (no FMA
 * contraction), so the buffers are bit-identical on every x86-64 machine. Distance fog uses a rational
 * function d²/(d² + D²) instead of exp for the same reason.
 */
import { Blend, type Mesh } from './mesh.ts';

export interface Target {
  width: number;
  height: number;
  /** Packed 0xAABBGGRR. */
  color: Uint32Array;
  /** 1/z of the nearest surface (0 = nothing). */
  depth: Float32Array;
  /** 0 sky, 1..N agent index + 1, ID_GROUND, ID_STATIC. */
  ids: Uint16Array;
  /** Per-pixel marks for once-per-pass effects and coverage counting. */
  stamp: Uint32Array;
  stampValue: number;
}

export function createTarget(width: number, height: number): Target {
  const n = width * height;
  return {
    width,
    height,
    color: new Uint32Array(n),
    depth: new Float32Array(n),
    ids: new Uint16Array(n),
    stamp: new Uint32Array(n),
    stampValue: 0,
  };
}

/** A camera view: world → optical frame (p_c = R·p_w + t), pinhole intrinsics, near plane and fog. */
export interface View {
  R: Float64Array;
  t: Float64Array;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  near: number;
  /** Frustum half-slopes (|x|/z, |y|/z) with margin, for culling. */
  slopeX: number;
  slopeY: number;
  fogRgb: [number, number, number];
  /** Distance (m) at which fog reaches 50 %; 0 = no fog. */
  fogHalfM: number;
}

/** Which buffers a draw touches: full render, or only count coverage into `stamp`. */
export const DrawMode = { Render: 0, Cover: 1 } as const;
type DrawMode = (typeof DrawMode)[keyof typeof DrawMode];

// Module-scope scratch (three.js style) to avoid allocation per triangle.
let cam = new Float64Array(3 * 1024);
const clipIn = new Float64Array(3 * 8);
const clipOut = new Float64Array(3 * 8);
const scr = new Float64Array(3 * 8);
let covered = 0;

/** Is the bounding sphere at least partly inside the frustum? */
function sphereVisible(v: View, x: number, y: number, z: number, r: number): boolean {
  const R = v.R;
  const px = R[0]! * x + R[1]! * y + R[2]! * z + v.t[0]!;
  const py = R[3]! * x + R[4]! * y + R[5]! * z + v.t[1]!;
  const pz = R[6]! * x + R[7]! * y + R[8]! * z + v.t[2]!;
  if (pz + r < v.near) return false;
  const kx = Math.sqrt(1 + v.slopeX * v.slopeX);
  const ky = Math.sqrt(1 + v.slopeY * v.slopeY);
  if (px - v.slopeX * pz > r * kx || -px - v.slopeX * pz > r * kx) return false;
  if (py - v.slopeY * pz > r * ky || -py - v.slopeY * pz > r * ky) return false;
  return true;
}

/**
 * Draw a mesh. Render mode follows the mesh's blend; Cover mode marks the pixels the mesh covers with a fresh
 * stamp (no depth test) and returns how many distinct pixels it covered (the unoccluded silhouette area).
 */
export function drawMesh(target: Target, v: View, mesh: Mesh, mode: DrawMode = DrawMode.Render): number {
  covered = 0;
  if (mesh.indices.length === 0 || !sphereVisible(v, mesh.cx, mesh.cy, mesh.cz, mesh.r)) return 0;
  const pos = mesh.positions;
  const nv = pos.length / 3;
  if (cam.length < nv * 3) cam = new Float64Array(nv * 3 * 2);
  const R = v.R;
  const t0 = v.t[0]!;
  const t1 = v.t[1]!;
  const t2 = v.t[2]!;
  for (let i = 0; i < nv; i++) {
    const x = pos[i * 3]!;
    const y = pos[i * 3 + 1]!;
    const z = pos[i * 3 + 2]!;
    cam[i * 3] = R[0]! * x + R[1]! * y + R[2]! * z + t0;
    cam[i * 3 + 1] = R[3]! * x + R[4]! * y + R[5]! * z + t1;
    cam[i * 3 + 2] = R[6]! * x + R[7]! * y + R[8]! * z + t2;
  }
  if (mode === DrawMode.Cover || mesh.blend === Blend.Shadow)
    target.stampValue = (target.stampValue + 1) >>> 0;
  const idx = mesh.indices;
  const ntri = idx.length / 3;
  const near = v.near;
  for (let f = 0; f < ntri; f++) {
    const a = idx[f * 3]! * 3;
    const b = idx[f * 3 + 1]! * 3;
    const c = idx[f * 3 + 2]! * 3;
    const ax = cam[a]!;
    const ay = cam[a + 1]!;
    const az = cam[a + 2]!;
    const bx = cam[b]!;
    const by = cam[b + 1]!;
    const bz = cam[b + 2]!;
    const cx = cam[c]!;
    const cy = cam[c + 1]!;
    const cz = cam[c + 2]!;
    if (az < near && bz < near && cz < near) continue;
    if (mesh.cull) {
      const ux = bx - ax;
      const uy = by - ay;
      const uz = bz - az;
      const wx = cx - ax;
      const wy = cy - ay;
      const wz = cz - az;
      const nx = uy * wz - uz * wy;
      const ny = uz * wx - ux * wz;
      const nz = ux * wy - uy * wx;
      if (nx * ax + ny * ay + nz * az >= 0) continue;
    }
    let color = mesh.colors[f]!;
    if (v.fogHalfM > 0 && mode === DrawMode.Render && mesh.blend === Blend.Opaque) {
      const mz = (az + bz + cz) / 3;
      const mx = (ax + bx + cx) / 3;
      const d2 = mx * mx + mz * mz;
      const h2 = v.fogHalfM * v.fogHalfM;
      color = fog(color, v.fogRgb, d2 / (d2 + h2));
    }
    clipIn[0] = ax;
    clipIn[1] = ay;
    clipIn[2] = az;
    clipIn[3] = bx;
    clipIn[4] = by;
    clipIn[5] = bz;
    clipIn[6] = cx;
    clipIn[7] = cy;
    clipIn[8] = cz;
    let n = 3;
    let poly = clipIn;
    if (az < near || bz < near || cz < near) {
      n = clipNear(clipIn, 3, near, clipOut);
      poly = clipOut;
      if (n < 3) continue;
    }
    for (let i = 0; i < n; i++) {
      const z = poly[i * 3 + 2]!;
      const iz = 1 / z;
      scr[i * 3] = v.fx * poly[i * 3]! * iz + v.cx;
      scr[i * 3 + 1] = v.fy * poly[i * 3 + 1]! * iz + v.cy;
      scr[i * 3 + 2] = iz;
    }
    for (let i = 1; i + 1 < n; i++) {
      fillTriangle(target, 0, i * 3, (i + 1) * 3, color, mesh.id, mode === DrawMode.Cover ? -1 : mesh.blend);
    }
  }
  return covered;
}

function fog(color: number, rgb: [number, number, number], k: number): number {
  const r = color & 0xff;
  const g = (color >>> 8) & 0xff;
  const b = (color >>> 16) & 0xff;
  const m = 1 - k;
  return (
    ((255 << 24) |
      (Math.round(b * m + rgb[2] * k) << 16) |
      (Math.round(g * m + rgb[1] * k) << 8) |
      Math.round(r * m + rgb[0] * k)) >>>
    0
  );
}

/** Clip a polygon (xyz triples) to z ≥ near; returns the vertex count written to `out`. */
function clipNear(inp: Float64Array, n: number, near: number, out: Float64Array): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const az = inp[i * 3 + 2]!;
    const bz = inp[j * 3 + 2]!;
    const aIn = az >= near;
    const bIn = bz >= near;
    if (aIn) {
      out[m * 3] = inp[i * 3]!;
      out[m * 3 + 1] = inp[i * 3 + 1]!;
      out[m * 3 + 2] = az;
      m++;
    }
    if (aIn !== bIn) {
      const s = (near - az) / (bz - az);
      out[m * 3] = inp[i * 3]! + (inp[j * 3]! - inp[i * 3]!) * s;
      out[m * 3 + 1] = inp[i * 3 + 1]! + (inp[j * 3 + 1]! - inp[i * 3 + 1]!) * s;
      out[m * 3 + 2] = near;
      m++;
    }
  }
  return m;
}

/**
 * Scanline-fill the screen triangle at scr offsets i0, i1, i2. `blend` −1 = coverage counting.
 * Spans use pixel centres: columns ceil(xl − ½) … ceil(xr − ½) − 1, rows likewise, so triangles sharing an edge
 * (computed from the same endpoints in the same order) neither overlap nor leave gaps.
 */
function fillTriangle(
  T: Target,
  i0: number,
  i1: number,
  i2: number,
  color: number,
  id: number,
  blend: number,
): void {
  // Sort by y.
  let a = i0;
  let b = i1;
  let c = i2;
  if (scr[b + 1]! < scr[a + 1]!) [a, b] = [b, a];
  if (scr[c + 1]! < scr[b + 1]!) [b, c] = [c, b];
  if (scr[b + 1]! < scr[a + 1]!) [a, b] = [b, a];
  const xa = scr[a]!;
  const ya = scr[a + 1]!;
  const za = scr[a + 2]!;
  const xb = scr[b]!;
  const yb = scr[b + 1]!;
  const zb = scr[b + 2]!;
  const xc = scr[c]!;
  const yc = scr[c + 1]!;
  const zc = scr[c + 2]!;
  const W = T.width;
  const H = T.height;
  let row0 = Math.ceil(ya - 0.5);
  let row1 = Math.ceil(yc - 0.5) - 1;
  if (row0 < 0) row0 = 0;
  if (row1 > H - 1) row1 = H - 1;
  if (row0 > row1) return;
  const det = (xb - xa) * (yc - ya) - (xc - xa) * (yb - ya);
  if (det === 0) return;
  const A = ((zb - za) * (yc - ya) - (zc - za) * (yb - ya)) / det;
  const B = ((xb - xa) * (zc - za) - (xc - xa) * (zb - za)) / det;
  const C = za - A * xa - B * ya;
  const color32 = T.color;
  const depth = T.depth;
  const ids = T.ids;
  const stamp = T.stamp;
  const sv = T.stampValue;
  const mulK = blend === Blend.Shadow ? color & 0xff : 0;
  // Inverse slopes dx/dy of the three edges, once per triangle.
  const kac = (xc - xa) / (yc - ya);
  const kab = yb > ya ? (xb - xa) / (yb - ya) : 0;
  const kbc = yc > yb ? (xc - xb) / (yc - yb) : 0;
  for (let row = row0; row <= row1; row++) {
    const yp = row + 0.5;
    const xl = xa + kac * (yp - ya);
    const xs = yp < yb ? xa + kab * (yp - ya) : xb + kbc * (yp - yb);
    let x0 = Math.ceil((xl < xs ? xl : xs) - 0.5);
    let x1 = Math.ceil((xl < xs ? xs : xl) - 0.5) - 1;
    if (x0 < 0) x0 = 0;
    if (x1 > W - 1) x1 = W - 1;
    if (x0 > x1) continue;
    const base = row * W;
    if (blend === Blend.Opaque) {
      let z = A * (x0 + 0.5) + B * yp + C;
      for (let x = x0; x <= x1; x++, z += A) {
        const i = base + x;
        if (z > depth[i]!) {
          depth[i] = z;
          color32[i] = color;
          ids[i] = id;
        }
      }
    } else if (blend === -1) {
      for (let i = base + x0; i <= base + x1; i++) {
        if (stamp[i] !== sv) {
          stamp[i] = sv;
          covered++;
        }
      }
    } else if (blend === Blend.Shadow) {
      for (let i = base + x0; i <= base + x1; i++) {
        if (ids[i] !== 0xfffe || stamp[i] === sv) continue;
        stamp[i] = sv;
        const p = color32[i]!;
        color32[i] =
          (0xff000000 |
            (((((p >>> 16) & 0xff) * mulK) >> 8) << 16) |
            (((((p >>> 8) & 0xff) * mulK) >> 8) << 8) |
            (((p & 0xff) * mulK) >> 8)) >>>
          0;
      }
    } else {
      const gr = color & 0xff;
      const gg = (color >>> 8) & 0xff;
      const gb = (color >>> 16) & 0xff;
      for (let i = base + x0; i <= base + x1; i++) {
        if (ids[i] !== 0xfffe) continue;
        const p = color32[i]!;
        const r = (p & 0xff) + gr;
        const g = ((p >>> 8) & 0xff) + gg;
        const bb = ((p >>> 16) & 0xff) + gb;
        color32[i] =
          (0xff000000 | ((bb > 255 ? 255 : bb) << 16) | ((g > 255 ? 255 : g) << 8) | (r > 255 ? 255 : r)) >>>
          0;
      }
    }
  }
}
