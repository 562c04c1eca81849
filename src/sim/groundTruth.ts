/**
 * Ground truth from a rendered frame, never estimated: each agent's 3D box in `odom` and `base_link`, world
 * velocity, class and id; and per camera the bounding box of its pixels in the final id buffer and its visible
 * fraction = visible pixels / silhouette pixels (the silhouette is the agent rasterized with nothing in front).
 * 2D boxes are pixel-edge boxes: x1 = leftmost pixel column, x2 = rightmost + 1 (so a 1-pixel actor is 1 wide).
 */
import type { GroundTruthMessage, GtActor, GtCameraView } from '../contracts/perception.ts';
import type { TimeNs } from '../contracts/time.ts';
import { wrapAngle } from '../geometry/angle.ts';
import type { CameraImage, RenderedFrame } from './render/renderer.ts';
import type { AgentState, EgoState } from './world/world.ts';

interface PixelBoxes {
  x1: Int32Array;
  y1: Int32Array;
  x2: Int32Array;
  y2: Int32Array;
  count: Int32Array;
}

/** Bounding boxes (pixel edges) and pixel counts of every agent id in an id buffer, in one pass. */
export function pixelBoxes(ids: Uint16Array, width: number, height: number, nAgents: number): PixelBoxes {
  const x1 = new Int32Array(nAgents).fill(width);
  const y1 = new Int32Array(nAgents).fill(height);
  const x2 = new Int32Array(nAgents);
  const y2 = new Int32Array(nAgents);
  const count = new Int32Array(nAgents);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const id = ids[row + x]!;
      if (id === 0 || id > nAgents) continue;
      const k = id - 1;
      count[k]!++;
      if (x < x1[k]!) x1[k] = x;
      if (x + 1 > x2[k]!) x2[k] = x + 1;
      if (y < y1[k]!) y1[k] = y;
      if (y + 1 > y2[k]!) y2[k] = y + 1;
    }
  }
  return { x1, y1, x2, y2, count };
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** A world point in the ego's base_link frame (FLU). */
export function worldToEgo(ego: EgoState, x: number, y: number): [number, number] {
  const c = Math.cos(ego.yaw);
  const s = Math.sin(ego.yaw);
  const dx = x - ego.x;
  const dy = y - ego.y;
  return [c * dx + s * dy, -s * dx + c * dy];
}

/** Per-camera views of every agent: boxes from the id buffer, fractions from the pixel counts. */
function cameraViews(images: CameraImage[], nAgents: number): GtCameraView[][] {
  const out: GtCameraView[][] = Array.from({ length: nAgents }, () => []);
  for (const img of images) {
    const b = pixelBoxes(img.ids, img.width, img.height, nAgents);
    // Visible pixels are counted in the undistorted render, like the silhouette (same pixel grid).
    const vis =
      img.renderIds === img.ids ? b.count : pixelBoxes(img.renderIds, img.width, img.height, nAgents).count;
    for (let k = 0; k < nAgents; k++) {
      if (b.count[k] === 0) continue;
      const sil = img.silhouette[k]!;
      out[k]!.push({
        cameraId: img.cameraId,
        box: { x1: b.x1[k]!, y1: b.y1[k]!, x2: b.x2[k]!, y2: b.y2[k]! },
        visibleFraction: sil > 0 ? r4(Math.min(1, vis[k]! / sil)) : 0,
      });
    }
  }
  return out;
}

function gtActor(st: AgentState, ego: EgoState, views: GtCameraView[]): GtActor {
  const [L, W, H] = st.agent.size;
  const [ex, ey] = worldToEgo(ego, st.x, st.y);
  return {
    id: st.agent.id,
    cls: st.agent.cls,
    boxWorld: { center: [r4(st.x), r4(st.y), r4(st.z + H / 2)], size: [L, W, H], yaw: r4(wrapAngle(st.yaw)) },
    boxEgo: {
      center: [r4(ex), r4(ey), r4(st.z + H / 2)],
      size: [L, W, H],
      yaw: r4(wrapAngle(st.yaw - ego.yaw)),
    },
    velocity: [r4(st.vx), r4(st.vy), 0],
    cameras: views,
  };
}

/**
 * The `/ground_truth/objects` message of a frame. Cameras in dropout are passed in `images` already removed,
 * so a dropped camera reports no views.
 */
export function groundTruthMessage(
  frame: RenderedFrame,
  tNs: TimeNs,
  nAgents: number,
  images = frame.images,
): GroundTruthMessage {
  const views = cameraViews(images, nAgents);
  return {
    stampNs: tNs.toString(),
    actors: frame.agents.map((st) => gtActor(st, frame.ego, views[st.index]!)),
  };
}
