/**
 * The 3D view (three.js, z up, world = odom): road plane and grid, the ego vehicle with its cameras' view
 * frustums, world objects as boxes coloured per id with id labels, trails and velocity arrows, and the
 * ground-truth boxes (white wireframe) when the overlay is on. Lines are batched into a few LineSegments
 * buffers rebuilt per frame, boxes are one InstancedMesh, so 100 objects cost a handful of draw calls.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Box3D } from '../../../src/contracts/geometry.ts';
import type { CameraInfo, FrameData } from '../data/Recording.ts';
import type { Tf } from '../data/normalize.ts';
import { colorForId, cssColor, type Rgba } from '../state/colors.ts';

const MAX_OBJECTS = 512;
/** Label textures kept (ids): twice what one frame can show, so the current frame's are never evicted. */
const LABEL_CACHE = 2 * MAX_OBJECTS;
const FRUSTUM_DEPTH_M = 4;
const EGO_SIZE: [number, number, number] = [4.6, 1.9, 1.5];
/** The grid's cell (400 m in 80 cells): the ground moves with the ego in these steps, so its lines do not swim. */
const GRID_CELL_M = 5;
/** The default view in the ego's frame (x ahead, z up): the eye behind and to the right, looking 8 m ahead. */
const VIEW_EYE: [number, number, number] = [-22, -14, 18];
const VIEW_TARGET: [number, number, number] = [8, 0, 0];
const Z_UP = new THREE.Vector3(0, 0, 1);

/** The 8 corners of an oriented box (Box3D convention: size = [length, width, height], yaw about +z). */
function boxCorners(b: Box3D): [number, number, number][] {
  const [l, w, h] = b.size;
  const c = Math.cos(b.yaw);
  const s = Math.sin(b.yaw);
  const out: [number, number, number][] = [];
  for (const dz of [-h / 2, h / 2]) {
    for (const [dx, dy] of [
      [l / 2, w / 2],
      [-l / 2, w / 2],
      [-l / 2, -w / 2],
      [l / 2, -w / 2],
    ] as const) {
      out.push([b.center[0] + c * dx - s * dy, b.center[1] + s * dx + c * dy, b.center[2] + dz]);
    }
  }
  return out;
}

const BOX_EDGES = [0, 1, 1, 2, 2, 3, 3, 0, 4, 5, 5, 6, 6, 7, 7, 4, 0, 4, 1, 5, 2, 6, 3, 7];

/** Growable position/colour buffer for LineSegments. */
class Segments {
  private pos = new Float32Array(0);
  private col = new Float32Array(0);
  private n = 0;
  readonly geometry = new THREE.BufferGeometry();
  readonly object: THREE.LineSegments;
  constructor(material: THREE.LineBasicMaterial) {
    this.object = new THREE.LineSegments(this.geometry, material);
    this.object.frustumCulled = false;
  }
  reset(): void {
    this.n = 0;
  }
  push(a: ArrayLike<number>, b: ArrayLike<number>, rgb: [number, number, number]): void {
    if ((this.n + 2) * 3 > this.pos.length) {
      const cap = Math.max(1024, this.pos.length * 2);
      const p = new Float32Array(cap);
      p.set(this.pos);
      const c = new Float32Array(cap);
      c.set(this.col);
      this.pos = p;
      this.col = c;
      this.geometry.setAttribute('position', new THREE.BufferAttribute(this.pos, 3));
      this.geometry.setAttribute('color', new THREE.BufferAttribute(this.col, 3));
    }
    for (const v of [a, b]) {
      const o = this.n * 3;
      this.pos[o] = v[0]!;
      this.pos[o + 1] = v[1]!;
      this.pos[o + 2] = v[2]!;
      this.col[o] = rgb[0];
      this.col[o + 1] = rgb[1];
      this.col[o + 2] = rgb[2];
      this.n++;
    }
  }
  commit(): void {
    const p = this.geometry.getAttribute('position') as THREE.BufferAttribute | undefined;
    const c = this.geometry.getAttribute('color') as THREE.BufferAttribute | undefined;
    if (p) p.needsUpdate = true;
    if (c) c.needsUpdate = true;
    this.geometry.setDrawRange(0, this.n);
  }
  get count(): number {
    return this.n / 2;
  }
}

const _m = new THREE.Matrix4();
const _q = new THREE.Quaternion();
const _p = new THREE.Vector3();
const _s = new THREE.Vector3();
const _c = new THREE.Color();

export class SceneView {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(50, 1, 0.1, 2000);
  private readonly controls: OrbitControls;
  private readonly ego = new THREE.Group();
  /** Road plane and grid: they follow the ego (odom is often kilometres from its origin), in whole grid cells. */
  private ground: THREE.Object3D[] = [];
  private readonly boxes: THREE.InstancedMesh;
  private readonly lines = new Segments(new THREE.LineBasicMaterial({ vertexColors: true }));
  private readonly gtLines = new Segments(
    new THREE.LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.9 }),
  );
  private readonly labels = new THREE.Group();
  private readonly labelCache = new Map<number, THREE.SpriteMaterial>();
  private readonly egoPos = new THREE.Vector3();
  /** The view has been placed by the ego's first pose. */
  private placed = false;
  /** Set when something changed; `render()` draws only then (an idle view costs nothing). */
  private dirty = true;
  /** Counts of what the last update drew (for tests). */
  stats = { objects: 0, trails: 0, arrows: 0, gtBoxes: 0, frustums: 0, ego: false };
  /**
   * The ego vehicle's box: drawn once the file places a vehicle (a camera mounted on base_link, or an odom →
   * base_link pose); a fixed camera's file (`viper import` without --mount) has neither, and no car.
   */
  private readonly egoBox: THREE.Mesh;

  constructor(
    private readonly container: HTMLElement,
    cameras: CameraInfo[],
  ) {
    // No MSAA: with software WebGL (SwiftShader, as in CI and headless) it multiplies the fragment cost by 4.
    this.renderer = new THREE.WebGLRenderer({
      antialias: false,
      preserveDrawingBuffer: true,
      powerPreference: 'high-performance',
    });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    container.replaceChildren(this.renderer.domElement);
    this.scene.background = new THREE.Color(0x1b1f24);
    this.camera.up.set(0, 0, 1);
    this.camera.position.set(...VIEW_EYE);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.set(...VIEW_TARGET);
    this.controls.update();
    this.controls.addEventListener('change', () => {
      this.dirty = true;
    });

    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x404040, 2.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.2);
    sun.position.set(30, -20, 50);
    this.scene.add(sun);
    // The road is a backdrop, drawn first and hiding nothing: the camera frustums that reach below the ground
    // (cameras tilted down) had their lower edges cut off by it, and read as broken.
    const road = new THREE.Mesh(
      new THREE.PlaneGeometry(1000, 1000),
      new THREE.MeshBasicMaterial({ color: 0x3a3f45, depthWrite: false }),
    );
    road.renderOrder = -1;
    road.position.z = -0.01;
    this.scene.add(road);
    const grid = groundGrid(400, GRID_CELL_M);
    this.scene.add(grid);
    this.ground = [road, grid];

    const egoBox = new THREE.Mesh(
      new THREE.BoxGeometry(...EGO_SIZE),
      new THREE.MeshLambertMaterial({ color: 0x2f7bff }),
    );
    egoBox.position.z = EGO_SIZE[2] / 2;
    egoBox.visible = cameras.some((c) => c.mount !== null);
    this.egoBox = egoBox;
    this.ego.add(egoBox);
    this.ego.add(this.frustums(cameras));
    this.scene.add(this.ego);

    this.boxes = new THREE.InstancedMesh(
      new THREE.BoxGeometry(1, 1, 1),
      new THREE.MeshLambertMaterial({ transparent: true, opacity: 0.55 }),
      MAX_OBJECTS,
    );
    this.boxes.count = 0;
    this.boxes.frustumCulled = false;
    this.scene.add(this.boxes, this.lines.object, this.gtLines.object, this.labels);
    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
  }

  /** Frustum wireframes in base_link, from each camera's mount and intrinsics. */
  private frustums(cameras: CameraInfo[]): THREE.Object3D {
    const group = new THREE.Group();
    for (const cam of cameras) {
      if (!cam.mount || !cam.intrinsics) continue;
      const { K, width, height } = cam.intrinsics;
      const fx = K[0]!;
      const fy = K[4]!;
      const cx = K[2]!;
      const cy = K[5]!;
      const d = FRUSTUM_DEPTH_M;
      // Image corners back-projected to depth d in the optical frame (z forward, x right, y down).
      const corners = [
        [0, 0],
        [width, 0],
        [width, height],
        [0, height],
      ].map(([u, v]) => new THREE.Vector3(((u! - cx) / fx) * d, ((v! - cy) / fy) * d, d));
      const pts: THREE.Vector3[] = [];
      for (let i = 0; i < 4; i++)
        pts.push(new THREE.Vector3(), corners[i]!, corners[i]!, corners[(i + 1) % 4]!);
      const geo = new THREE.BufferGeometry().setFromPoints(pts);
      const lines = new THREE.LineSegments(geo, new THREE.LineBasicMaterial({ color: 0xffd166 }));
      applyTf(lines, cam.mount);
      lines.name = `frustum:${cam.id}`;
      group.add(lines);
      this.stats.frustums++;
    }
    return group;
  }

  private labelMaterial(id: number, color: Rgba): THREE.SpriteMaterial {
    const css = cssColor({ ...color, a: 1 });
    let mat = this.labelCache.get(id);
    if (mat && mat.userData.color !== css) {
      mat.map?.dispose();
      mat.dispose();
      this.labelCache.delete(id);
      mat = undefined;
    }
    if (mat) {
      // Most recently used last, so eviction (evictLabels) takes the ids not seen for longest.
      this.labelCache.delete(id);
      this.labelCache.set(id, mat);
      return mat;
    }
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 32;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 64, 32);
    ctx.fillStyle = '#000';
    ctx.font = 'bold 24px sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(String(id), 32, 25);
    mat = new THREE.SpriteMaterial({ map: new THREE.CanvasTexture(canvas), depthTest: false });
    mat.userData.color = css;
    this.labelCache.set(id, mat);
    return mat;
  }

  /**
   * Trackers give every new track a new id, so a long recording meets thousands: keep the label textures of the
   * LABEL_CACHE ids used most recently (more than one frame can show) and free the others' GPU textures.
   */
  private evictLabels(): void {
    for (const [id, mat] of this.labelCache) {
      if (this.labelCache.size <= LABEL_CACHE) break;
      mat.map?.dispose();
      mat.dispose();
      this.labelCache.delete(id);
    }
  }

  update(frame: FrameData, showGt: boolean): void {
    if (frame.ego) {
      this.egoBox.visible = true;
      applyTf(this.ego, frame.ego);
      for (const g of this.ground) {
        g.position.x = Math.round(this.ego.position.x / GRID_CELL_M) * GRID_CELL_M;
        g.position.y = Math.round(this.ego.position.y / GRID_CELL_M) * GRID_CELL_M;
      }
      const prev = this.egoPos.clone();
      this.egoPos.copy(this.ego.position);
      if (!this.placed) {
        // The first pose: the view behind and beside the ego as it faces (a car heading along +y had been looked
        // at from the side, what lies ahead at the pane's edge); the user's orbit is kept from then on.
        this.placed = true;
        const yaw = new THREE.Euler().setFromQuaternion(this.ego.quaternion, 'ZYX').z;
        const turn = (v: THREE.Vector3) => v.applyAxisAngle(Z_UP, yaw).add(this.egoPos);
        this.camera.position.copy(turn(new THREE.Vector3(...VIEW_EYE)));
        this.controls.target.copy(turn(new THREE.Vector3(...VIEW_TARGET)));
        this.controls.update();
      } else {
        // Follow the ego vehicle: move the orbit target and the eye together.
        const delta = this.egoPos.clone().sub(prev);
        this.camera.position.add(delta);
        this.controls.target.add(delta);
      }
    }
    const objects = frame.objects?.objects ?? [];
    const n = Math.min(objects.length, MAX_OBJECTS);
    this.lines.reset();
    while (this.labels.children.length > n)
      this.labels.remove(this.labels.children[this.labels.children.length - 1]!);
    let arrows = 0;
    let trails = 0;
    for (let i = 0; i < n; i++) {
      const o = objects[i]!;
      // As Foxglove shows /perception/scene: the cube's own colour, else viper's colour for the id (the same).
      const color = o.color ?? colorForId(o.id);
      const rgb: [number, number, number] = [color.r, color.g, color.b];
      _p.set(...o.box.center);
      _q.setFromAxisAngle(new THREE.Vector3(0, 0, 1), o.box.yaw);
      _s.set(...o.box.size);
      this.boxes.setMatrixAt(i, _m.compose(_p, _q, _s));
      this.boxes.setColorAt(i, _c.setRGB(...rgb, THREE.SRGBColorSpace));
      const corners = boxCorners(o.box);
      for (let e = 0; e < BOX_EDGES.length; e += 2)
        this.lines.push(corners[BOX_EDGES[e]!]!, corners[BOX_EDGES[e + 1]!]!, rgb);
      const top: [number, number, number] = [
        o.box.center[0],
        o.box.center[1],
        o.box.center[2] + o.box.size[2] / 2,
      ];
      const [vx, vy, vz] = o.velocity;
      const speed = Math.hypot(vx, vy, vz);
      if (speed > 0.1) {
        // Arrow of length = 1 s of motion, from the box's top centre.
        const tip: [number, number, number] = [top[0] + vx, top[1] + vy, top[2] + vz];
        this.lines.push(top, tip, [1, 1, 1]);
        const back = 0.25 * Math.min(1, speed);
        const ux = vx / speed;
        const uy = vy / speed;
        this.lines.push(
          tip,
          [tip[0] - back * (ux - uy * 0.5), tip[1] - back * (uy + ux * 0.5), tip[2]],
          [1, 1, 1],
        );
        this.lines.push(
          tip,
          [tip[0] - back * (ux + uy * 0.5), tip[1] - back * (uy - ux * 0.5), tip[2]],
          [1, 1, 1],
        );
        arrows++;
      }
      const trail = frame.trails.get(o.id);
      if (trail && trail.length > 1) {
        trails++;
        for (let k = 1; k < trail.length; k++) {
          const a = trail[k - 1]!;
          const b = trail[k]!;
          this.lines.push([a[0], a[1], 0.05], [b[0], b[1], 0.05], rgb);
        }
      }
      let sprite = this.labels.children[i] as THREE.Sprite | undefined;
      if (!sprite) {
        sprite = new THREE.Sprite();
        sprite.scale.set(1.6, 0.8, 1);
        this.labels.add(sprite);
      }
      sprite.material = this.labelMaterial(o.id, color);
      sprite.position.set(top[0], top[1], top[2] + 0.7);
    }
    this.evictLabels();
    this.boxes.count = n;
    this.boxes.instanceMatrix.needsUpdate = true;
    if (this.boxes.instanceColor) this.boxes.instanceColor.needsUpdate = true;
    this.lines.commit();

    this.gtLines.reset();
    let gtBoxes = 0;
    if (showGt && frame.gt) {
      for (const a of frame.gt.actors) {
        const c = boxCorners(a.boxWorld);
        for (let e = 0; e < BOX_EDGES.length; e += 2)
          this.gtLines.push(c[BOX_EDGES[e]!]!, c[BOX_EDGES[e + 1]!]!, [1, 1, 1]);
        gtBoxes++;
      }
    }
    this.gtLines.commit();
    this.stats = { ...this.stats, objects: n, trails, arrows, gtBoxes, ego: this.egoBox.visible };
    this.dirty = true;
  }

  /** True when WebGL runs on a software rasterizer (SwiftShader, llvmpipe): the GPU is the CPU. */
  get softwareGl(): boolean {
    const gl = this.renderer.getContext();
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    return /swiftshader|llvmpipe|software/i.test(name);
  }

  resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }

  /** Draw if anything changed; returns the time spent in ms (0 when skipped). */
  render(force = false): number {
    this.controls.update();
    if (!this.dirty && !force) return 0;
    this.dirty = false;
    const t = performance.now();
    this.renderer.render(this.scene, this.camera);
    return performance.now() - t;
  }

  dispose(): void {
    this.controls.dispose();
    this.renderer.dispose();
    for (const m of this.labelCache.values()) {
      m.map?.dispose();
      m.dispose();
    }
  }
}

function applyTf(obj: THREE.Object3D, tf: Tf): void {
  obj.position.set(...tf.translation);
  obj.quaternion.set(...tf.rotation);
}

/**
 * The ground grid (z = 0), `size` metres a side in `cell` m cells, each line drawn as one segment per cell:
 * three's GridHelper draws each line as one 400 m segment, and a segment passing behind the eye was dropped
 * (SwiftShader, what headless browsers and CI draw with), so the grid vanished around the ego, where it matters.
 */
function groundGrid(size: number, cell: number): THREE.LineSegments {
  const half = size / 2;
  const n = Math.round(size / cell);
  const points: number[] = [];
  for (let i = 0; i <= n; i++) {
    const a = -half + i * cell;
    for (let j = 0; j < n; j++) {
      const b0 = -half + j * cell;
      const b1 = b0 + cell;
      points.push(a, b0, 0, a, b1, 0, b0, a, 0, b1, a, 0);
    }
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(points, 3));
  return new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ color: 0x4f5863 }));
}
