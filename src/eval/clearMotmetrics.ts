/**
 * CLEAR MOT with py-motmetrics' conventions (`MOTAccumulator.update` and `metrics.py`), for users comparing
 * against numbers produced by py-motmetrics or tools built on it (nuScenes, many papers):
 * - a gt keeps its last matched tracker id for ever: if both are present and still matchable they are paired
 *   first, however many frames ago the pairing was (TrackEval only continues last frame's pairs);
 * - the rest is paired by Hungarian on distance 1 − similarity, non-matchable pairs priced 2·max + 1 as
 *   py-motmetrics' scipy wrapper does, then dropped;
 * - MT ≥ 0.8 tracked ratio (TrackEval: > 0.8), ML < 0.2; Frag counts tracked→missed transitions between the
 *   first and last tracked frame among the frames where the gt is present (TrackEval also counts a gap where
 *   the gt was absent).
 * Results use TrackEval's field names; MOTP is a similarity (py-motmetrics' `motp` is 1 − MOTP).
 */
import { linearSumAssignment } from './assignment.ts';
import { type ClearResult, emptyClear, finalizeClear } from './clearResult.ts';
import type { FrameAccumulator, SequenceTotals } from './sequence.ts';

/**
 * CLEAR MOT the way py-motmetrics counts it, one frame at a time; see the module doc for where it departs from
 * TrackEval. Per gt id it keeps the tracker it last matched and a summary of its tracked / missed events (how many,
 * how many tracked, the last one, and whether a tracked → missed transition awaits a later tracked frame to count
 * as a fragmentation), not the events themselves.
 */
export class ClearMotmetricsAccumulator implements FrameAccumulator<ClearResult> {
  /** py-motmetrics `m`: gt → last matched tracker (−1 none). */
  readonly #pairing: number[] = [];
  /** Per gt: events (frames present), tracked events, last event (−1 none, 0 missed, 1 tracked), a pending drop. */
  readonly #events: number[] = [];
  readonly #tracked: number[] = [];
  readonly #last: number[] = [];
  readonly #pendingDrop: number[] = [];
  readonly #frag: number[] = [];
  #tp = 0;
  #fn = 0;
  #fp = 0;
  #idsw = 0;
  #simSum = 0;
  #t = 0;

  constructor(
    readonly threshold: number,
    readonly onMatch?: (t: number, gtIndex: number, trIndex: number, idsw: boolean) => void,
  ) {}

  #event(gid: number, e: 0 | 1): void {
    this.#events[gid]! += 1;
    if (e === 1) {
      this.#tracked[gid]! += 1;
      if (this.#pendingDrop[gid]) {
        this.#frag[gid]! += 1;
        this.#pendingDrop[gid] = 0;
      }
    } else if (this.#last[gid] === 1) this.#pendingDrop[gid] = 1;
    this.#last[gid] = e;
  }

  add(g: Int32Array, k: Int32Array, sim: Float64Array): void {
    const t = this.#t++;
    const pairing = this.#pairing;
    for (const id of g) {
      while (pairing.length <= id) {
        pairing.push(-1);
        this.#events.push(0);
        this.#tracked.push(0);
        this.#last.push(-1);
        this.#pendingDrop.push(0);
        this.#frag.push(0);
      }
    }
    const maxDist = 1 - this.threshold;
    const n = g.length;
    const m = k.length;
    const gDone = new Uint8Array(n);
    const kDone = new Uint8Array(m);
    const valid = (i: number, j: number) => 1 - sim[i * m + j]! <= maxDist;
    const take = (i: number, j: number, isSwitch: boolean) => {
      gDone[i] = 1;
      kDone[j] = 1;
      pairing[g[i]!] = k[j]!;
      this.#event(g[i]!, 1);
      this.#tp++;
      this.#simSum += sim[i * m + j]!;
      if (isSwitch) this.#idsw++;
      this.onMatch?.(t, i, j, isSwitch);
    };
    if (n > 0 && m > 0) {
      // 1. Carry forward established pairings.
      for (let i = 0; i < n; i++) {
        const prev = pairing[g[i]!]!;
        if (prev === -1) continue;
        const j = k.findIndex((id, jj) => id === prev && !kDone[jj]);
        if (j >= 0 && valid(i, j)) take(i, j, false);
      }
      // 2. Hungarian on distances for the rest.
      let maxValid = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          if (!gDone[i] && !kDone[j] && valid(i, j)) maxValid = Math.max(maxValid, 1 - sim[i * m + j]!);
        }
      }
      const invDist = Number.isFinite(maxValid) ? 2 * maxValid + 1 : 1;
      const cost = new Float64Array(n * m);
      const ok = new Uint8Array(n * m);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          ok[i * m + j] = !gDone[i] && !kDone[j] && valid(i, j) ? 1 : 0;
          cost[i * m + j] = ok[i * m + j] ? 1 - sim[i * m + j]! : invDist;
        }
      }
      const a = linearSumAssignment({ rows: n, cols: m, data: cost });
      for (let q = 0; q < a.rows.length; q++) {
        const i = a.rows[q]!;
        const j = a.cols[q]!;
        if (!ok[i * m + j]) continue;
        const prev = pairing[g[i]!]!;
        take(i, j, prev !== -1 && prev !== k[j]);
      }
    }
    for (let i = 0; i < n; i++) {
      if (gDone[i]) continue;
      this.#event(g[i]!, 0);
      this.#fn++;
    }
    for (let j = 0; j < m; j++) if (!kDone[j]) this.#fp++;
  }

  result(n: SequenceTotals): ClearResult {
    let mt = 0;
    let pt = 0;
    let ml = 0;
    let frag = 0;
    for (let id = 0; id < this.#events.length; id++) {
      const count = this.#events[id]!;
      if (count === 0) continue;
      const ratio = this.#tracked[id]! / count;
      if (ratio >= 0.8) mt++;
      else if (ratio >= 0.2) pt++;
      else ml++;
      frag += this.#frag[id]!;
    }
    // Ratios start at zero and are derived from the counts by finalizeClear.
    const res: ClearResult = {
      ...emptyClear(),
      MOTP_sum: this.#simSum,
      CLR_TP: this.#tp,
      CLR_FN: this.#fn,
      CLR_FP: this.#fp,
      IDSW: this.#idsw,
      MT: mt,
      PT: pt,
      ML: ml,
      Frag: frag,
      CLR_Frames: n.frameCount,
    };
    return finalizeClear(res);
  }
}
