/**
 * Road users as meshes, rebuilt each frame from their pose: vehicles (body, cabin glass, wheels, head and tail
 * lights), trucks and buses, bicycles and motorcycles with riders, and people (legs, torso, arms, head) with a
 * walking cycle driven by distance walked. Plus each one's ground shadows (sun shadow = convex hull of the box
 * projected along the sun; contact shadow = its footprint) and headlight pools at night.
 * Local frame: x forward, y left, z up, origin on the ground under the box centre.
 */
import { convexHull } from '../../geometry/box3d.ts';
import type { AgentState } from '../world/world.ts';
import type { Lighting } from './lighting.ts';
import { Blend, type Frame, frame, type Mesh, MeshBuilder, type Rgb } from './mesh.ts';

const TYRE: Rgb = [26, 26, 28];
const GLASS: Rgb = [44, 56, 70];
const HEAD_ON: Rgb = [255, 250, 225];
const HEAD_OFF: Rgb = [215, 215, 205];
const TAIL_ON: Rgb = [255, 40, 30];
const TAIL_OFF: Rgb = [140, 24, 20];

function lights(b: MeshBuilder, f: Frame, L: number, W: number, z: number, on: boolean): void {
  const head = on ? HEAD_ON : HEAD_OFF;
  const tail = on ? TAIL_ON : TAIL_OFF;
  for (const side of [1, -1]) {
    // Bodies are 4 cm shorter than the box so lights sit flush with its ends (everything inside the GT box).
    b.box(f, L / 2 - 0.02, side * (W / 2 - 0.28), z, 0.04, 0.34, 0.14, head, { emissive: on });
    b.box(f, -L / 2 + 0.02, side * (W / 2 - 0.22), z + 0.05, 0.04, 0.26, 0.12, tail, { emissive: on });
  }
}

function wheels(b: MeshBuilder, f: Frame, xs: number[], W: number, r: number, t: number): void {
  for (const x of xs) for (const side of [1, -1]) b.wheel(f, x, side * (W / 2 - t / 2 - 0.02), r, r, t, TYRE);
}

function person(
  b: MeshBuilder,
  f: Frame,
  H: number,
  W: number,
  shirt: Rgb,
  legs: Rgb,
  skin: Rgb,
  swing: number,
): void {
  const hip = 0.5 * H;
  const legW = 0.14;
  for (const side of [1, -1]) {
    b.box(f, 0, side * 0.1, hip / 2, 0.16, legW, hip, legs, {}, swing * side, 0, hip);
  }
  const torsoW = Math.min(0.44, W * 0.75);
  const sh = 0.82 * H;
  b.box(f, 0, 0, (hip + sh) / 2, 0.26, torsoW, sh - hip, shirt);
  for (const side of [1, -1]) {
    b.box(
      f,
      0,
      side * (torsoW / 2 + 0.05),
      sh - 0.19 * H,
      0.1,
      0.09,
      0.36 * H,
      shirt,
      {},
      -swing * side * 0.8,
      0,
      sh,
    );
  }
  b.box(f, 0.01, 0, sh + 0.035 * H + 0.06, 0.2, 0.17, 0.13 * H, skin);
}

/** The agent's body mesh; id = index + 1. */
export function agentMesh(st: AgentState, Lt: Lighting): Mesh {
  const a = st.agent;
  const [L, W, H] = a.size;
  const b = new MeshBuilder(Lt.light);
  const f = frame(st.x, st.y, st.z, st.yaw);
  const on = a.lights && Lt.lampsOn;
  switch (a.shape) {
    case 'sedan': {
      const r = Math.min(0.34, H * 0.22);
      wheels(b, f, [0.33 * L, -0.33 * L], W, r, 0.24);
      const belt = 0.56 * H;
      b.box(f, 0, 0, (0.22 + belt) / 2, L - 0.08, W, belt - 0.22, a.color);
      b.box(f, -0.06 * L, 0, (belt + H) / 2 - 0.04, 0.5 * L, 0.86 * W, H - belt - 0.08, GLASS, {
        top: a.color,
      });
      b.box(f, -0.06 * L, 0, H - 0.04, 0.46 * L, 0.84 * W, 0.08, a.color);
      lights(b, f, L, W, 0.42 * H, on);
      break;
    }
    case 'van': {
      const r = 0.36;
      wheels(b, f, [0.34 * L, -0.32 * L], W, r, 0.26);
      b.box(f, 0, 0, (0.25 + H) / 2, L - 0.08, W - 0.04, H - 0.25, a.color);
      b.box(f, 0.3 * L, 0, 0.72 * H, 0.36 * L, W, 0.3 * H, GLASS, { top: a.color });
      lights(b, f, L, W, 0.4 * H, on);
      break;
    }
    case 'truck': {
      const r = 0.5;
      wheels(b, f, [0.36 * L, -0.15 * L, -0.36 * L], W, r, 0.34);
      const cab = 2.3;
      b.box(
        f,
        L / 2 - cab / 2 - 0.04,
        0,
        (0.5 + 0.85 * H) / 2,
        cab - 0.08,
        W - 0.04,
        0.85 * H - 0.5,
        a.color,
      );
      b.box(f, L / 2 - cab / 2 + 0.02, 0, 0.65 * H, cab - 0.2, W, 0.25 * H, GLASS, { top: a.color });
      b.box(f, -cab / 2, 0, (0.9 + H) / 2, L - cab - 0.3, W, H - 0.9, [228, 228, 224]);
      lights(b, f, L, W, 0.35 * H, on);
      break;
    }
    case 'bus': {
      const r = 0.5;
      wheels(b, f, [0.3 * L, -0.3 * L], W, r, 0.32);
      b.box(f, 0, 0, (0.35 + H) / 2, L - 0.08, W - 0.04, H - 0.35, a.color);
      b.box(f, 0.02, 0, 0.66 * H, 0.97 * L, W, 0.28 * H, GLASS);
      lights(b, f, L, W, 0.3 * H, on);
      break;
    }
    case 'motorcycle': {
      wheels(b, f, [0.35 * L, -0.35 * L], 0.16, 0.3, 0.12);
      b.box(f, 0, 0, 0.62, 0.55 * L, 0.34, 0.4, a.color);
      b.box(f, -0.05, 0, 0.95, 0.3, 0.42, 0.55, a.color2);
      b.box(f, 0.02, 0, 1.33, 0.26, 0.26, 0.26, [30, 30, 34]);
      for (const side of [1, -1]) b.box(f, 0.12, side * 0.2, 0.6, 0.45, 0.12, 0.14, [40, 40, 60]);
      if (on) b.box(f, L / 2 - 0.2, 0, 0.9, 0.04, 0.2, 0.14, HEAD_ON, { emissive: true });
      break;
    }
    case 'cyclist': {
      const r = 0.34;
      wheels(b, f, [0.53, -0.53], 0.08, r, 0.05);
      b.box(f, 0, 0, 0.6, 1.0, 0.05, 0.05, a.color2, {}, -0.25, 0, 0.6);
      b.box(f, -0.2, 0, 0.55, 0.05, 0.05, 0.55, a.color2);
      const ph = (st.s / 1.9) * 2 * Math.PI;
      for (const side of [1, -1]) {
        b.box(
          f,
          -0.1,
          side * 0.11,
          0.62,
          0.13,
          0.12,
          0.6,
          [40, 40, 60],
          {},
          0.5 * Math.sin(ph + (side > 0 ? 0 : Math.PI)),
          -0.1,
          0.95,
        );
      }
      b.box(f, -0.05, 0, 1.25, 0.26, 0.38, 0.6, a.color, {}, -0.35, -0.05, 0.95);
      b.box(f, 0.15, 0, 1.62, 0.2, 0.17, 0.22, a.color3);
      break;
    }
    case 'pedestrian': {
      const swing = st.speed > 0.1 ? 0.3 * Math.sin((st.s / 1.3) * 2 * Math.PI) : 0;
      person(b, f, H, W, a.color, a.color2, a.color3, swing);
      break;
    }
  }
  return b.build(st.index + 1, Blend.Opaque, true);
}

/** Ground shadows of one agent: sun shadow (day, dusk) and contact shadow, as Shadow-blend meshes. */
export function agentShadows(st: AgentState, Lt: Lighting): Mesh[] {
  const [L, W, H] = st.agent.size;
  const c = Math.cos(st.yaw);
  const s = Math.sin(st.yaw);
  const out: Mesh[] = [];
  const corners: [number, number][] = [];
  const foot: number[][] = [];
  const sun = Lt.light.sun;
  for (const [sx, sy] of [
    [1, 1],
    [-1, 1],
    [-1, -1],
    [1, -1],
  ] as const) {
    const lx = (sx * L) / 2;
    const ly = (sy * W) / 2;
    const x = st.x + lx * c - ly * s;
    const y = st.y + lx * s + ly * c;
    foot.push([x, y, st.z]);
    corners.push([x, y]);
    if (!Lt.night) corners.push([x - (H * 0.9 * sun[0]) / sun[2], y - (H * 0.9 * sun[1]) / sun[2]]);
  }
  if (!Lt.night) {
    const b = new MeshBuilder(Lt.light);
    b.triColorFan(
      convexHull(corners).map((p) => [p[0], p[1], st.z]),
      [Lt.shadowK, 0, 0],
    );
    out.push(b.build(0, Blend.Shadow, false));
  }
  const grow = 1.08;
  const cb = new MeshBuilder(Lt.light);
  cb.triColorFan(
    foot.map((p) => [st.x + (p[0]! - st.x) * grow, st.y + (p[1]! - st.y) * grow, st.z]),
    [178, 0, 0],
  );
  out.push(cb.build(0, Blend.Shadow, false));
  return out;
}

/** Headlight pools on the road ahead of a vehicle at (x, y, yaw) of length L (additive, nested for falloff). */
export function headlightPool(x: number, y: number, yaw: number, L: number, Lt: Lighting): Mesh {
  const b = new MeshBuilder(Lt.light);
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  const at = (u: number, v: number) => [x + u * c - v * s, y + u * s + v * c, 0];
  for (const [len, half, k] of [
    [26, 5.5, 0.5],
    [16, 3.6, 0.6],
    [9, 2.4, 0.7],
  ] as const) {
    b.triColorFan(
      [at(L / 2, -0.9), at(L / 2 + len, -half), at(L / 2 + len, half), at(L / 2, 0.9)],
      [40, 37, 30],
      k,
    );
  }
  return b.build(0, Blend.Glow, false);
}

/** Whether an agent's class carries headlights. */
export function hasHeadlights(st: AgentState): boolean {
  return st.agent.shape !== 'pedestrian' && st.agent.shape !== 'cyclist';
}
