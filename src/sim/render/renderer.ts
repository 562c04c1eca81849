/**
 * Renders every camera of the rig at time t: sky, static scenery, road users, shadows and light pools, then
 * distortion and sensor effects. Also returns, per camera, the final id buffer and per-agent pixel statistics
 * (visible pixels from the depth-tested id buffer, silhouette pixels from a coverage pass with no occluders),
 * which ground truth is computed from.
 */
import { buildRig } from '../rig.ts';
import type { AgentState, EgoState, World } from '../world/world.ts';
import { agentsAt, egoStateAt } from '../world/world.ts';
import { agentMesh, agentShadows, hasHeadlights, headlightPool } from './actors.ts';
import { type CameraSetup, setupCamera, viewFor } from './camera.ts';
import { applyEffects, createEffects, type Effects } from './effects.ts';
import { type Lighting, lightingFor } from './lighting.ts';
import type { Mesh } from './mesh.ts';
import { createTarget, DrawMode, drawMesh, type Target } from './raster.ts';
import { buildScenery, type Scenery } from './scenery.ts';

export interface Renderer {
  world: World;
  lighting: Lighting;
  scenery: Scenery;
  cameras: CameraSetup[];
  effects: Effects;
  targets: Target[];
  /** Output buffers for distorted cameras (the render target holds the undistorted image). */
  outputs: { color: Uint32Array; ids: Uint16Array }[];
}

export interface CameraImage {
  cameraId: string;
  width: number;
  height: number;
  /** Final image, packed RGBA (0xAABBGGRR). Reused between frames: copy before the next render. */
  color: Uint32Array;
  /** Final id buffer (same pixel grid as `color`): 0 sky, agent index + 1, ≥ 0xfffe scenery. Reused. */
  ids: Uint16Array;
  /** The undistorted render's id buffer (the same array as `ids` for pinhole cameras). Reused. */
  renderIds: Uint16Array;
  /** Per agent index: pixels the agent's silhouette covers with nothing in front (undistorted render). */
  silhouette: Int32Array;
}

export interface RenderedFrame {
  t: number;
  ego: EgoState;
  agents: AgentState[];
  images: CameraImage[];
}

export function createRenderer(world: World): Renderer {
  const s = world.scenario;
  const lighting = lightingFor(s);
  const cams = buildRig(s.rig);
  const cameras = cams.map((c) => setupCamera(c, lighting));
  return {
    world,
    lighting,
    scenery: buildScenery(s, lighting),
    cameras,
    effects: createEffects(s.sensor, s.seed),
    targets: cams.map((c) => createTarget(c.width, c.height)),
    outputs: cams.map((c) =>
      c.D.some((d) => d !== 0)
        ? { color: new Uint32Array(c.width * c.height), ids: new Uint16Array(c.width * c.height) }
        : { color: new Uint32Array(0), ids: new Uint16Array(0) },
    ),
  };
}

/** Meshes of the dynamic part of the scene at one instant (shared by all cameras). */
interface DynamicScene {
  bodies: Mesh[];
  shadows: Mesh[];
  glows: Mesh[];
}

export function dynamicScene(r: Renderer, ego: EgoState, agents: AgentState[]): DynamicScene {
  const L = r.lighting;
  const bodies = agents.map((a) => agentMesh(a, L));
  const shadows = agents.flatMap((a) => agentShadows(a, L));
  const glows: Mesh[] = [];
  if (L.night || r.world.scenario.lighting.time === 'dusk') {
    for (const a of agents) {
      if (a.agent.lights && hasHeadlights(a)) glows.push(headlightPool(a.x, a.y, a.yaw, a.agent.size[0], L));
    }
    glows.push(headlightPool(ego.x, ego.y, ego.yaw, r.world.scenario.ego.size[0], L));
  }
  return { bodies, shadows, glows };
}

/**
 * Render camera `ci` (no sensor effects yet when `effects` is false: used by tests that inspect geometry).
 * `stream` seeds per-frame noise and rain.
 */
export function renderCamera(
  r: Renderer,
  ci: number,
  ego: EgoState,
  scene: DynamicScene,
  nAgents: number,
  stream: number,
  effects = true,
): CameraImage {
  const setup = r.cameras[ci]!;
  const T = r.targets[ci]!;
  const view = viewFor(setup, ego, r.lighting);
  T.color.set(setup.sky);
  T.depth.fill(0);
  T.ids.fill(0);
  for (const m of r.scenery.ground) drawMesh(T, view, m);
  for (const m of r.scenery.objects) drawMesh(T, view, m);
  for (const m of scene.bodies) drawMesh(T, view, m);
  for (const m of scene.shadows) drawMesh(T, view, m);
  for (const m of r.scenery.glows) drawMesh(T, view, m);
  for (const m of scene.glows) drawMesh(T, view, m);
  const silhouette = new Int32Array(nAgents);
  for (const m of scene.bodies) silhouette[m.id - 1] = drawMesh(T, view, m, DrawMode.Cover);
  let color = T.color;
  let outIds = T.ids;
  if (setup.remap) {
    const out = r.outputs[ci]!;
    const map = setup.remap;
    const black = 0xff000000;
    for (let i = 0; i < map.length; i++) {
      const j = map[i]!;
      out.color[i] = j < 0 ? black : T.color[j]!;
      out.ids[i] = j < 0 ? 0 : T.ids[j]!;
    }
    color = out.color;
    outIds = out.ids;
  }
  if (effects) applyEffects(r.effects, color, setup.cam.width, setup.cam.height, stream);
  return {
    cameraId: setup.cam.id,
    width: setup.cam.width,
    height: setup.cam.height,
    color,
    ids: outIds,
    renderIds: T.ids,
    silhouette,
  };
}

/** Render every camera at time t (frame index `k` seeds the per-frame noise). */
export function renderFrame(r: Renderer, t: number, k: number, effects = true): RenderedFrame {
  const ego = egoStateAt(r.world, t);
  const agents = agentsAt(r.world, t);
  const scene = dynamicScene(r, ego, agents);
  const n = r.world.agents.length;
  const images = r.cameras.map((_, ci) => renderCamera(r, ci, ego, scene, n, k * 64 + ci, effects));
  return { t, ego, agents, images };
}
