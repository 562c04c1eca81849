/**
 * Real cameras: nuScenes' six 1600×900 cameras (../shared/data/nuscenes-sample). The 3D boxes, given in the lidar
 * frame, go through lidar2ego and the inverse of each cam2ego into the optical frame and through K; they must
 * land on the sample's 2D boxes within what its README states (the converter used each camera's own ego pose,
 * the file keeps one: median 2–5 px).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  applyPose,
  backProjectToGround,
  composePose,
  invertPose,
  pinholeModel,
  poseFromMatrix4,
  projectBox3D,
  projectPoint,
} from '../../src/geometry/index.ts';
import { describeShared, shared } from '../shared.ts';

interface Sample {
  lidar2ego: number[][];
  cameras: Record<string, { width: number; height: number; K: number[][]; cam2ego: number[][] }>;
  objects: {
    class: string;
    centerLidar: [number, number, number];
    size: { l: number; w: number; h: number };
    yawLidar: number;
  }[];
  cameraBoxes: Record<
    string,
    { class: string; box: [number, number, number, number]; center2d: [number, number]; depthM: number }[]
  >;
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
};
const quantile = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.floor(q * (a.length - 1))]!;

describeShared('nuScenes sample: 3D boxes projected through the camera model', () => {
  const d = JSON.parse(readFileSync(shared('data/nuscenes-sample/sample.json'), 'utf8')) as Sample;
  const egoFromLidar = poseFromMatrix4(d.lidar2ego);

  it('lands on the 2D boxes within the few pixels the README states', () => {
    const centreErr: number[] = [];
    const boxErr: number[] = [];
    const shapeErr: number[] = [];
    for (const [cam, c] of Object.entries(d.cameras)) {
      const model = pinholeModel(c.K, c.width, c.height, cam);
      const camFromLidar = composePose(invertPose(poseFromMatrix4(c.cam2ego)), egoFromLidar);
      for (const gt of d.cameraBoxes[cam]!) {
        // Identify the object: same class, projected centre and depth nearest to the converter's.
        let best: { score: number; uv: [number, number]; o: Sample['objects'][number] } | undefined;
        for (const o of d.objects) {
          if (o.class !== gt.class) continue;
          const pc = applyPose(camFromLidar, o.centerLidar);
          const uv = projectPoint(model, pc);
          if (!uv) continue;
          const score =
            Math.hypot(uv[0] - gt.center2d[0], uv[1] - gt.center2d[1]) + 10 * Math.abs(pc[2] - gt.depthM);
          if (!best || score < best.score) best = { score, uv, o };
        }
        expect(best).toBeDefined();
        const { uv, o } = best!;
        const box3 = {
          center: o.centerLidar,
          size: [o.size.l, o.size.w, o.size.h] as [number, number, number],
          yaw: o.yawLidar,
        };
        const b = projectBox3D(model, camFromLidar, box3, { behind: 'drop' })!;
        expect(b).not.toBeNull();
        centreErr.push(Math.hypot(uv[0] - gt.center2d[0], uv[1] - gt.center2d[1]));
        const [x1, y1, x2, y2] = gt.box;
        boxErr.push(
          Math.max(Math.abs(b.x1 - x1), Math.abs(b.y1 - y1), Math.abs(b.x2 - x2), Math.abs(b.y2 - y2)),
        );
        // Shape: after removing the centre offset (the ego-pose difference), boxes inside the image agree closely;
        // this pins the corner convention (size order, yaw) independently of the pose offset.
        if (b.x1 > 1 && b.x2 < c.width - 1 && b.y2 < c.height - 1) {
          const sx = gt.center2d[0] - uv[0];
          const sy = gt.center2d[1] - uv[1];
          shapeErr.push(
            Math.max(
              Math.abs(b.x1 + sx - x1),
              Math.abs(b.y1 + sy - y1),
              Math.abs(b.x2 + sx - x2),
              Math.abs(b.y2 + sy - y2),
            ),
          );
        }
        // Clipping edges at the near plane and dropping corners behind agree when every corner is in front.
        const clipped = projectBox3D(model, camFromLidar, box3)!;
        if (Math.abs(clipped.y2 - b.y2) + Math.abs(clipped.x1 - b.x1) > 1e-6) {
          // Only allowed when the box reaches behind the near plane.
          expect(applyPose(camFromLidar, o.centerLidar)[2]).toBeLessThan(o.size.l + o.size.w);
        }
      }
    }
    expect(centreErr.length).toBe(84);
    expect(median(centreErr)).toBeLessThan(5);
    expect(median(boxErr)).toBeLessThan(6);
    expect(median(shapeErr)).toBeLessThan(2);
    expect(quantile(shapeErr, 0.9)).toBeLessThan(3);
  });

  it('back-projects the bottom of near boxes to the ground within the flat-world error', () => {
    // Objects whose bottom-centre is visible: the ray through the bottom face's projected centre meets the ego
    // ground plane (z = 0 of ego, origin on the ground) near the object's bottom centre.
    const errs: number[] = [];
    for (const [cam, c] of Object.entries(d.cameras)) {
      const model = pinholeModel(c.K, c.width, c.height, cam);
      const egoFromCam = poseFromMatrix4(c.cam2ego);
      const camFromEgo = invertPose(egoFromCam);
      for (const o of d.objects) {
        const bottom = applyPose(egoFromLidar, [
          o.centerLidar[0],
          o.centerLidar[1],
          o.centerLidar[2] - o.size.h / 2,
        ]);
        const range = Math.hypot(bottom[0], bottom[1]);
        if (range > 30) continue;
        const uv = projectPoint(model, applyPose(camFromEgo, bottom));
        if (!uv || uv[0] < 0 || uv[0] > c.width || uv[1] < 0 || uv[1] > c.height) continue;
        const hit = backProjectToGround(model, egoFromCam, uv, bottom[2]);
        expect(hit).not.toBeNull();
        errs.push(Math.hypot(hit!.point[0] - bottom[0], hit!.point[1] - bottom[1]));
      }
    }
    expect(errs.length).toBeGreaterThan(5);
    // Exact up to rounding: the plane is placed at the object's own bottom height.
    expect(Math.max(...errs)).toBeLessThan(1e-6);
  });
});
