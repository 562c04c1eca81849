import { createFuseStage } from './src/fuse/index.ts';
import { createTrackStage } from './src/track/index.ts';
import { rigScene } from './bench/track.bench.ts';
const scene = rigScene(100, 2);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (let rep = 0; rep < 12; rep++) {
  const batch = scene.map((r) => ({ ...r, tracks: new Map(), issues: [], objects: undefined }));
  let t0 = cpu();
  await createTrackStage({ kind: 'bytetrack' }).process(batch);
  let t1 = cpu();
  const fs = createFuseStage();
  await fs.process(batch);
  let t2 = cpu();
  if (rep > 8) console.log('cpu: track', ((t1 - t0) / 100).toFixed(3), 'fuse', ((t2 - t1) / 100).toFixed(3), 'ms/rig');
}
