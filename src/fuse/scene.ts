/** Render world objects as a foxglove.SceneUpdate (plain object, Foxglove field names). */
import { LineType, type SceneEntity, SceneEntityDeletionType, type SceneUpdate } from '@foxglove/schemas';
import type { Vec3 } from '../contracts/geometry.ts';
import type { WorldObject } from '../contracts/perception.ts';
import { type TimeNs, toFoxgloveTime } from '../contracts/time.ts';
import { quatFromYaw } from '../geometry/quat.ts';
import { colorForId } from '../track/colors.ts';

const quat = (yaw: number) => {
  const [x, y, z, w] = quatFromYaw(yaw);
  return { x, y, z, w };
};

/**
 * One entity per object (`object/<id>`): a translucent cube, a text label "#id class speed", a velocity arrow
 * (length = 1 s of travel) and, when `trails` has points for the id, a line strip of its recent positions. The
 * update first deletes all earlier entities, so objects that vanished disappear.
 */
export function objectsToSceneUpdate(
  objects: readonly WorldObject[],
  tNs: TimeNs,
  trails?: ReadonlyMap<number, readonly Vec3[]>,
): SceneUpdate {
  const timestamp = toFoxgloveTime(tNs);
  const entities: SceneEntity[] = [];
  for (const o of objects) {
    const color = colorForId(o.id, 0.5);
    const [cx, cy, cz] = o.box.center;
    const [vx, vy, vz] = o.velocity;
    const speed = Math.hypot(vx, vy, vz);
    const entity: SceneEntity = {
      timestamp,
      frame_id: o.frameId,
      id: `object/${o.id}`,
      lifetime: { sec: 0, nsec: 0 },
      frame_locked: false,
      metadata: [
        { key: 'class', value: o.cls },
        { key: 'sources', value: o.sources.map((s) => `${s.cameraId}#${s.trackId}`).join(' ') },
      ],
      arrows: [],
      cubes: [
        {
          pose: { position: { x: cx, y: cy, z: cz }, orientation: quat(o.box.yaw) },
          size: { x: o.box.size[0], y: o.box.size[1], z: o.box.size[2] },
          color,
        },
      ],
      spheres: [],
      cylinders: [],
      lines: [],
      triangles: [],
      texts: [
        {
          pose: { position: { x: cx, y: cy, z: cz + o.box.size[2] / 2 + 0.5 }, orientation: quat(0) },
          billboard: true,
          font_size: 14,
          scale_invariant: true,
          color: { r: 1, g: 1, b: 1, a: 1 },
          text: `#${o.id} ${o.cls} ${speed.toFixed(1)} m/s`,
        },
      ],
      models: [],
    };
    if (speed > 0.1) {
      entity.arrows.push({
        pose: { position: { x: cx, y: cy, z: cz }, orientation: quat(Math.atan2(vy, vx)) },
        shaft_length: speed,
        shaft_diameter: 0.1,
        head_length: 0.4,
        head_diameter: 0.3,
        color: { ...color, a: 1 },
      });
    }
    const trail = trails?.get(o.id);
    if (trail && trail.length >= 2) {
      entity.lines.push({
        type: LineType.LINE_STRIP,
        pose: { position: { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
        thickness: 2,
        scale_invariant: true,
        points: trail.map(([x, y, z]) => ({ x, y, z })),
        color: { ...color, a: 1 },
        colors: [],
        indices: [],
      });
    }
    entities.push(entity);
  }
  return { deletions: [{ timestamp, type: SceneEntityDeletionType.ALL, id: '' }], entities };
}

/** Keeps the last `maxPoints` ground positions per object id for `objectsToSceneUpdate` trails. */
export function createTrails(maxPoints = 30) {
  const trails = new Map<number, Vec3[]>();
  return {
    /** Append this frame's positions; ids not present are forgotten. Returns the live map. */
    push(objects: readonly WorldObject[]): ReadonlyMap<number, readonly Vec3[]> {
      const seen = new Set<number>();
      for (const o of objects) {
        seen.add(o.id);
        let t = trails.get(o.id);
        if (!t) {
          t = [];
          trails.set(o.id, t);
        }
        t.push([o.box.center[0], o.box.center[1], o.box.center[2] - o.box.size[2] / 2]);
        if (t.length > maxPoints) t.shift();
      }
      for (const id of [...trails.keys()]) if (!seen.has(id)) trails.delete(id);
      return trails;
    },
  };
}
