import type { TrackRow } from './rows.ts';
import type { Id } from './sequence.ts';
import type { IdSwitch } from './switches.ts';

/**
 * The identity switches of CLEAR MOT's matching as it runs (kept by `TrackingScorer` for `idSwitches`): per
 * camera, each ground-truth object's last track and each track's last object, the class of each object, and
 * the switches found.
 */
export class SwitchLog {
  readonly #cameras = new Map<
    string,
    {
      frame: number;
      gt: readonly TrackRow[];
      tr: readonly TrackRow[];
      cls: Map<Id, string | undefined>;
      last: Map<Id, Id>;
      owner: Map<Id, { gtId: Id; frame: number }>;
      found: Omit<IdSwitch, 'cls'>[];
    }
  >();

  #state(camera: string) {
    let s = this.#cameras.get(camera);
    if (!s) {
      s = { frame: 0, gt: [], tr: [], cls: new Map(), last: new Map(), owner: new Map(), found: [] };
      this.#cameras.set(camera, s);
    }
    return s;
  }

  /** The scored rows of the frame CLEAR is about to match in `camera`. */
  frame(camera: string, frame: number, gt: readonly TrackRow[], tr: readonly TrackRow[]): void {
    const s = this.#state(camera);
    s.frame = frame;
    s.gt = gt;
    s.tr = tr;
    for (const r of gt) s.cls.set(r.id, r.cls);
  }

  onMatch(camera: string): (t: number, i: number, j: number, idsw: boolean) => void {
    const s = this.#state(camera);
    return (_t, i, j, idsw) => {
      const g = s.gt[i]!;
      const gtId = g.id;
      const to = s.tr[j]!.id;
      const from = s.last.get(gtId);
      s.last.set(gtId, to);
      const before = s.owner.get(to);
      s.owner.set(to, { gtId, frame: s.frame });
      if (!idsw || from === undefined) return;
      s.found.push({
        camera,
        frame: s.frame,
        gtId,
        from,
        to,
        ...(before ? { toBefore: before } : {}),
        gtBox: g.box,
      });
    };
  }

  list(): IdSwitch[] {
    const out: IdSwitch[] = [];
    for (const camera of [...this.#cameras.keys()].sort()) {
      const s = this.#cameras.get(camera)!;
      for (const w of s.found) {
        // The class an object has in the last frame it is scored in, as a map of every scored row gives it.
        const c = s.cls.get(w.gtId);
        out.push({
          camera: w.camera,
          frame: w.frame,
          gtId: w.gtId,
          ...(c !== undefined ? { cls: c } : {}),
          from: w.from,
          to: w.to,
          ...(w.toBefore ? { toBefore: w.toBefore } : {}),
          gtBox: w.gtBox,
        });
      }
    }
    return out;
  }
}
