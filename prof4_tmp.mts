import { createFuseStage, measureTrack, worldInnovation, mahalanobis2 } from './src/fuse/index.ts';
import { createTrackStage } from './src/track/index.ts';
import { TransformTree, cameraModel } from './src/geometry/index.ts';
import { rigScene } from './bench/track.bench.ts';
const { results: scene, truth } = rigScene(100, 2);
const batch = scene.map((r) => ({ ...r, tracks: new Map(), issues: [], objects: undefined }));
await createTrackStage({ kind: 'bytetrack' }).process(batch);
const fuse = createFuseStage();
let prev: any[] = [];
for (let k = 0; k < 60; k++) {
  await fuse.process([batch[k]]);
  const r = batch[k];
  const t = r.tracks.get('cam_1')?.find((x) => x.trackId === 7);
  if (t) {
    const f = r.rig.frames.find((x) => x.cameraId === 'cam_1')!;
    const tree = new TransformTree(f.transforms);
    const m = measureTrack(t, cameraModel(f.calibration!), tree.lookup('base_link', 'cam_1')!, tree.lookup('odom', 'base_link')!)!;
    const o1 = prev.find((o) => o.id === 1);
    const gt = truth[k][4];
    console.log(k, 'box', [t.box.x1, t.box.x2, t.box.y2].map((x) => x.toFixed(0)).join(','), 'meas', m.position.slice(0, 2).map((x) => x.toFixed(2)).join(','), m.method, 'gt', gt.map((x) => x.toFixed(2)).join(','), 'obj1', o1 ? o1.box.center.slice(0, 2).map((x: number) => x.toFixed(2)).join(',') : '-', 'srcs of 1', o1?.sources.map((s: any) => s.cameraId + '#' + s.trackId).join(' '), 'covm', m.cov.map((x) => x.toFixed(2)).join(','));
    if (k > 30) break;
  }
  prev = r.objects!;
}
