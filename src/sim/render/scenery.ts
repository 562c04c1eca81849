/**
 * The static world as meshes, built once per scenario: ground tiles, asphalt with patches, lane markings,
 * zebra crossings, raised sidewalks with curbs, and objects (buildings with windows, trees, poles, street
 * lights, traffic lights), plus seeded `auto` scenery along the roads. Triangles are grouped into 32 m cells so
 * the rasterizer can cull what a camera cannot see.
 */
import { createRng } from '../rng.ts';
import { DEFAULT_BUILDING_SIZE, type MapSpec, type Scenario, type StaticObject } from '../scenario/schema.ts';
import {
  mapExtent,
  onAsphalt,
  type RoadSegment,
  roadHalfWidth,
  roadPointAt,
  roadSegments,
} from '../world/roads.ts';
import type { Lighting } from './lighting.ts';
import { Blend, frame, ID_GROUND, ID_STATIC, type Mesh, MeshBuilder, type Rgb } from './mesh.ts';

const DEG = Math.PI / 180;
const CELL = 32;
const ASPHALT: Rgb = [74, 76, 80];
const PATCH: Rgb[] = [
  [64, 66, 70],
  [84, 85, 88],
  [58, 60, 63],
];
const WHITE: Rgb = [228, 228, 222];
const YELLOW: Rgb = [226, 186, 52];
const SIDEWALK: Rgb = [168, 164, 156];
const CURB: Rgb = [190, 188, 182];
const GRASS: Rgb = [86, 124, 62];
const CONCRETE: Rgb = [150, 148, 140];
const FACADES: Rgb[] = [
  [196, 178, 150],
  [170, 120, 96],
  [150, 150, 158],
  [220, 210, 190],
  [120, 110, 104],
  [186, 196, 204],
];
const LAMP: Rgb = [255, 236, 180];

export interface Scenery {
  /** Ground-level meshes (receive shadows), id ID_GROUND. */
  ground: Mesh[];
  /** Buildings, trees, poles: id ID_STATIC. */
  objects: Mesh[];
  /** Light pools under street lamps (night/dusk). */
  glows: Mesh[];
}

/** Triangles bucketed by 32 m cell. */
class Cells {
  private cells = new Map<string, MeshBuilder>();
  constructor(private readonly lighting: Lighting) {}
  at(x: number, y: number): MeshBuilder {
    const key = `${Math.floor(x / CELL)},${Math.floor(y / CELL)}`;
    let b = this.cells.get(key);
    if (!b) {
      b = new MeshBuilder(this.lighting.light);
      this.cells.set(key, b);
    }
    return b;
  }
  build(id: number, blend: (typeof Blend)[keyof typeof Blend] = Blend.Opaque, cull = true): Mesh[] {
    return [...this.cells.keys()].sort().map((k) => this.cells.get(k)!.build(id, blend, cull));
  }
}

/** Rectangle along a segment from u0 to u1 (m), lateral l0..l1 (m, + left), as xy points CCW from above. */
function strip(seg: RoadSegment, u0: number, u1: number, l0: number, l1: number): number[][] {
  const px = (u: number, l: number) => [seg.ax + seg.dx * u - seg.dy * l, seg.ay + seg.dy * u + seg.dx * l];
  return [px(u0, l0), px(u1, l0), px(u1, l1), px(u0, l1)];
}

function insideOtherRoad(map: MapSpec, self: string, x: number, y: number, margin: number): boolean {
  for (const r of map.roads) {
    if (r.id === self) continue;
    const half = roadHalfWidth(r) + margin;
    for (const seg of roadSegments(r)) {
      const u = Math.max(0, Math.min(seg.len, (x - seg.ax) * seg.dx + (y - seg.ay) * seg.dy));
      if (Math.hypot(x - seg.ax - seg.dx * u, y - seg.ay - seg.dy * u) <= half) return true;
    }
  }
  return false;
}

function buildRoads(s: Scenario, L: Lighting, g: Cells, glow: Cells): void {
  const rng = createRng(s.seed, 7);
  const map = s.map;
  for (const road of map.roads) {
    const half = roadHalfWidth(road);
    for (const seg of roadSegments(road)) {
      // Asphalt in 4 m pieces (so fog and culling vary along it), markings in 2 m pieces skipping junctions.
      for (let u = 0; u < seg.len; u += 4) {
        const u1 = Math.min(seg.len, u + 4);
        const mid = strip(seg, (u + u1) / 2, (u + u1) / 2, 0, 0)[0]!;
        g.at(mid[0]!, mid[1]!).groundPoly(strip(seg, u, u1, -half, half), 0.02, ASPHALT);
        if (rng.next() < 0.35) {
          const l = rng.range(-half + 0.5, half - 2);
          const pu = rng.range(u, u1);
          g.at(mid[0]!, mid[1]!).groundPoly(
            strip(seg, pu, Math.min(seg.len, pu + rng.range(0.8, 3)), l, l + rng.range(0.5, 1.8)),
            0.025,
            rng.pick(PATCH),
          );
        }
      }
      const lines: { l: number; rgb: Rgb; dashed: boolean; w: number }[] = [];
      lines.push(
        { l: -half + 0.25, rgb: WHITE, dashed: false, w: 0.15 },
        { l: half - 0.25, rgb: WHITE, dashed: false, w: 0.15 },
      );
      const right = road.oneWay ? road.lanes : Math.ceil(road.lanes / 2);
      for (let k = 1; k < road.lanes; k++) {
        const l = -half + k * road.laneWidth;
        const centre = !road.oneWay && k === road.lanes - right;
        lines.push({ l, rgb: centre ? YELLOW : WHITE, dashed: !centre, w: centre ? 0.2 : 0.13 });
      }
      for (let u = 0; u + 0.01 < seg.len; u += 1.5) {
        const u1 = Math.min(seg.len, u + 1.5);
        for (const ln of lines) {
          if (ln.dashed && Math.floor((seg.s0 + u) / 1.5) % 6 >= 2) continue;
          const p = strip(seg, (u + u1) / 2, (u + u1) / 2, ln.l, ln.l)[0]!;
          if (insideOtherRoad(map, road.id, p[0]!, p[1]!, 0.3)) continue;
          g.at(p[0]!, p[1]!).groundPoly(strip(seg, u, u1, ln.l - ln.w / 2, ln.l + ln.w / 2), 0.03, ln.rgb);
        }
      }
      // Sidewalks with curbs, 2 m pieces, left out where they would cross another road.
      if (road.sidewalk > 0) {
        for (let u = 0; u + 0.01 < seg.len; u += 2) {
          const u1 = Math.min(seg.len, u + 2);
          for (const side of [1, -1]) {
            const l0 = side * half;
            const l1 = side * (half + road.sidewalk);
            const p = strip(seg, (u + u1) / 2, (u + u1) / 2, (l0 + l1) / 2, 0)[0]!;
            if (insideOtherRoad(map, road.id, p[0]!, p[1]!, road.sidewalk * 0.5)) continue;
            const b = g.at(p[0]!, p[1]!);
            const q = side > 0 ? strip(seg, u, u1, l0, l1) : strip(seg, u, u1, l1, l0);
            b.groundPoly(q, 0.15, SIDEWALK);
            const e = strip(seg, u, u1, l0, l0);
            const a0 = e[0]!;
            const a1 = e[1]!;
            const face = side > 0 ? [a0, a1] : [a1, a0];
            b.polygon(
              [
                [face[0]![0]!, face[0]![1]!, 0],
                [face[1]![0]!, face[1]![1]!, 0],
                [face[1]![0]!, face[1]![1]!, 0.15],
                [face[0]![0]!, face[0]![1]!, 0.15],
              ],
              CURB,
            );
          }
        }
      }
    }
    // Joints between segments: an octagon of asphalt so corners have no gaps.
    for (let i = 1; i + 1 < road.points.length; i++) {
      const [x, y] = road.points[i]!;
      const pts: number[][] = [];
      for (let k = 0; k < 8; k++) {
        const a = ((k + 0.5) * Math.PI) / 4;
        pts.push([x + half * 1.08 * Math.cos(a), y + half * 1.08 * Math.sin(a)]);
      }
      g.at(x, y).groundPoly(pts, 0.019, ASPHALT);
    }
  }
  for (const c of map.crossings) {
    const road = map.roads.find((r) => r.id === c.road)!;
    const p = roadPointAt(road, c.at);
    const half = roadHalfWidth(road);
    const seg = { ax: p.x, ay: p.y, dx: p.dx, dy: p.dy } as RoadSegment;
    for (let l = -half + 0.3; l + 0.5 <= half; l += 1.0) {
      g.at(p.x, p.y).groundPoly(strip(seg, -c.width / 2, c.width / 2, l, l + 0.5), 0.032, WHITE);
    }
  }
  void L;
  void glow;
}

function box(o: StaticObject, dflt: readonly [number, number, number]): readonly [number, number, number] {
  return o.size ?? dflt;
}

function addObject(o: StaticObject, L: Lighting, cells: Cells, glow: Cells, rngV: number): void {
  const [x, y] = o.position;
  const f = frame(x, y, 0, o.yaw * DEG);
  const b = cells.at(x, y);
  switch (o.type) {
    case 'building': {
      const [l, w, h] = box(o, DEFAULT_BUILDING_SIZE);
      const rgb = o.color ?? FACADES[Math.floor(rngV * FACADES.length)]!;
      b.box(f, 0, 0, h / 2, l, w, h, rgb, { top: [110, 108, 104] });
      // Window rows on the four facades, lit at night in a seeded pattern.
      const win: Rgb = [48, 58, 72];
      let k = Math.floor(rngV * 997);
      for (let z = 3; z + 1.5 < h; z += 3.2) {
        for (const [len, axis] of [
          [l, 0],
          [w, 1],
        ] as const) {
          for (let u = -len / 2 + 1.5; u + 1.2 < len / 2; u += 3) {
            k = (Math.imul(k, 1103515245) + 12345) & 0x7fffffff;
            const lit = L.lampsOn && (k >> 8) % 3 === 0;
            const c: Rgb = lit ? [250, 214, 140] : win;
            for (const side of [1, -1]) {
              // A quad 3 cm proud of the wall, wound to face outwards.
              const loc =
                axis === 0
                  ? [
                      [u, side * (w / 2 + 0.03)],
                      [u + 1.2, side * (w / 2 + 0.03)],
                    ]
                  : [
                      [side * (l / 2 + 0.03), u],
                      [side * (l / 2 + 0.03), u + 1.2],
                    ];
              const outward = axis === 0 ? -side : side;
              const [p0, p1] = outward > 0 ? [loc[0]!, loc[1]!] : [loc[1]!, loc[0]!];
              const wp = (q: number[], z: number) => [
                f.x + q[0]! * f.cos - q[1]! * f.sin,
                f.y + q[0]! * f.sin + q[1]! * f.cos,
                z,
              ];
              b.polygon([wp(p0, z), wp(p1, z), wp(p1, z + 1.4), wp(p0, z + 1.4)], c, lit);
            }
          }
        }
      }
      return;
    }
    case 'tree': {
      const h = o.size?.[2] ?? 6;
      b.box(f, 0, 0, h * 0.25, 0.35, 0.35, h * 0.5, [92, 66, 44]);
      const g: Rgb = o.color ?? [52, 104, 46];
      b.box(f, 0, 0, h * 0.68, 2.6, 2.6, h * 0.55, g);
      b.box(f, 0, 0, h * 0.7, 3.4, 1.8, h * 0.35, g);
      b.box(f, 0, 0, h * 0.7, 1.8, 3.4, h * 0.35, g);
      return;
    }
    case 'pole': {
      const h = o.size?.[2] ?? 4;
      b.box(f, 0, 0, h / 2, 0.2, 0.2, h, o.color ?? [120, 122, 126]);
      return;
    }
    case 'streetlight': {
      const h = o.size?.[2] ?? 7;
      b.box(f, 0, 0, h / 2, 0.2, 0.2, h, [96, 98, 104]);
      b.box(f, 0.9, 0, h - 0.1, 1.8, 0.15, 0.15, [96, 98, 104]);
      b.box(f, 1.6, 0, h - 0.3, 0.7, 0.35, 0.2, L.lampsOn ? LAMP : [200, 200, 200], { emissive: L.lampsOn });
      if (L.lampsOn) addPool(glow.at(x, y), x + 1.6 * f.cos, y + 1.6 * f.sin, 7, [70, 60, 36]);
      return;
    }
    case 'traffic_light': {
      b.box(f, 0, 0, 1.75, 0.18, 0.18, 3.5, [60, 62, 66]);
      b.box(f, 0, 0, 3.9, 0.35, 0.4, 1.1, [30, 30, 32]);
      const on: Record<string, Rgb> = { red: [255, 40, 30], yellow: [255, 190, 30], green: [40, 230, 90] };
      const lit = o.state ?? 'red';
      (['red', 'yellow', 'green'] as const).forEach((st, i) => {
        const c: Rgb = st === lit ? on[st]! : [50, 50, 50];
        b.box(f, 0.2, 0, 4.25 - i * 0.33, 0.06, 0.24, 0.24, c, { front: c, emissiveFront: st === lit });
      });
      return;
    }
    default:
      return; // parked vehicles are agents, drawn with the actors
  }
}

/** A light pool: concentric octagons adding light on the ground. */
function addPool(b: MeshBuilder, x: number, y: number, r: number, rgb: Rgb): void {
  for (const k of [1, 0.6, 0.3]) {
    const pts: number[][] = [];
    for (let i = 0; i < 8; i++) {
      const a = (i * Math.PI) / 4;
      pts.push([x + r * k * Math.cos(a), y + r * k * Math.sin(a), 0]);
    }
    b.triColorFan(pts, rgb, 0.34);
  }
}

/** Seeded buildings, trees and street lights along both sides of every road. */
function autoObjects(s: Scenario): StaticObject[] {
  const out: StaticObject[] = [];
  const rng = createRng(s.seed, 11);
  const map = s.map;
  for (const road of map.roads) {
    const half = roadHalfWidth(road);
    for (const seg of roadSegments(road)) {
      const yawDeg = (Math.atan2(seg.dy, seg.dx) * 180) / Math.PI;
      for (const side of [1, -1]) {
        const edge = half + road.sidewalk;
        const at = (u: number, l: number): [number, number] => [
          seg.ax + seg.dx * u - seg.dy * l * side,
          seg.ay + seg.dy * u + seg.dx * l * side,
        ];
        // Trees and lights on the sidewalk's outer edge.
        if (road.sidewalk >= 2) {
          for (let u = rng.range(3, 9); u < seg.len; u += rng.range(11, 17)) {
            const p = at(u, edge - 0.6);
            if (onAsphalt(map, p[0], p[1], 1.5)) continue;
            out.push({
              type: rng.next() < 0.6 ? 'tree' : 'streetlight',
              position: p,
              yaw: yawDeg - 90 * side,
            });
          }
        }
        // Buildings set back from the sidewalk.
        for (let u = rng.range(0, 6); u < seg.len; ) {
          const l = rng.range(10, 24);
          const w = rng.range(9, 15);
          const h = rng.range(6, 28);
          const set = edge + 2 + w / 2;
          const c = at(u + l / 2, set);
          const corners = [
            at(u, edge + 1.5),
            at(u + l, edge + 1.5),
            at(u, edge + 1.5 + w),
            at(u + l, edge + 1.5 + w),
            c,
          ];
          if (!corners.some((p) => onAsphalt(map, p[0], p[1], 4))) {
            out.push({ type: 'building', position: c, yaw: yawDeg, size: [l, w, h] });
          }
          u += l + rng.range(2, 7);
        }
      }
    }
  }
  return out;
}

export function buildScenery(s: Scenario, L: Lighting): Scenery {
  const g = new Cells(L);
  const objs = new Cells(L);
  const glow = new Cells(L);
  // Ground tiles (40 m) over the extent grown by 300 m, so distance fog reads as haze.
  const [x0, y0, x1, y1] = mapExtent(s.map);
  const pad = 300;
  const tile = 40;
  const rgb = s.map.ground === 'grass' ? GRASS : CONCRETE;
  for (let x = x0 - pad; x < x1 + pad; x += tile)
    for (let y = y0 - pad; y < y1 + pad; y += tile)
      g.at(x, y).groundPoly(
        [
          [x, y],
          [x + tile, y],
          [x + tile, y + tile],
          [x, y + tile],
        ],
        0,
        rgb,
      );
  buildRoads(s, L, g, glow);
  const rng = createRng(s.seed, 13);
  const objects = s.map.scenery === 'auto' ? [...s.map.objects, ...autoObjects(s)] : s.map.objects;
  for (const o of objects) addObject(o, L, objs, glow, rng.next());
  return {
    ground: g.build(ID_GROUND),
    objects: objs.build(ID_STATIC),
    glows: L.lampsOn ? glow.build(0, Blend.Glow, false) : [],
  };
}
