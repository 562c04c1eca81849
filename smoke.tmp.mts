import sharp from 'sharp';
import { Scenario } from '/work/main/src/sim/scenario/schema.ts';
import { buildWorld } from '/work/main/src/sim/world/world.ts';
import { createRenderer, renderFrame } from '/work/main/src/sim/render/renderer.ts';
const time = process.argv[2] ?? 'day';
const s = Scenario.parse({
  name: 'smoke', duration: 5,
  lighting: { time },
  map: { roads: [{ id: 'main', points: [[-100, 0], [200, 0]], lanes: 4 }, { id: 'cross', points: [[50, -100], [50, 100]], lanes: 2 }],
    crossings: [{ road: 'main', at: 130 }],
    objects: [{ type: 'parked_van', position: [115, -8] }] },
  ego: { route: [{ road: 'main', at: 100, lane: 1 }, { road: 'main', at: 250, lane: 1 }], speed: 8 },
  actors: [
    { id: 'C1', class: 'car', route: [{ road: 'main', at: 110, lane: 2 }, { road: 'main', at: 300, lane: 2 }], speed: 10 },
    { id: 'C2', class: 'bus', route: [{ road: 'main', at: 200, lane: -1 }, { road: 'main', at: 0, lane: -1 }], speed: 8 },
    { id: 'T1', class: 'truck', route: [{ road: 'main', at: 140, lane: -2 }, { road: 'main', at: 0, lane: -2 }], speed: 6 },
    { id: 'P1', class: 'pedestrian', route: [[128, -9], [128, 9]], speed: 1.4 },
    { id: 'P2', class: 'pedestrian', route: [[120, 8.5], [160, 8.5]], speed: 1.2 },
    { id: 'B1', class: 'cyclist', route: [{ road: 'main', at: 125, lane: 1, offset: -1.2 }, { road: 'main', at: 300, lane: 1, offset: -1.2 }], speed: 5 },
    { id: 'M1', class: 'motorcycle', route: [{ road: 'main', at: 90, lane: 2 }, { road: 'main', at: 300, lane: 2 }], speed: 12 },
  ],
});
const w = buildWorld(s);
let t0 = performance.now();
const r = createRenderer(w);
console.log('setup ms', performance.now() - t0, 'ground meshes', r.scenery.ground.length, 'obj', r.scenery.objects.length);
t0 = performance.now();
let f = renderFrame(r, 1, 10);
for (let i = 0; i < 4; i++) f = renderFrame(r, 1 + i * 0.1, 10 + i);
console.log('frame ms (6 cams)', (performance.now() - t0) / 5);
const W = f.images[0]!.width, H = f.images[0]!.height;
const order = ['cam_front_left', 'cam_front', 'cam_front_right', 'cam_back_left', 'cam_back', 'cam_back_right'];
const mosaic = Buffer.alloc(W * 3 * H * 2 * 3);
order.forEach((id, k) => {
  const img = f.images.find((i) => i.cameraId === id)!;
  const ox = (k % 3) * W, oy = Math.floor(k / 3) * H;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const p = img.color[y * W + x]!; const o = ((oy + y) * W * 3 + ox + x) * 3;
    mosaic[o] = p & 255; mosaic[o + 1] = (p >>> 8) & 255; mosaic[o + 2] = (p >>> 16) & 255;
  }
});
await sharp(mosaic, { raw: { width: W * 3, height: H * 2, channels: 3 } }).png().toFile(`/tmp/sim/smoke-${time}.png`);
for (const img of f.images) console.log(img.cameraId, [...img.visible].map((v, i) => `${v}/${img.silhouette[i]}`).join(' '));
