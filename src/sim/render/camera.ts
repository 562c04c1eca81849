/**
 * Per-camera render setup, computed once per scenario: the undistorted render intrinsics, the distortion remap
 * table (output pixel → render pixel, nearest), the sky background, and each frame's world → optical view.
 * plumb_bob distortion is inverted by fixed-point iteration (as OpenCV's undistortPoints), with only + − × ÷.
 */
import { type RigCamera, undistortPoint } from '../rig.ts';
import type { EgoState } from '../world/world.ts';
import type { Lighting } from './lighting.ts';
import { pack } from './mesh.ts';
import type { View } from './raster.ts';

export interface CameraSetup {
  cam: RigCamera;
  /** Intrinsics the rasterizer uses (pinhole; equal to the camera's when it has no distortion). */
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** Output pixel → render pixel index (−1 = outside); null for pinhole cameras. */
  remap: Int32Array | null;
  sky: Uint32Array;
}

function hasDistortion(cam: RigCamera): boolean {
  return cam.D.some((d) => d !== 0);
}

export function setupCamera(cam: RigCamera, L: Lighting): CameraSetup {
  const W = cam.width;
  const H = cam.height;
  let fx = cam.fx;
  let fy = cam.fy;
  let remap: Int32Array | null = null;
  if (hasDistortion(cam)) {
    const und = new Float64Array(W * H * 2);
    let maxX = 0;
    let maxY = 0;
    for (let v = 0; v < H; v++)
      for (let u = 0; u < W; u++) {
        const [x, y] = undistortPoint(cam.D, (u + 0.5 - cam.cx) / cam.fx, (v + 0.5 - cam.cy) / cam.fy);
        und[(v * W + u) * 2] = x;
        und[(v * W + u) * 2 + 1] = y;
        maxX = Math.max(maxX, Math.abs(x));
        maxY = Math.max(maxY, Math.abs(y));
      }
    // Shrink the render focal length so every output pixel's ray lands inside the render buffer.
    const s = Math.min(
      1,
      (Math.min(cam.cx, W - cam.cx) - 1) / (cam.fx * maxX),
      (Math.min(cam.cy, H - cam.cy) - 1) / (cam.fy * maxY),
    );
    fx = cam.fx * s;
    fy = cam.fy * s;
    remap = new Int32Array(W * H);
    for (let i = 0; i < W * H; i++) {
      const ur = Math.floor(fx * und[i * 2]! + cam.cx);
      const vr = Math.floor(fy * und[i * 2 + 1]! + cam.cy);
      remap[i] = ur >= 0 && ur < W && vr >= 0 && vr < H ? vr * W + ur : -1;
    }
  }
  // Sky: gradient by elevation of each pixel's ray (the ego stays level, so only the mount matters).
  const R = cam.R;
  const upx = R[6]!;
  const upy = R[7]!;
  const upz = R[8]!;
  const sky = new Uint32Array(W * H);
  for (let v = 0; v < H; v++)
    for (let u = 0; u < W; u++) {
      const dx = (u + 0.5 - cam.cx) / fx;
      const dy = (v + 0.5 - cam.cy) / fy;
      const e = (dx * upx + dy * upy + upz) / Math.sqrt(dx * dx + dy * dy + 1);
      const k = e <= 0 ? 0 : e >= 0.4 ? 1 : e / 0.4;
      const h = L.skyHorizon;
      const z = L.skyZenith;
      sky[v * W + u] = pack(h[0] + (z[0] - h[0]) * k, h[1] + (z[1] - h[1]) * k, h[2] + (z[2] - h[2]) * k);
    }
  return { cam, fx, fy, cx: cam.cx, cy: cam.cy, remap, sky };
}

/** World → optical view of a camera on the ego at `ego`. */
export function viewFor(setup: CameraSetup, ego: EgoState, L: Lighting): View {
  const cam = setup.cam;
  const c = Math.cos(ego.yaw);
  const s = Math.sin(ego.yaw);
  const B = cam.R;
  // R_wc = Rz(yaw)·R_bc ; t_wc = Rz(yaw)·p + ego
  const Rwc = [
    c * B[0]! - s * B[3]!,
    c * B[1]! - s * B[4]!,
    c * B[2]! - s * B[5]!,
    s * B[0]! + c * B[3]!,
    s * B[1]! + c * B[4]!,
    s * B[2]! + c * B[5]!,
    B[6]!,
    B[7]!,
    B[8]!,
  ];
  const [px, py, pz] = cam.position;
  const tx = c * px - s * py + ego.x;
  const ty = s * px + c * py + ego.y;
  const tz = pz;
  const R = new Float64Array([
    Rwc[0]!,
    Rwc[3]!,
    Rwc[6]!,
    Rwc[1]!,
    Rwc[4]!,
    Rwc[7]!,
    Rwc[2]!,
    Rwc[5]!,
    Rwc[8]!,
  ]);
  const t = new Float64Array([
    -(R[0]! * tx + R[1]! * ty + R[2]! * tz),
    -(R[3]! * tx + R[4]! * ty + R[5]! * tz),
    -(R[6]! * tx + R[7]! * ty + R[8]! * tz),
  ]);
  const W = cam.width;
  const H = cam.height;
  return {
    R,
    t,
    fx: setup.fx,
    fy: setup.fy,
    cx: setup.cx,
    cy: setup.cy,
    near: 0.1,
    slopeX: (Math.max(setup.cx, W - setup.cx) / setup.fx) * 1.02,
    slopeY: (Math.max(setup.cy, H - setup.cy) / setup.fy) * 1.02,
    fogRgb: L.fogRgb,
    fogHalfM: L.fogHalfM,
  };
}
