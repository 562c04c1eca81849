/**
 * Road geometry: centreline polylines with lanes and sidewalks, resolving route waypoints written as
 * `{ road, at, lane | side }` into world points, and "is this point on the map" queries for validation.
 * Pure functions of the map spec; metres, world frame `odom` (x east, y north).
 */
import type { MapSpec, Road, Vec2, Waypoint } from '../scenario/schema.ts';

export interface RoadSegment {
  road: Road;
  ax: number;
  ay: number;
  bx: number;
  by: number;
  /** Unit direction and length. */
  dx: number;
  dy: number;
  len: number;
  /** Arc length of `a` along the road. */
  s0: number;
}

/** Half the asphalt width. */
export function roadHalfWidth(road: Road): number {
  return (road.lanes * road.laneWidth) / 2;
}

export function roadSegments(road: Road): RoadSegment[] {
  const out: RoadSegment[] = [];
  let s0 = 0;
  for (let i = 0; i + 1 < road.points.length; i++) {
    const [ax, ay] = road.points[i]!;
    const [bx, by] = road.points[i + 1]!;
    const len = Math.hypot(bx - ax, by - ay);
    if (len === 0) continue;
    out.push({ road, ax, ay, bx, by, dx: (bx - ax) / len, dy: (by - ay) / len, len, s0 });
    s0 += len;
  }
  return out;
}

export function roadLength(road: Road): number {
  let s = 0;
  for (const seg of roadSegments(road)) s += seg.len;
  return s;
}

/** Point and unit direction at arc length `s` along the road's centreline (clamped to its ends). */
export function roadPointAt(road: Road, s: number): { x: number; y: number; dx: number; dy: number } {
  const segs = roadSegments(road);
  let seg = segs[0]!;
  for (const g of segs) {
    seg = g;
    if (s <= g.s0 + g.len) break;
  }
  const u = Math.max(0, Math.min(seg.len, s - seg.s0));
  return { x: seg.ax + seg.dx * u, y: seg.ay + seg.dy * u, dx: seg.dx, dy: seg.dy };
}

/** Lateral offset (m, + left of the road direction) of a lane's centre. */
function laneOffset(road: Road, lane: number): number {
  const w = road.laneWidth;
  if (road.oneWay) {
    // Lanes 1..L from the right edge.
    return -roadHalfWidth(road) + (Math.abs(lane) - 0.5) * w;
  }
  return lane > 0 ? -(lane - 0.5) * w : (-lane - 0.5) * w;
}

/** Lanes a road has on each side, for validation: two-way → [-left..-1, 1..right]; one-way → 1..L. */
export function validLanes(road: Road): number[] {
  if (road.oneWay) return Array.from({ length: road.lanes }, (_, i) => i + 1);
  const right = Math.ceil(road.lanes / 2);
  const left = road.lanes - right;
  const out: number[] = [];
  for (let i = left; i >= 1; i--) out.push(-i);
  for (let i = 1; i <= right; i++) out.push(i);
  return out;
}

/** Resolve a waypoint to world [x, y]; road references must already be validated. */
export function resolveWaypoint(map: MapSpec, wp: Waypoint): Vec2 {
  if (Array.isArray(wp)) return [wp[0], wp[1]];
  const road = map.roads.find((r) => r.id === wp.road);
  if (!road) throw new Error(`unknown road ${wp.road}`);
  const p = roadPointAt(road, wp.at);
  let lat = wp.offset;
  if (wp.side) {
    const edge = roadHalfWidth(road) + road.sidewalk / 2;
    lat += wp.side === 'left' ? edge : -edge;
  } else if (wp.lane !== undefined) {
    lat += laneOffset(road, wp.lane);
  }
  // Left normal of (dx, dy) is (-dy, dx).
  return [p.x - p.dy * lat, p.y + p.dx * lat];
}

/** Distance from (x, y) to a segment's centreline, and the arc length of the nearest point. */
export function segmentDistance(seg: RoadSegment, x: number, y: number): { d: number; s: number } {
  const u = Math.max(0, Math.min(seg.len, (x - seg.ax) * seg.dx + (y - seg.ay) * seg.dy));
  const px = seg.ax + seg.dx * u;
  const py = seg.ay + seg.dy * u;
  return { d: Math.hypot(x - px, y - py), s: seg.s0 + u };
}

interface Placement {
  /** Nearest road and how far (m) the point is outside the allowed band (0 = inside). */
  road: Road | null;
  outside: number;
}

/**
 * Where a point sits relative to the roads: `band` selects the allowed strip (asphalt for vehicles, asphalt +
 * sidewalk for people). `outside` is 0 when the point is on some road's band.
 */
export function placement(map: MapSpec, x: number, y: number, band: 'asphalt' | 'sidewalk'): Placement {
  let best: Placement = { road: null, outside: Number.POSITIVE_INFINITY };
  for (const road of map.roads) {
    const half = roadHalfWidth(road) + (band === 'sidewalk' ? road.sidewalk : 0) + 0.5;
    for (const seg of roadSegments(road)) {
      const { d } = segmentDistance(seg, x, y);
      const outside = Math.max(0, d - half);
      if (outside < best.outside) best = { road, outside };
    }
  }
  return best;
}

/** True when (x, y) lies on any road's asphalt (used to keep scenery off roads). */
export function onAsphalt(map: MapSpec, x: number, y: number, margin = 0): boolean {
  for (const road of map.roads) {
    const half = roadHalfWidth(road) + margin;
    for (const seg of roadSegments(road)) if (segmentDistance(seg, x, y).d <= half) return true;
  }
  return false;
}

/**
 * The first road whose band a footprint (a convex polygon, corners in order round it) reaches into, or undefined:
 * `asphalt` is the lanes, `sidewalk` the lanes and both sidewalks. Reaching in means overlapping it: a footprint
 * flush with the band's edge stands beside it. An object is checked whole, not by its centre.
 */
export function footprintOnRoad(
  map: MapSpec,
  corners: readonly Vec2[],
  band: 'asphalt' | 'sidewalk',
): Road | undefined {
  for (const road of map.roads) {
    const half = roadHalfWidth(road) + (band === 'sidewalk' ? road.sidewalk : 0);
    for (const seg of roadSegments(road)) if (segmentPolygonDistance(seg, corners) < half) return road;
  }
  return undefined;
}

/** Distance between a segment and a convex polygon (0 when they touch or the segment is inside). */
function segmentPolygonDistance(seg: RoadSegment, poly: readonly Vec2[]): number {
  const a: Vec2 = [seg.ax, seg.ay];
  const b: Vec2 = [seg.bx, seg.by];
  if (insideConvex(poly, a)) return 0;
  let d = Number.POSITIVE_INFINITY;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    if (segmentsCross(a, b, p, q)) return 0;
    // Apart, two segments are nearest at an endpoint of one of them.
    d = Math.min(d, segmentDistance(seg, p[0], p[1]).d, pointSegment(a, p, q), pointSegment(b, p, q));
  }
  return d;
}

function cross(o: Vec2, a: Vec2, b: Vec2): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function insideConvex(poly: readonly Vec2[], p: Vec2): boolean {
  let sign = 0;
  for (let i = 0; i < poly.length; i++) {
    const c = cross(poly[i]!, poly[(i + 1) % poly.length]!, p);
    if (c !== 0) {
      if (sign !== 0 && Math.sign(c) !== sign) return false;
      sign = Math.sign(c);
    }
  }
  return true;
}

function segmentsCross(a: Vec2, b: Vec2, p: Vec2, q: Vec2): boolean {
  const d1 = cross(p, q, a);
  const d2 = cross(p, q, b);
  const d3 = cross(a, b, p);
  const d4 = cross(a, b, q);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

function pointSegment(p: Vec2, a: Vec2, b: Vec2): number {
  const vx = b[0] - a[0];
  const vy = b[1] - a[1];
  const l2 = vx * vx + vy * vy;
  const u = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * vx + (p[1] - a[1]) * vy) / l2));
  return Math.hypot(p[0] - a[0] - u * vx, p[1] - a[1] - u * vy);
}

/** The map's extent: given, or the roads' bounding box grown by 60 m. */
export function mapExtent(map: MapSpec): [number, number, number, number] {
  if (map.extent) return map.extent;
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const r of map.roads)
    for (const [x, y] of r.points) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  const m = 60;
  return [x0 - m, y0 - m, x1 + m, y1 + m];
}
