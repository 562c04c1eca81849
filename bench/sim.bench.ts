/**
 * Simulator renderer benchmark: camera frames per second per core at 960×540 with 20 actors (Viper's software
 * rasterizer, including mesh building, shadows and sensor effects), and the ratio to three.js WebGLRenderer
 * drawing the same triangles with the same camera in headless Chromium (SwiftShader WebGL), measured in the
 * same run. "Per core" = frames / CPU seconds of the processes doing the work (this process for Viper; the
 * Chromium process tree for three.js), so a busy shared machine does not skew the ratio.
 * Targets: ≥ 30 frames/s/core, ratio ≥ 1.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { benchScenario } from './benchScene.ts';
import { dynamicScene, createRenderer, renderCamera } from '../src/sim/render/renderer.ts';
import { viewFor } from '../src/sim/render/camera.ts';
import { scenarioFromValue } from '../src/sim/scenario/load.ts';
import { agentsAt, egoStateAt } from '../src/sim/world/world.ts';
import type { Mesh } from '../src/sim/render/mesh.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/testing/chromium.ts';

const W = 960;
const H = 540;
const WARMUP = 10;
const FRAMES = 60;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds (user + system) of a process's descendants (not itself), from /proc (Linux). */
function childrenCpuSeconds(rootPid: number): number {
  const tick = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / tick });
    } catch {
      // process ended
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    if (pid !== rootPid) total += stats.get(pid)?.cpu ?? 0;
    for (const [p, st] of stats) if (st.ppid === pid) stack.push(p);
  }
  return total;
}

function meshTriangles(meshes: Mesh[]): { pos: number[]; col: number[] } {
  const pos: number[] = [];
  const col: number[] = [];
  for (const m of meshes) {
    for (let f = 0; f < m.colors.length; f++) {
      const c = m.colors[f]!;
      for (let k = 0; k < 3; k++) {
        const v = m.indices[f * 3 + k]! * 3;
        pos.push(m.positions[v]!, m.positions[v + 1]!, m.positions[v + 2]!);
        col.push((c & 0xff) / 255, ((c >>> 8) & 0xff) / 255, ((c >>> 16) & 0xff) / 255);
      }
    }
  }
  return { pos, col };
}

export async function run(): Promise<void> {
  const { world } = scenarioFromValue(benchScenario(W, H), 'bench');
  const r = createRenderer(world);
  const n = world.agents.length;
  // --- Viper: render cam_front for FRAMES frames (mesh building + raster + effects), on this one core.
  const frameAt = (k: number) => {
    const t = (k % 100) / 10;
    const ego = egoStateAt(world, t);
    const scene = dynamicScene(r, ego, agentsAt(world, t));
    renderCamera(r, 0, ego, scene, n, k);
    return { ego, scene };
  };
  for (let k = 0; k < WARMUP; k++) frameAt(k);
  const c0 = cpuSeconds();
  const w0 = performance.now();
  for (let k = 0; k < FRAMES; k++) frameAt(k);
  const viperCpu = cpuSeconds() - c0;
  const viperWall = (performance.now() - w0) / 1000;
  const viperFps = FRAMES / viperCpu;
  process.stdout.write(
    `viper rasterizer  ${W}×${H}, ${n} actors: ${viperFps.toFixed(1)} frames/s/core (${(FRAMES / viperWall).toFixed(1)} frames/s wall)  target ≥ 30\n`,
  );

  if (!existsSync(CHROMIUM)) {
    process.stdout.write(`three.js baseline skipped: ${CHROMIUM} not found (apt-get install chromium)\n`);
    return;
  }
  // --- three.js: the same static triangles + the actors, moving camera, readPixels each frame.
  const stat = meshTriangles([...r.scenery.ground, ...r.scenery.objects]);
  const frames: { actors: number[]; cam: number[] }[] = [];
  const setup = r.cameras[0]!;
  for (let k = 0; k < WARMUP + FRAMES; k++) {
    const { ego, scene } = frameAt(k);
    const v = viewFor(setup, ego, r.lighting);
    // Camera pose in the world: R_wc = Rᵀ, centre = −Rᵀ t.
    const R = v.R;
    const t = v.t;
    const centre = [0, 1, 2].map((i) => -(R[i]! * t[0]! + R[3 + i]! * t[1]! + R[6 + i]! * t[2]!));
    frames.push({ actors: meshTriangles(scene.bodies).pos, cam: [...R, ...centre] });
  }
  const actorCols = meshTriangles(frameAt(0).scene.bodies).col;
  const threeDir = join(process.cwd(), 'node_modules/three/build');
  const page = `<!doctype html><canvas id="c" width="${W}" height="${H}"></canvas><script type="module">
import * as THREE from '/three.module.js';
let draw, D;
window.setup = (d) => { D = d;
  const renderer = new THREE.WebGLRenderer({ canvas: document.getElementById('c'), antialias: false, preserveDrawingBuffer: true });
  renderer.setSize(${W}, ${H}, false);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0.6, 0.75, 0.9);
  const mk = (pos, col) => { const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.Float32BufferAttribute(pos, 3));
    g.setAttribute('color', new THREE.Float32BufferAttribute(col, 3));
    const m = new THREE.Mesh(g, new THREE.MeshBasicMaterial({ vertexColors: true })); m.frustumCulled = false; scene.add(m); return g; };
  mk(d.statPos, d.statCol);
  const actors = mk(d.frames[0].actors, d.actorCols);
  const fovY = 2 * Math.atan(${H} / 2 / d.fy) * 180 / Math.PI;
  const camera = new THREE.PerspectiveCamera(fovY, ${W} / ${H}, 0.1, 3000);
  camera.matrixAutoUpdate = false;
  const gl = renderer.getContext();
  const px = new Uint8Array(${W} * ${H} * 4);
  const drawF = (f) => {
    const a = actors.getAttribute('position'); a.array.set(f.actors); a.needsUpdate = true;
    const c = f.cam; // optical axes (x right, y down, z forward) → three camera (x right, y up, looks −z)
    camera.matrix.set(c[0], -c[3], -c[6], c[9], c[1], -c[4], -c[7], c[10], c[2], -c[5], -c[8], c[11], 0, 0, 0, 1);
    camera.matrixWorld.copy(camera.matrix); camera.matrixWorldInverse.copy(camera.matrix).invert();
    renderer.render(scene, camera);
    gl.readPixels(0, 0, ${W}, ${H}, gl.RGBA, gl.UNSIGNED_BYTE, px);
  };
  draw = drawF;
  for (let k = 0; k < ${WARMUP}; k++) drawF(d.frames[k]);
  window.info = { tris: (d.statPos.length + d.frames[0].actors.length) / 9, gl: gl.getParameter(gl.VERSION) };
};
window.timed = () => {
  const t0 = performance.now();
  for (let k = ${WARMUP}; k < D.frames.length; k++) draw(D.frames[k]);
  return { ms: performance.now() - t0, ...window.info };
};
window.ready = true;
</script>`;
  const server = createServer((req, res) => {
    // three.module.js imports ./three.core.js: serve the build folder's .js files.
    const name = (req.url ?? '/').slice(1);
    if (/^[a-z.]+\.js$/.test(name) && existsSync(join(threeDir, name))) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(threeDir, name)));
    } else res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
  });
  try {
    // Chromium runs as children of this process (playwright spawns it): count their CPU time.
    const pid = existsSync('/proc/self/stat') ? process.pid : undefined;
    const pg = await browser.newPage({ viewport: { width: W, height: H } });
    pg.on('pageerror', (e) => process.stdout.write(`page error: ${e.message}\n`));
    await pg.goto(`http://127.0.0.1:${port}/`);
    await pg.waitForFunction('window.ready === true');
    const payload = { statPos: stat.pos, statCol: stat.col, actorCols, frames, fy: setup.fy };
    type Page = { setup: (d: unknown) => void; timed: () => { ms: number; tris: number; gl: string } };
    await pg.evaluate((d) => (globalThis as unknown as Page).setup(d), payload);
    const b0 = pid ? childrenCpuSeconds(pid) : Number.NaN;
    const out = await pg.evaluate(() => (globalThis as unknown as Page).timed());
    const threeCpu = pid ? childrenCpuSeconds(pid) - b0 : Number.NaN;
    // BENCH_SIM_SHOT=file.png saves three.js's last frame, to check it draws the same street.
    if (process.env.BENCH_SIM_SHOT) await pg.screenshot({ path: process.env.BENCH_SIM_SHOT });
    const threeWallFps = FRAMES / (out.ms / 1000);
    const threePerCore = Number.isFinite(threeCpu) && threeCpu > 0 ? FRAMES / threeCpu : threeWallFps;
    process.stdout.write(
      `chromium CPU time for ${FRAMES} frames: ${threeCpu.toFixed(2)} s over ${(out.ms / 1000).toFixed(2)} s wall\n`,
    );
    process.stdout.write(
      `three.js r187 WebGLRenderer (${out.gl}, ${out.tris} triangles): ${threePerCore.toFixed(1)} frames/s/core (${threeWallFps.toFixed(1)} frames/s wall)\n`,
    );
    process.stdout.write(
      `ratio viper / three.js: ${(viperFps / threePerCore).toFixed(2)} per core (${(FRAMES / viperWall / threeWallFps).toFixed(2)} wall)  target ≥ 1\n`,
    );
  } finally {
    await browser.close();
    server.close();
  }
}
