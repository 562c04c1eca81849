import { z } from 'zod';

/** 3-vector in metres (or m/s), frame given by the field that holds it. */
export const Vec3 = z.tuple([z.number(), z.number(), z.number()]);
export type Vec3 = z.infer<typeof Vec3>;

/** Unit quaternion [x, y, z, w] (Foxglove/ROS order). */
export const Quat = z.tuple([z.number(), z.number(), z.number(), z.number()]);
export type Quat = z.infer<typeof Quat>;

/** Axis-aligned 2D box in original image pixels, x right, y down; x1 < x2, y1 < y2. */
export const Box2D = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });
export type Box2D = z.infer<typeof Box2D>;

/**
 * Oriented 3D box: `center` in metres in the named frame, `size` = [length (along heading), width, height],
 * `yaw` in radians about +z (counter-clockwise from +x). The box's bottom sits at center.z - height/2.
 */
export const Box3D = z.object({ center: Vec3, size: Vec3, yaw: z.number() });
export type Box3D = z.infer<typeof Box3D>;

/** A rigid transform `parent → child`: a point p in child coordinates is R·p + t in parent coordinates. */
export const Transform = z.object({
  parent: z.string(),
  child: z.string(),
  translation: Vec3,
  rotation: Quat,
});
export type Transform = z.infer<typeof Transform>;
