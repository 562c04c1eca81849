/**
 * Class size priors [length, width, height] in metres (typical road users; nuScenes mean sizes rounded) used
 * where a single camera cannot measure size, and to place the object centre behind its visible bottom edge.
 */
import type { ViperClass } from '../contracts/classes.ts';
import type { Vec3 } from '../contracts/geometry.ts';

export const CLASS_SIZE_PRIORS: Record<ViperClass, Vec3> = {
  car: [4.6, 1.95, 1.7],
  truck: [6.9, 2.5, 2.9],
  bus: [11.0, 2.9, 3.5],
  pedestrian: [0.7, 0.65, 1.75],
  cyclist: [1.8, 0.6, 1.7],
  motorcycle: [2.1, 0.8, 1.5],
};

/** Groups whose members may be confused by a detector across cameras (association allowed within a group). */
export const CLASS_GROUPS: Record<ViperClass, string> = {
  car: 'vehicle',
  truck: 'vehicle',
  bus: 'vehicle',
  pedestrian: 'pedestrian',
  cyclist: 'two-wheeler',
  motorcycle: 'two-wheeler',
};

/**
 * Horizontal distance from the visible bottom edge to the centre, for an unknown heading: (l + w) / 4, the middle
 * of its range from w/2 (seen side-on) to l/2 (seen end-on).
 */
export function footprintOffsetM(size: Vec3): number {
  return (size[0] + size[1]) / 4;
}

/** 1σ of that offset over the heading: uniform on [w/2, l/2] → (l − w) / (4√3) (0.38 m for a car). */
export function footprintOffsetStdM(size: Vec3): number {
  return Math.abs(size[0] - size[1]) / (4 * Math.sqrt(3));
}
