/**
 * A tree (forest) of frames built from `Transform[]` (parent → child: p_parent = R·p_child + t, as in tf2).
 * `lookup(target, source)` returns the pose that maps points in `source` coordinates into `target` coordinates,
 * composing edges up to the common ancestor and down again. Later transforms for the same child replace earlier
 * ones (a frame has one parent, as in tf2); self transforms, unnamed frames and non-finite values are ignored.
 */
import type { Transform } from '../contracts/geometry.ts';
import { composePose, IDENTITY_POSE, invertPose, type Pose } from './quat.ts';

export class TransformTree {
  /** child → { parent, pose mapping child into parent } */
  private readonly edges = new Map<string, { parent: string; pose: Pose }>();

  constructor(transforms: readonly Transform[] = []) {
    for (const t of transforms) this.set(t);
  }

  /**
   * Adds or replaces the edge of `t.child`. As tf2 does, a transform it cannot use is ignored: a self transform
   * (parent = child), an unnamed frame, or a NaN or infinite value (a lookup through it would be NaN; without it,
   * null). So a bad transform never displaces a frame's parent.
   */
  set(t: Transform): void {
    if (!usableTransform(t)) return;
    this.edges.set(t.child, { parent: t.parent, pose: { translation: t.translation, rotation: t.rotation } });
  }

  frames(): string[] {
    const s = new Set<string>();
    for (const [child, e] of this.edges) {
      s.add(child);
      s.add(e.parent);
    }
    return [...s].sort();
  }

  /** The top of `frame`'s tree (`frame` itself when /tf gives it no parent): `map` for a bag's base_link. */
  root(frame: string): string {
    return this.toRoot(frame).root;
  }

  /** Pose of `frame` in its root: maps frame coordinates into root coordinates; chain lists frames up to root. */
  private toRoot(frame: string): { root: string; chain: string[]; poses: Pose[] } {
    const chain = [frame];
    const poses: Pose[] = [];
    let cur = frame;
    const seen = new Set([frame]);
    for (;;) {
      const e = this.edges.get(cur);
      if (!e || seen.has(e.parent)) break;
      poses.push(e.pose);
      cur = e.parent;
      seen.add(cur);
      chain.push(cur);
    }
    return { root: cur, chain, poses };
  }

  /**
   * Pose mapping `source` coordinates into `target` coordinates (p_target = T·p_source), or null when the two
   * frames are not connected. Example: `tree.lookup('odom', 'cam_front')` gives the camera pose in odom.
   */
  lookup(target: string, source: string): Pose | null {
    if (target === source) return { translation: [0, 0, 0], rotation: [0, 0, 0, 1] };
    const a = this.toRoot(source);
    const b = this.toRoot(target);
    if (a.root !== b.root) return null;
    // Find the lowest common ancestor: first frame of a's chain that is on b's chain.
    const bIndex = new Map(b.chain.map((f, i) => [f, i]));
    let ia = 0;
    while (ia < a.chain.length && !bIndex.has(a.chain[ia]!)) ia++;
    const ib = bIndex.get(a.chain[ia]!)!;
    // source → lca: compose upward edges.
    let up: Pose = IDENTITY_POSE;
    for (let i = 0; i < ia; i++) up = composePose(a.poses[i]!, up);
    let down: Pose = IDENTITY_POSE; // target → lca
    for (let i = 0; i < ib; i++) down = composePose(b.poses[i]!, down);
    return composePose(invertPose(down), up);
  }
}

/**
 * False for what tf2 refuses: a self transform, an unnamed frame, a NaN or infinite value, and a rotation that is
 * not a unit quaternion (tf2's TF_DENORMALIZED_QUATERNION: its length off 1 by more than 0.01; an all-zero one
 * would otherwise collapse every point of the frame onto its origin).
 */
export function usableTransform(t: Transform): boolean {
  return (
    t.parent !== '' &&
    t.child !== '' &&
    t.parent !== t.child &&
    t.translation.every(Number.isFinite) &&
    t.rotation.every(Number.isFinite) &&
    Math.abs(Math.hypot(...t.rotation) - 1) <= UNIT_QUATERNION_TOLERANCE
  );
}

const UNIT_QUATERNION_TOLERANCE = 0.01;
