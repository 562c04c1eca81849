import { createFuseStage } from './src/fuse/index.ts';
import { createTrackStage } from './src/track/index.ts';
import { rigScene } from './bench/track.bench.ts';
const { results: scene, truth } = rigScene(100, 2);
const batch = scene.map((r) => ({ ...r, tracks: new Map(), issues: [], objects: undefined }));
await createTrackStage({ kind: 'bytetrack' }).process(batch);
await createFuseStage().process(batch);
for (const k of [50]) {
  const objs = batch[k].objects!;
  const ego = k * 0.8;
  for (const o of objs) {
    let best = 1e9, bi = -1;
    truth[k].forEach((t, i) => { const d = Math.hypot(t[0] - o.box.center[0], t[1] - o.box.center[1]); if (d < best) { best = d; bi = i; } });
    const t = truth[k][bi];
    console.log(o.id, 'gt', bi, 'err', best.toFixed(2), 'range', Math.hypot(t[0] - ego, t[1]).toFixed(1), 'src', o.sources.map((s) => s.cameraId + '#' + s.trackId).join(' '), 'cov', Math.sqrt(o.positionCovariance[0]).toFixed(2), Math.sqrt(o.positionCovariance[3]).toFixed(2));
  }
}
