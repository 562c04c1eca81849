/**
 * How a ROS recording spells its frames, so that the results file names them as its own copied messages do.
 *
 * Viper reads ROS frame ids as tf2 does, without leading slashes (`/cam_front` is `cam_front`), so a bag converted
 * from ROS 1 — `/odom` on /tf, or `/cam_front` on its images but `cam_front` on /tf_static — is one tree to it.
 * Foxglove joins the spellings only in a file whose profile is ROS; the results file is not one (it holds JSON
 * channels), so there the input's messages, copied byte for byte, keep their spellings apart. Hence:
 * - Viper's own messages name a frame as the recording spells it (`spell`): the scene's world frame is `/odom`
 *   where the bag's /tf says `/odom`;
 * - where one frame is spelt two ways and a spelling has no parent of its own (images on `/cam_front`, /tf_static
 *   reaching `cam_front`), an identity transform joins it to the spelling that has one (`see` returns it), so every
 *   copied image, calibration and transform is reached from the same tree as in the input.
 */
import type { Transform } from '../contracts/geometry.ts';

/** A frame id as a ROS message spells it, and where: a transform's child or parent, or a message's header. */
export interface Spelling {
  raw: string;
  role: 'child' | 'parent' | 'header';
}

/** The tf2 name of a spelling: without its leading slashes. */
function tf2Name(raw: string): string {
  return raw.replace(/^\/+/, '');
}

interface Spelt {
  /** Spellings in the order first seen. */
  raws: string[];
  /** Spellings a transform names as its child (they have a parent in the recording's own tree)… */
  children: Set<string>;
  /** …and as its parent. */
  parents: Set<string>;
}

export class FrameSpellings {
  private readonly names = new Map<string, Spelt>();
  /** Aliases written, `parent\0child`, and the spellings they gave a parent to. */
  private readonly joined = new Set<string>();
  private readonly aliased = new Set<string>();

  /**
   * The spelling the recording's transforms give `name` — the one it has a parent under, else the one that is a
   * parent — where they name it; undefined where they do not.
   */
  private inTree(s: Spelt): string | undefined {
    return s.raws.find((r) => s.children.has(r)) ?? s.raws.find((r) => s.parents.has(r));
  }

  /** The spelling Viper's messages give `name`: as the recording's transforms spell it, else as it first spelt it. */
  spell(name: string): string {
    const s = this.names.get(name);
    if (!s) return name;
    return this.inTree(s) ?? s.raws[0]!;
  }

  /**
   * Spellings met in one message (in write order: what is returned depends on the input alone); returns the
   * identity transforms now needed to join a spelling with no parent to the one the frame has in the tree.
   */
  see(spellings: readonly Spelling[]): Transform[] {
    const touched = new Set<string>();
    for (const { raw, role } of spellings) {
      const name = tf2Name(raw);
      if (name === '') continue;
      let s = this.names.get(name);
      if (!s) {
        s = { raws: [], children: new Set(), parents: new Set() };
        this.names.set(name, s);
      }
      const roles = role === 'child' ? s.children : role === 'parent' ? s.parents : undefined;
      if (!s.raws.includes(raw)) {
        s.raws.push(raw);
        touched.add(name);
      }
      if (roles && !roles.has(raw)) {
        roles.add(raw);
        touched.add(name);
      }
    }
    const out: Transform[] = [];
    for (const name of touched) {
      const s = this.names.get(name)!;
      const parent = s.raws.length > 1 ? this.inTree(s) : undefined;
      // A spelling the recording gives a parent keeps it (a frame has one parent), and one an alias gave a parent
      // is not made a parent in turn (no cycle).
      if (parent === undefined || this.aliased.has(parent)) continue;
      for (const raw of s.raws) {
        const key = `${parent}\0${raw}`;
        if (raw === parent || s.children.has(raw) || this.aliased.has(raw) || this.joined.has(key)) continue;
        this.joined.add(key);
        this.aliased.add(raw);
        out.push({ parent, child: raw, translation: [0, 0, 0], rotation: [0, 0, 0, 1] });
      }
    }
    return out;
  }
}
