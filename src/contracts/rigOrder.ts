/**
 * Where a camera goes in a grid, as a rig is laid out (nuScenes' and most viewers' order): the front row left to
 * right, then the back row, then cameras whose names say neither. `cam_front_left` → 0, `CAM_BACK` → 4.
 */
import { compareText } from './compareText.ts';
function rigRank(id: string): number {
  const n = id.toLowerCase();
  const row = /front/.test(n) ? 0 : /back|rear/.test(n) ? 1 : 2;
  const col = /left/.test(n) ? 0 : /right/.test(n) ? 2 : 1;
  return row * 3 + col;
}

/** Camera ids in rig order (above), by name within a place: the viewer's grid and the simulator's mosaic. */
export function compareRigOrder(a: string, b: string): number {
  return rigRank(a) - rigRank(b) || compareText(a, b);
}
