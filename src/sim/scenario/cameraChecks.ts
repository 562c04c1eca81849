/**
 * Camera checks: intrinsics a pinhole can have, a mount above the road that looks at it, lens coefficients of a real
 * lens that do not fold the image over, and ids that are unique and not the name expect gives the fused result.
 */
import { buildRig, distortPoint, type RigCamera } from '../rig.ts';
import { fail } from './errors.ts';
import type { Scenario } from './schema.ts';

const WORLD_ID = 'world';

/** Whether any ray through the image's corners or centre points below the horizon (base_link z < 0). */
function seesGround(cam: RigCamera): boolean {
  const R = cam.R; // base_link ← optical, row-major: base z of an optical ray d is R[6]·dx + R[7]·dy + R[8]·dz
  for (const u of [0, cam.width / 2, cam.width])
    for (const v of [0, cam.height / 2, cam.height]) {
      const dx = (u - cam.cx) / cam.fx;
      const dy = (v - cam.cy) / cam.fy;
      if (R[6]! * dx + R[7]! * dy + R[8]! < 0) return true;
    }
  return false;
}

export function checkCameras(s: Scenario, where: string): string[] {
  const rig = s.rig;
  // The rig's k1 distorts the preset's cameras; with cameras of one's own it was dropped without a word.
  if (rig.cameras && rig.k1 !== 0)
    fail(
      'rig.k1',
      `k1 ${rig.k1} applies to the preset's cameras, and rig.cameras replaces them`,
      'give each camera its own distortion: [k1, k2, p1, p2, k3]',
      where,
    );
  (rig.cameras ?? []).forEach((c, i) => {
    const f = `rig.cameras[${i}]`;
    const W = c.width ?? rig.width;
    const H = c.height ?? rig.height;
    if (c.fx !== undefined && !(c.fx > 0))
      fail(
        `${f}.fx`,
        `focal length ${c.fx} px is impossible`,
        'use a positive focal length in pixels, e.g. fx: 500',
        where,
      );
    if (c.fy !== undefined && !(c.fy > 0))
      fail(
        `${f}.fy`,
        `focal length ${c.fy} px is impossible`,
        'use a positive focal length in pixels',
        where,
      );
    if (c.hfov !== undefined && c.hfov > 0 && c.hfov <= Math.PI)
      fail(
        `${f}.hfov`,
        `field of view ${c.hfov}° looks like radians (${((c.hfov * 180) / Math.PI).toFixed(1)}°)`,
        `hfov is in degrees: write hfov: ${((c.hfov * 180) / Math.PI).toFixed(0)}`,
        where,
      );
    if (c.hfov !== undefined && !(c.hfov > 1 && c.hfov < 170))
      fail(
        `${f}.hfov`,
        `field of view ${c.hfov}° is impossible for a pinhole camera`,
        'use 1 to 170 degrees',
        where,
      );
    if (!(c.position[2] > 0))
      fail(
        `${f}.position`,
        `a camera ${c.position[2]} m above the ground is under the road surface`,
        'give its height above the ground as the third value, e.g. [1.5, 0, 1.6]',
        where,
      );
    // The rig-wide k1 is bounded at ±0.5 by the schema; a camera's own coefficients were not (1e9 was taken).
    const wild = (c.distortion ?? []).findIndex((k) => Math.abs(k) > 2);
    if (wild >= 0)
      fail(
        `${f}.distortion[${wild}]`,
        `distortion coefficient ${c.distortion![wild]} is beyond any lens (|k| ≤ 2)`,
        'plumb_bob k1, k2, p1, p2, k3 of a real lens are well under 1 (|k1| ≲ 0.3)',
        where,
      );
    if (c.fx !== undefined && c.hfov !== undefined)
      fail(
        f,
        `gives both fx (${c.fx} px) and hfov (${c.hfov}°), which say the same thing (fx was used, hfov dropped)`,
        'keep one: hfov in degrees, or fx in pixels',
        where,
      );
    if (c.cx !== undefined && !(c.cx > 0 && c.cx < W))
      fail(
        `${f}.cx`,
        `principal point x ${c.cx} is outside the ${W} px wide image`,
        `use 0 < cx < ${W}, usually ${W / 2}`,
        where,
      );
    if (c.cy !== undefined && !(c.cy > 0 && c.cy < H))
      fail(
        `${f}.cy`,
        `principal point y ${c.cy} is outside the ${H} px high image`,
        `use 0 < cy < ${H}, usually ${H / 2}`,
        where,
      );
  });
  const cams = buildRig(rig);
  const seen = new Set<string>();
  cams.forEach((cam, i) => {
    if (seen.has(cam.id))
      fail(`rig.cameras[${i}].id`, `duplicate camera id '${cam.id}'`, 'give each camera its own id', where);
    seen.add(cam.id);
    // `camera: world` in expect means the fused world result: a camera of that name could never be scored alone.
    if (cam.id === WORLD_ID)
      fail(
        `rig.cameras[${i}].id`,
        `'${WORLD_ID}' is reserved: expect's camera: ${WORLD_ID} selects the fused world objects`,
        'give the camera another id',
        where,
      );
    // A camera none of whose pixels looks below the horizon sees no road and no actor (pitch is down +).
    if (!seesGround(cam))
      fail(
        `rig.cameras[${i}]`,
        `camera '${cam.id}' looks only above the horizon (pitch ${rig.cameras?.[i]?.pitch ?? 0}°, roll ${rig.cameras?.[i]?.roll ?? 0}°), so it never sees the road: at most the tops of what is taller than its mount, which fusion cannot place on the ground`,
        'pitch is in degrees, down positive: 0 looks level, a few degrees down is usual',
        where,
      );
    // Distortion must be monotonic out to the image corners, or pixels fold over.
    const rMax =
      Math.hypot(
        Math.max(cam.cx, cam.width - cam.cx) / cam.fx,
        Math.max(cam.cy, cam.height - cam.cy) / cam.fy,
      ) * 1.5;
    for (const [ux, uy] of [
      [1, 0],
      [0, 1],
      [Math.SQRT1_2, Math.SQRT1_2],
    ] as const) {
      let prev = 0;
      for (let k = 1; k <= 64; k++) {
        const r = (rMax * k) / 64;
        const [xd, yd] = distortPoint(cam.D, r * ux, r * uy);
        const rd = Math.hypot(xd, yd);
        if (!(rd > prev)) {
          fail(
            rig.cameras ? `rig.cameras[${i}].distortion` : 'rig.k1',
            `distortion folds the image over (radius stops growing at r = ${r.toFixed(2)})`,
            'use smaller distortion coefficients (|k1| ≲ 0.3)',
            where,
          );
        }
        prev = rd;
      }
    }
  });
  return cams.map((c) => c.id);
}

/** The rig's camera ids, even when a camera is refused (a zero focal length fails buildRig). */
export function rigCameraIds(s: Scenario): string[] {
  try {
    return buildRig(s.rig).map((c) => c.id);
  } catch {
    return (s.rig.cameras ?? []).map((c) => c.id);
  }
}
