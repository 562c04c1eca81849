/**
 * Triangle meshes for the rasterizer and a builder that shades faces as it emits them (flat shading: ambient +
 * sun diffuse, emissive faces unlit). Positions are world metres; each triangle has one packed colour
 * (0xAABBGGRR, i.e. RGBA bytes on little-endian x86-64) and the mesh one id and blend mode.
 * Winding: (b − a) × (c − a) points out of the solid (front faces), used for back-face culling.
 */

/**
 * How a mesh's triangles combine with the image. Opaque: depth-tested, writes colour, depth and id. Shadow:
 * darkens shadow-receiving surfaces once per render (no depth test, no depth/id writes). Glow: adds light to
 * shadow-receiving surfaces (headlight and lamp pools at night).
 */
export const Blend = { Opaque: 0, Shadow: 1, Glow: 2 } as const;
export type Blend = (typeof Blend)[keyof typeof Blend];

/** Id-buffer values: 0 = sky, 1..N = agent index + 1, these two for scenery. */
export const ID_GROUND = 0xfffe;
export const ID_STATIC = 0xffff;

export interface Mesh {
  positions: Float64Array;
  indices: Uint32Array;
  colors: Uint32Array;
  id: number;
  blend: Blend;
  cull: boolean;
  /** Bounding sphere (world). */
  cx: number;
  cy: number;
  cz: number;
  r: number;
}

export interface Light {
  /** Unit vector towards the sun (world). */
  sun: [number, number, number];
  ambient: number;
  diffuse: number;
}

export type Rgb = readonly [number, number, number];

export function pack(r: number, g: number, b: number): number {
  return ((255 << 24) | (clamp255(b) << 16) | (clamp255(g) << 8) | clamp255(r)) >>> 0;
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** A local frame: translate (x, y, z), rotate by yaw about z, then optional pitch about the local y axis. */
export interface Frame {
  x: number;
  y: number;
  z: number;
  cos: number;
  sin: number;
}

export function frame(x: number, y: number, z: number, yaw: number): Frame {
  return { x, y, z, cos: Math.cos(yaw), sin: Math.sin(yaw) };
}

/** Box face colours: front (+x), back, left (+y), right, top, bottom. Emissive faces are not shaded. */
interface FaceColors {
  front?: Rgb;
  back?: Rgb;
  left?: Rgb;
  right?: Rgb;
  top?: Rgb;
  emissiveFront?: boolean;
  /** Every face unlit (lamps, lit windows). */
  emissive?: boolean;
}

export class MeshBuilder {
  private pos: number[] = [];
  private idx: number[] = [];
  private col: number[] = [];

  constructor(private readonly light: Light) {}

  /** Colour of a face with world normal n. */
  shade(rgb: Rgb, nx: number, ny: number, nz: number, emissive = false): number {
    if (emissive) return pack(rgb[0], rgb[1], rgb[2]);
    const L = this.light;
    const d = nx * L.sun[0] + ny * L.sun[1] + nz * L.sun[2];
    // Sky light falls mostly on upward faces.
    const k = L.ambient * (0.75 + 0.25 * nz) + L.diffuse * (d > 0 ? d : 0);
    return pack(rgb[0] * k, rgb[1] * k, rgb[2] * k);
  }

  private vertex(x: number, y: number, z: number): number {
    this.pos.push(x, y, z);
    return this.pos.length / 3 - 1;
  }

  /** A convex fan with an unshaded colour scaled by k (shadow factors, light pools). */
  triColorFan(pts: number[][], rgb: Rgb, k = 1): void {
    const color = pack(rgb[0] * k, rgb[1] * k, rgb[2] * k);
    const base = this.pos.length / 3;
    for (const p of pts) this.vertex(p[0]!, p[1]!, p[2]!);
    for (let i = 1; i + 1 < pts.length; i++) {
      this.idx.push(base, base + i, base + i + 1);
      this.col.push(color);
    }
  }

  /** A planar convex polygon (world points, counter-clockwise seen from its front), shaded by its normal. */
  polygon(pts: number[][], rgb: Rgb, emissive = false): void {
    if (pts.length < 3) return;
    const a = pts[0]!;
    const b = pts[1]!;
    const c = pts[2]!;
    let nx = (b[1]! - a[1]!) * (c[2]! - a[2]!) - (b[2]! - a[2]!) * (c[1]! - a[1]!);
    let ny = (b[2]! - a[2]!) * (c[0]! - a[0]!) - (b[0]! - a[0]!) * (c[2]! - a[2]!);
    let nz = (b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!);
    const len = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
    nx /= len;
    ny /= len;
    nz /= len;
    const color = this.shade(rgb, nx, ny, nz, emissive);
    const base = this.pos.length / 3;
    for (const p of pts) this.vertex(p[0]!, p[1]!, p[2]!);
    for (let i = 1; i + 1 < pts.length; i++) {
      this.idx.push(base, base + i, base + i + 1);
      this.col.push(color);
    }
  }

  /** A flat quad on the ground plane at height z (points counter-clockwise seen from above). */
  groundPoly(xy: number[][], z: number, rgb: Rgb): void {
    const pts: number[][] = [];
    for (const p of xy) pts.push([p[0]!, p[1]!, z]);
    this.polygon(pts, rgb);
  }

  /**
   * A box of size l×w×h whose local centre is (cx, cy, cz) in frame `f`, optionally pitched by `pitch` rad
   * about the local y axis through (px, pz) (limbs swinging at the hip).
   */
  box(
    f: Frame,
    cx: number,
    cy: number,
    cz: number,
    l: number,
    w: number,
    h: number,
    rgb: Rgb,
    faces: FaceColors = {},
    pitch = 0,
    px = 0,
    pz = 0,
  ): void {
    const cp = pitch === 0 ? 1 : Math.cos(pitch);
    const sp = pitch === 0 ? 0 : Math.sin(pitch);
    // Corners indexed by bits (x: 1, y: 2, z: 4) → p[xyz] below; no closures (hot path).
    const c: number[][] = [];
    for (let k = 0; k < 8; k++) {
      let x = cx + ((k & 1 ? 1 : -1) * l) / 2;
      const y = cy + ((k & 2 ? 1 : -1) * w) / 2;
      let z = cz + ((k & 4 ? 1 : -1) * h) / 2;
      if (pitch !== 0) {
        const dx = x - px;
        const dz = z - pz;
        x = px + dx * cp + dz * sp;
        z = pz - dx * sp + dz * cp;
      }
      c.push([f.x + x * f.cos - y * f.sin, f.y + x * f.sin + y * f.cos, f.z + z]);
    }
    const p000 = c[0]!;
    const p100 = c[1]!;
    const p010 = c[2]!;
    const p110 = c[3]!;
    const p001 = c[4]!;
    const p101 = c[5]!;
    const p011 = c[6]!;
    const p111 = c[7]!;
    const e = faces.emissive === true;
    this.polygon([p100, p110, p111, p101], faces.front ?? rgb, e || faces.emissiveFront === true);
    this.polygon([p010, p000, p001, p011], faces.back ?? rgb, e);
    this.polygon([p110, p010, p011, p111], faces.left ?? rgb, e);
    this.polygon([p000, p100, p101, p001], faces.right ?? rgb, e);
    this.polygon([p001, p101, p111, p011], faces.top ?? rgb, e);
    this.polygon([p000, p010, p110, p100], rgb, e);
  }

  /** An octagonal prism along the local y axis (a wheel): centre (cx, cy, cz), radius r, thickness t. */
  wheel(f: Frame, cx: number, cy: number, cz: number, r: number, t: number, rgb: Rgb): void {
    const n = 8;
    const L: number[][] = [];
    const R: number[][] = [];
    for (let i = 0; i < n; i++) {
      const a = ((i + 0.5) * 2 * Math.PI) / n;
      const x = cx + r * Math.cos(a);
      const z = cz + r * Math.sin(a);
      const yl = cy + t / 2;
      const yr = cy - t / 2;
      L.push([f.x + x * f.cos - yl * f.sin, f.y + x * f.sin + yl * f.cos, f.z + z]);
      R.push([f.x + x * f.cos - yr * f.sin, f.y + x * f.sin + yr * f.cos, f.z + z]);
    }
    this.polygon([...L].reverse(), rgb);
    this.polygon(R, rgb);
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      this.polygon([R[i]!, L[i]!, L[j]!, R[j]!], rgb);
    }
  }

  /** Finish: typed arrays and a bounding sphere. */
  build(id: number, blend: Blend = Blend.Opaque, cull = true): Mesh {
    const positions = Float64Array.from(this.pos);
    let x0 = Number.POSITIVE_INFINITY;
    let y0 = x0;
    let z0 = x0;
    let x1 = Number.NEGATIVE_INFINITY;
    let y1 = x1;
    let z1 = x1;
    for (let i = 0; i < positions.length; i += 3) {
      x0 = Math.min(x0, positions[i]!);
      x1 = Math.max(x1, positions[i]!);
      y0 = Math.min(y0, positions[i + 1]!);
      y1 = Math.max(y1, positions[i + 1]!);
      z0 = Math.min(z0, positions[i + 2]!);
      z1 = Math.max(z1, positions[i + 2]!);
    }
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const cz = (z0 + z1) / 2;
    const r = positions.length === 0 ? 0 : Math.sqrt((x1 - cx) ** 2 + (y1 - cy) ** 2 + (z1 - cz) ** 2);
    return {
      positions,
      indices: Uint32Array.from(this.idx),
      colors: Uint32Array.from(this.col),
      id,
      blend,
      cull,
      cx,
      cy,
      cz,
      r,
    };
  }
}
