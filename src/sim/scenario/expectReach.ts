/**
 * Expectations no run can meet, found before anything is rendered: a metric scoped to a class no actor has or
 * to what is never measured, and an event on an actor no camera ever has in view (a check that can never pass,
 * or that passes whatever the detector does).
 */
import { worldToEgo } from '../groundTruth.ts';
import { buildRig, distortPoint, type RigCamera } from '../rig.ts';
import { frameCount, inDropout } from '../simulate.ts';
import { type AgentState, agentStateAt, egoStateAt, type World } from '../world/world.ts';
import { fail } from './errors.ts';
import { FRACTION_METRICS } from './expect.ts';

/** Metric scopes that no run can measure: a class no actor has, AP on fused world objects. */
export function checkExpectScopes(w: World, where: string): void {
  const classes = [...new Set(w.agents.map((a) => a.cls))];
  w.scenario.expect.metrics.forEach((m, i) => {
    // FP counts the detector's mistakes, which an empty road can have; the rest score ground truth.
    if (w.agents.length === 0 && m.metric !== 'FP')
      fail(
        `expect.metrics[${i}].metric`,
        `the scenario has no actors or parked vehicles, so ${m.metric} has no ground truth to score (it reads 0)`,
        'on an empty road check false positives only, e.g. { metric: FP, max: 5 }',
        where,
      );
    if (m.class !== undefined && !classes.includes(m.class))
      fail(
        `expect.metrics[${i}].class`,
        `no actor or parked vehicle is a ${m.class}, so ${m.metric} of class ${m.class} is never measured and the check fails`,
        classes.length ? `classes in this scenario are ${classes.join(', ')}` : 'this scenario has no actors',
        where,
      );
    if (m.camera === 'world' && (m.metric === 'AP' || m.metric === 'AP50'))
      fail(
        `expect.metrics[${i}].metric`,
        `${m.metric} is not measured on world objects (camera: world), so the check fails`,
        'score AP over the cameras (leave out camera) or pick a tracking metric for world',
        where,
      );
  });
}

/** 3×3×3 points on an actor's box, in world coordinates (corners, edge and face centres, centre). */
function boxPoints(st: AgentState): [number, number, number][] {
  const [l, w, h] = st.agent.size;
  const c = Math.cos(st.yaw);
  const sn = Math.sin(st.yaw);
  const out: [number, number, number][] = [];
  for (const u of [-0.5, 0, 0.5])
    for (const v of [-0.5, 0, 0.5])
      for (const k of [0, 0.5, 1])
        out.push([st.x + u * l * c - v * w * sn, st.y + u * l * sn + v * w * c, st.z + k * h]);
  return out;
}

/**
 * Least height in pixels of an actor's projected 3D box for it to count as in view here: the suite's 8 px
 * don't-care height (`scenarios run --min-height`). The box drawn in the recording is the actor's visible pixels,
 * never taller than its 3D box's projection, so an actor under this is never scored; at half this (as before) a
 * pedestrian projected 7.5 px tall, drawn as a 3 px torso, passed the check and failed every run.
 */
const MIN_VIEW_PX = 8;

/** Whether an actor's box points (base_link) are in the camera's image and at least MIN_VIEW_PX tall there. */
function inView(cam: RigCamera, pts: [number, number, number][], minPx: number): boolean {
  let inside = false;
  let vMin = Number.POSITIVE_INFINITY;
  let vMax = Number.NEGATIVE_INFINITY;
  for (const p of pts) {
    const q = project(cam, p);
    if (!q) continue;
    inside ||= q.inside;
    vMin = Math.min(vMin, q.v);
    vMax = Math.max(vMax, q.v);
  }
  return inside && vMax - vMin >= minPx;
}

/**
 * Pixel row of a base_link point in front of the camera, and whether it lands in the image (with a margin): by the
 * camera's lens (plumb_bob) or by a plain pinhole, whichever puts it inside. A barrel lens shows far more than its
 * pinhole, and a polynomial lens can fold points from outside back in: taking either keeps the rule from ever
 * refusing an actor the renderer shows (its purpose is to refuse what no camera can see).
 */
function project(cam: RigCamera, p: [number, number, number]): { v: number; inside: boolean } | undefined {
  const d = [p[0] - cam.position[0], p[1] - cam.position[1], p[2] - cam.position[2]];
  const R = cam.R;
  // R is base_link ← optical (columns are the optical axes), so optical = Rᵀ·d.
  const x = R[0]! * d[0]! + R[3]! * d[1]! + R[6]! * d[2]!;
  const y = R[1]! * d[0]! + R[4]! * d[1]! + R[7]! * d[2]!;
  const z = R[2]! * d[0]! + R[5]! * d[1]! + R[8]! * d[2]!;
  if (z < 0.1) return undefined;
  const mu = cam.width / 4;
  const mv = cam.height / 4;
  const inImage = (u: number, v: number) => u >= -mu && u < cam.width + mu && v >= -mv && v < cam.height + mv;
  const [xd, yd] = distortPoint(cam.D, x / z, y / z);
  const lens = { u: cam.fx * xd + cam.cx, v: cam.fy * yd + cam.cy };
  if (inImage(lens.u, lens.v)) return { v: lens.v, inside: true };
  const u = (cam.fx * x) / z + cam.cx;
  const v = (cam.fy * y) / z + cam.cy;
  return { v, inside: inImage(u, v) };
}

/**
 * An expectation on an actor that no camera ever has in view (outside every field of view or a few pixels tall
 * all the time, or only in view during a dropout) can never pass, or passes whatever the detector does
 * (not_detected). Geometry only, occlusion ignored: an actor hidden behind a van is in view here.
 */
export function checkExpectInView(w: World, where: string, minPx = MIN_VIEW_PX): void {
  const s = w.scenario;
  const events = s.expect.events;
  // A metric of one camera scores what that camera sees, one of a class what any camera sees of it (FP counts the
  // detector's mistakes, seen or not).
  const scopedMetrics = s.expect.metrics.filter(
    (m) => (m.camera !== undefined || m.class !== undefined) && m.metric !== 'FP',
  );
  if (events.length === 0 && scopedMetrics.length === 0) return;
  const cams = buildRig(s.rig);
  const n = frameCount(s);
  const seen = new Map<string, Set<string>>();
  const camerasSeeing = (id: string): Set<string> => {
    let out = seen.get(id);
    if (out) return out;
    out = new Set<string>();
    seen.set(id, out);
    const index = w.agents.findIndex((a) => a.id === id);
    if (index < 0) return out;
    for (let k = 0; k < n && out.size < cams.length; k++) {
      const t = k / s.rate;
      const st = agentStateAt(w.agents[index]!, index, t);
      if (!st) continue;
      const ego = egoStateAt(w, t);
      const pts = boxPoints(st).map(([x, y, z]): [number, number, number] => [...worldToEgo(ego, x, y), z]);
      for (const cam of cams) {
        if (out.has(cam.id) || inDropout(s, cam.id, t)) continue;
        if (inView(cam, pts, minPx)) out.add(cam.id);
      }
    }
    return out;
  };
  events.forEach((e, i) => {
    const camera = 'camera' in e ? e.camera : undefined;
    const inView = camerasSeeing(e.actor);
    if (camera === undefined ? inView.size > 0 : inView.has(camera)) return;
    const whose = camera === undefined ? 'any camera' : `camera ${camera}`;
    fail(
      `expect.events[${i}].actor`,
      `'${e.actor}' is never in the view of ${whose} at least ${minPx} px tall (the suite scores boxes from ${minPx} px; every frame checked, occlusion ignored), so this ${e.type} check ${e.type === 'not_detected' ? 'passes whatever the detector does' : 'can never pass'}`,
      camera !== undefined && inView.size > 0
        ? `it is in view of ${[...inView].join(', ')}: name one of them, or move the actor`
        : 'move the actor (or the ego) so that a camera sees it, or start it earlier',
      where,
    );
  });
  s.expect.metrics.forEach((m, i) => {
    if (!scopedMetrics.includes(m)) return;
    const scoped = w.agents.filter((a) => m.class === undefined || a.cls === m.class);
    const oneCamera = m.camera !== undefined && m.camera !== 'world' ? m.camera : undefined;
    if (
      scoped.some((a) =>
        oneCamera === undefined ? camerasSeeing(a.id).size > 0 : camerasSeeing(a.id).has(oneCamera),
      )
    )
      return;
    const never = FRACTION_METRICS.includes(m.metric)
      ? 'is never measured and the check fails'
      : 'has no ground truth to count: the check passes whatever the tracker does, or fails as not measured';
    if (oneCamera !== undefined)
      fail(
        `expect.metrics[${i}].camera`,
        `no ${m.class ?? 'actor'} is ever in the view of camera ${oneCamera} at least ${minPx} px tall (every frame checked, occlusion ignored), so ${m.metric} there ${never}`,
        'name a camera that sees the actors, or check the camera’s mount (yaw, pitch)',
        where,
      );
    // Over the cameras or on world objects (camera: world): of a class, or of every actor.
    const of = m.class === undefined ? '' : ` of class ${m.class}`;
    fail(
      `expect.metrics[${i}].${m.class === undefined ? 'camera' : 'class'}`,
      `no ${m.class ?? 'actor'} is ever in the view of any camera at least ${minPx} px tall (every frame checked, occlusion ignored), so ${m.metric}${of}${m.camera === 'world' ? ' on world objects' : ''} ${never}`,
      m.class === undefined
        ? 'move the actors (or the ego) so that a camera sees them'
        : 'move the actor (or the ego) so that a camera sees it, or check another class',
      where,
    );
  });
}
