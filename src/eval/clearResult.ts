/** The CLEAR MOT result (TrackEval's field names) and the arithmetic shared by both matching conventions. */

export interface ClearResult {
  MOTA: number;
  MOTP: number;
  MODA: number;
  CLR_Re: number;
  CLR_Pr: number;
  MTR: number;
  PTR: number;
  MLR: number;
  sMOTA: number;
  CLR_F1: number;
  FP_per_frame: number;
  MOTAL: number;
  MOTP_sum: number;
  CLR_TP: number;
  CLR_FN: number;
  CLR_FP: number;
  IDSW: number;
  MT: number;
  PT: number;
  ML: number;
  Frag: number;
  CLR_Frames: number;
}

export function emptyClear(): ClearResult {
  return {
    MOTA: 0,
    MOTP: 0,
    MODA: 0,
    CLR_Re: 0,
    CLR_Pr: 0,
    MTR: 0,
    PTR: 0,
    MLR: 0,
    sMOTA: 0,
    CLR_F1: 0,
    FP_per_frame: 0,
    MOTAL: 0,
    MOTP_sum: 0,
    CLR_TP: 0,
    CLR_FN: 0,
    CLR_FP: 0,
    IDSW: 0,
    MT: 0,
    PT: 0,
    ML: 0,
    Frag: 0,
    CLR_Frames: 0,
  };
}

/** Ratios from the counts (TrackEval `_compute_final_fields`); used per sequence and after combining. */
export function finalizeClear(res: ClearResult): ClearResult {
  const nIds = res.MT + res.ML + res.PT;
  const gt = Math.max(1, res.CLR_TP + res.CLR_FN);
  res.MTR = res.MT / Math.max(1, nIds);
  res.MLR = res.ML / Math.max(1, nIds);
  res.PTR = res.PT / Math.max(1, nIds);
  res.CLR_Re = res.CLR_TP / gt;
  res.CLR_Pr = res.CLR_TP / Math.max(1, res.CLR_TP + res.CLR_FP);
  res.MODA = (res.CLR_TP - res.CLR_FP) / gt;
  res.MOTA = (res.CLR_TP - res.CLR_FP - res.IDSW) / gt;
  res.MOTP = res.MOTP_sum / Math.max(1, res.CLR_TP);
  res.sMOTA = (res.MOTP_sum - res.CLR_FP - res.IDSW) / gt;
  res.CLR_F1 = res.CLR_TP / Math.max(1, res.CLR_TP + 0.5 * res.CLR_FN + 0.5 * res.CLR_FP);
  res.FP_per_frame = res.CLR_FP / Math.max(1, res.CLR_Frames);
  const safeLogIdsw = res.IDSW > 0 ? Math.log10(res.IDSW) : res.IDSW;
  res.MOTAL = (res.CLR_TP - res.CLR_FP - safeLogIdsw) / gt;
  return res;
}

const SUMMED: readonly (keyof ClearResult)[] = [
  'CLR_TP',
  'CLR_FN',
  'CLR_FP',
  'IDSW',
  'MT',
  'PT',
  'ML',
  'Frag',
  'CLR_Frames',
  'MOTP_sum',
];

/** Combine sequences (or cameras, or classes weighted by detections): sum the counts, recompute ratios. */
export function combineClear(all: readonly ClearResult[]): ClearResult {
  const res = emptyClear();
  for (const r of all) for (const f of SUMMED) res[f] += r[f];
  return finalizeClear(res);
}
