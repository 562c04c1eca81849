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
import type { PreparedSequence } from './sequence.ts';

/** CLEAR MOT the way py-motmetrics counts it; see the module doc for where it departs from TrackEval. */
export function clearMotmetrics(
  p: PreparedSequence,
  threshold: number,
  onMatch?: (t: number, gtIndex: number, trIndex: number, idsw: boolean) => void,
): ClearResult {
  const nG = p.numGtIds;
  const pairing = new Int32Array(nG).fill(-1); // py-motmetrics `m`: gt → last matched tracker
  // Per gt, its events in frame order: 1 tracked (MATCH/SWITCH), 0 missed.
  const events: number[][] = Array.from({ length: nG }, () => []);
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let idsw = 0;
  let simSum = 0;
  const maxDist = 1 - threshold;

  for (let t = 0; t < p.numTimesteps; t++) {
    const g = p.gtIds[t]!;
    const k = p.trIds[t]!;
    const sim = p.similarity[t]!;
    const n = g.length;
    const m = k.length;
    const gDone = new Uint8Array(n);
    const kDone = new Uint8Array(m);
    const valid = (i: number, j: number) => 1 - sim[i * m + j]! <= maxDist;
    const take = (i: number, j: number, isSwitch: boolean) => {
      gDone[i] = 1;
      kDone[j] = 1;
      pairing[g[i]!] = k[j]!;
      events[g[i]!]!.push(1);
      tp++;
      simSum += sim[i * m + j]!;
      if (isSwitch) idsw++;
      onMatch?.(t, i, j, isSwitch);
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
      events[g[i]!]!.push(0);
      fn++;
    }
    for (let j = 0; j < m; j++) if (!kDone[j]) fp++;
  }

  let mt = 0;
  let pt = 0;
  let ml = 0;
  let frag = 0;
  for (const ev of events) {
    if (ev.length === 0) continue;
    const tracked = ev.reduce((s, x) => s + x, 0);
    const ratio = tracked / ev.length;
    if (ratio >= 0.8) mt++;
    else if (ratio >= 0.2) pt++;
    else ml++;
    const first = ev.indexOf(1);
    const last = ev.lastIndexOf(1);
    for (let q = first + 1; first >= 0 && q <= last; q++) if (ev[q - 1] === 1 && ev[q] === 0) frag++;
  }
  // Ratios start at zero and are derived from the counts by finalizeClear.
  const res: ClearResult = {
    ...emptyClear(),
    MOTP_sum: simSum,
    CLR_TP: tp,
    CLR_FN: fn,
    CLR_FP: fp,
    IDSW: idsw,
    MT: mt,
    PT: pt,
    ML: ml,
    Frag: frag,
    CLR_Frames: p.frameCount ?? p.numTimesteps,
  };
  return finalizeClear(res);
}
