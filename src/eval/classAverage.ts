/**
 * Class-averaged combination (TrackEval `combine_classes_class_averaged`): counts are summed and every score is
 * the plain mean over the classes that have any TP, FN or FP, so rare classes weigh as much as common ones.
 * (The detection-averaged combination is `combineSequences`: counts summed, scores recomputed.)
 */
import type { ClearResult } from './clearResult.ts';
import type { SequenceMetrics } from './evaluate.ts';
import { HOTA_CURVE_FIELDS, type HotaResult } from './hota.ts';
import type { IdentityResult } from './identity.ts';
import { combineCounts } from './sequence.ts';

const CLEAR_COUNTS = new Set(['CLR_TP', 'CLR_FN', 'CLR_FP', 'IDSW', 'MT', 'PT', 'ML', 'Frag', 'CLR_Frames']);
const IDENTITY_COUNTS = new Set(['IDTP', 'IDFN', 'IDFP']);
const HOTA_COUNTS = new Set(['HOTA_TP', 'HOTA_FN', 'HOTA_FP']);

function averageFields<T extends object>(items: readonly T[], counts: Set<string>): T {
  const out = {} as Record<string, number>;
  const first = (items[0] ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(first)) {
    if (typeof first[k] !== 'number') continue;
    const vals = items.map((r) => (r as Record<string, number>)[k]!);
    const sum = vals.reduce((s, v) => s + v, 0);
    out[k] = counts.has(k) ? sum : vals.length ? sum / vals.length : 0;
  }
  return out as T;
}

/** Mean of per-class results (each class already combined over cameras / sequences). */
export function averageClasses(perClass: readonly SequenceMetrics[]): SequenceMetrics {
  const clear = perClass.map((m) => m.CLEAR).filter((c) => c.CLR_TP + c.CLR_FN + c.CLR_FP > 0);
  const ident = perClass.map((m) => m.Identity).filter((c) => c.IDTP + c.IDFN + c.IDFP > 0);
  const hotas = perClass
    .map((m) => m.HOTA)
    .filter((h) => h.curves.HOTA_TP.some((tp, a) => tp + h.curves.HOTA_FN[a]! + h.curves.HOTA_FP[a]! > 0));
  const HOTA = averageFields<HotaResult>(hotas, HOTA_COUNTS);
  HOTA.alphas = hotas[0]?.alphas ?? [];
  const curves = {} as HotaResult['curves'];
  for (const f of HOTA_CURVE_FIELDS) {
    curves[f] = HOTA.alphas.map((_, a) => {
      const vals = hotas.map((h) => h.curves[f][a]!);
      const sum = vals.reduce((s, v) => s + v, 0);
      return HOTA_COUNTS.has(f) ? sum : sum / vals.length;
    });
  }
  HOTA.curves = curves;
  // The scalar HOTA_TP/FN/FP are means over α (like every scalar); keep them consistent with the curves.
  for (const f of HOTA_COUNTS) {
    const c = curves[f as keyof typeof curves];
    (HOTA as unknown as Record<string, number>)[f] = c.length ? c.reduce((s, v) => s + v, 0) / c.length : 0;
  }
  return {
    CLEAR: averageFields<ClearResult>(clear, CLEAR_COUNTS),
    Identity: averageFields<IdentityResult>(ident, IDENTITY_COUNTS),
    HOTA,
    Count: combineCounts(perClass.map((m) => m.Count)),
  };
}
