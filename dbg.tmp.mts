import { loadScenario } from './src/sim/scenario/load.ts';
import { simulateFrames } from './src/sim/simulate.ts';
const l = await loadScenario(process.argv[2]!);
const k = Number(process.argv[3]);
for (const f of simulateFrames(l.world, { frames: [k], effects: false })) {
  for (const a of f.gt.actors) console.log(a.id, a.cls, a.boxWorld.center.map((v) => v.toFixed(1)).join(','), a.cameras.map((c) => `${c.cameraId}:${c.box.x1},${c.box.y1},${c.box.x2},${c.box.y2}@${c.visibleFraction}`).join(' '));
  console.log('ego', f.frame.ego);
}
