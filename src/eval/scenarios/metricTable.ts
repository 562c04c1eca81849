/**
 * The metrics of one run as a flat table, `name[scope]` → value, so that expectations, golden files and diffs
 * all speak the same keys:
 *   `MOTA`                                   2D tracking, all cameras combined (TrackEval's combined sequences)
 *   `MOTA[class=pedestrian]`                 one class, all cameras
 *   `MOTA[camera=cam_front]`                 one camera, all classes (and `[camera=cam_front,class=car]`)
 *   `MOTA[world]`, `MOTA[world,class=car]`   fused world objects vs actor centres on the ground plane (BEV)
 * AP / AP50 are COCO AP of the output track boxes (scored by their confidence) per image = camera frame.
 */
import type { MetricName } from '../../sim/scenario/expect.ts';
import { type ApResult, trackRowsAp } from '../ap.ts';
import { type BevRow, evaluateBev } from '../bev.ts';
import { evaluateRows, type SequenceMetrics } from '../evaluate.ts';
import { groundTruthToBev } from '../fromMessages.ts';
import type { TrackRow } from '../rows.ts';
import type { RunData } from './readRun.ts';

export type MetricTable = Record<string, number>;

export interface ScoreOptions {
  /** Ground-truth boxes less visible than this are left out of 2D scoring (the oracle reports ≥ 0.25). */
  minVisibility?: number;
  /**
   * 2D size range: ground-truth boxes shorter than this (px) are don't-care (neither TP nor FN, and the
   * tracks matched to them are removed before scoring); unmatched tracks shorter than it are not FPs.
   * 0 scores every box. See src/eval/README.md.
   */
  minHeightPx?: number;
  /** 2D match IoU. */
  iou?: number;
  /** BEV: centres at most this far apart match (m). */
  matchDistanceM?: number;
}

export const DEFAULT_SCORE: Required<ScoreOptions> = {
  minVisibility: 0.25,
  minHeightPx: 8,
  iou: 0.5,
  matchDistanceM: 2,
};

/** The scope part of a key: `[class=car]`, `[camera=cam_front,class=car]`, `[world]`, or '' (overall). */
export function scopeKey(s: { class?: string | undefined; camera?: string | undefined }): string {
  const parts: string[] = [];
  if (s.camera === 'world') parts.push('world');
  else if (s.camera !== undefined) parts.push(`camera=${s.camera}`);
  if (s.class !== undefined) parts.push(`class=${s.class}`);
  return parts.length ? `[${parts.join(',')}]` : '';
}

const TRACKING: Record<Exclude<MetricName, 'AP' | 'AP50'>, (m: SequenceMetrics) => number> = {
  MOTA: (m) => m.CLEAR.MOTA,
  MOTP: (m) => m.CLEAR.MOTP,
  IDF1: (m) => m.Identity.IDF1,
  IDP: (m) => m.Identity.IDP,
  IDR: (m) => m.Identity.IDR,
  HOTA: (m) => m.HOTA.HOTA,
  DetA: (m) => m.HOTA.DetA,
  AssA: (m) => m.HOTA.AssA,
  LocA: (m) => m.HOTA.LocA,
  IDSW: (m) => m.CLEAR.IDSW,
  FP: (m) => m.CLEAR.CLR_FP,
  FN: (m) => m.CLEAR.CLR_FN,
  Frag: (m) => m.CLEAR.Frag,
  MT: (m) => m.CLEAR.MT,
  ML: (m) => m.CLEAR.ML,
};

/** Values rounded to 1e-9 so that golden files read well and compare exactly. */
const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e9) / 1e9 : x);

function addTracking(table: MetricTable, scope: string, m: SequenceMetrics): void {
  for (const [name, get] of Object.entries(TRACKING)) table[`${name}${scope}`] = round(get(m));
}

function addAp(table: MetricTable, scope: (cls?: string) => string, ap: ApResult): void {
  table[`AP${scope()}`] = round(ap.mAP);
  table[`AP50${scope()}`] = round(ap.mAP50);
  for (const [cls, a] of Object.entries(ap.perClass)) {
    table[`AP${scope(cls)}`] = round(a.AP);
    table[`AP50${scope(cls)}`] = round(a.AP50);
  }
}

/** 2D ground-truth and track rows (frame = index into `run.stampsNs`). */
export function rowsOf(run: RunData, minVisibility: number): { gt: TrackRow[]; tr: TrackRow[] } {
  const gt: TrackRow[] = [];
  const tr: TrackRow[] = [];
  run.gt.forEach((g, frame) => {
    for (const a of g.actors) {
      for (const v of a.cameras) {
        if (v.visibleFraction < minVisibility || v.box.x2 <= v.box.x1 || v.box.y2 <= v.box.y1) continue;
        gt.push({ frame, id: a.id, cls: a.cls, camera: v.cameraId, box: v.box });
      }
    }
  });
  run.tracks.forEach((ts, frame) => {
    for (const t of ts) {
      const row: TrackRow = { frame, id: t.id, cls: t.cls, camera: t.camera, box: t.box };
      if (t.score !== undefined) row.score = t.score;
      tr.push(row);
    }
  });
  return { gt, tr };
}

/** The scenario's BEV ground truth per frame: `groundTruthToBev`'s rule (visible actors, short ones don't-care). */
function visibleBevRows(run: RunData, minVisibility: number, minHeightPx = 0): BevRow[] {
  return run.gt.flatMap((g, frame) =>
    groundTruthToBev(g, minVisibility, minHeightPx).map((r) => ({ frame, ...r })),
  );
}

/** Score a run: every metric of the expect vocabulary, overall, per class, per camera (× class) and world. */
export function metricTable(run: RunData, opts: ScoreOptions = {}): MetricTable {
  const o = { ...DEFAULT_SCORE, ...opts };
  const table: MetricTable = {};
  const lastFrame = Math.max(0, run.stampsNs.length - 1);
  const range = { threshold: o.iou, firstFrame: 0, lastFrame, minHeightPx: o.minHeightPx };
  if (run.hasTracks) {
    const { gt, tr } = rowsOf(run, o.minVisibility);
    const all = evaluateRows(gt, tr, range);
    addTracking(table, '', all.overall);
    for (const [cls, m] of Object.entries(all.perClass)) addTracking(table, scopeKey({ class: cls }), m);
    addAp(table, (cls) => scopeKey({ class: cls }), trackRowsAp(gt, tr, o.minHeightPx));
    for (const camera of Object.keys(all.perCamera).sort()) {
      const g = gt.filter((r) => r.camera === camera);
      const t = tr.filter((r) => r.camera === camera);
      const cam = evaluateRows(g, t, range);
      addTracking(table, scopeKey({ camera }), cam.overall);
      for (const [cls, m] of Object.entries(cam.perClass))
        addTracking(table, scopeKey({ camera, class: cls }), m);
      addAp(table, (cls) => scopeKey({ camera, class: cls }), trackRowsAp(g, t, o.minHeightPx));
    }
  }
  if (run.hasObjects) {
    const g = visibleBevRows(run, o.minVisibility, o.minHeightPx);
    const t: BevRow[] = run.objects.flatMap((os, frame) => os.map((x) => ({ frame, ...x })));
    addTracking(
      table,
      scopeKey({ camera: 'world' }),
      evaluateBev(g, t, { matchDistanceM: o.matchDistanceM }),
    );
    const classes = [...new Set(g.map((r) => r.cls!))].sort();
    for (const cls of classes) {
      const m = evaluateBev(
        g.filter((r) => r.cls === cls),
        t.filter((r) => r.cls === cls),
        { matchDistanceM: o.matchDistanceM },
      );
      addTracking(table, scopeKey({ camera: 'world', class: cls }), m);
    }
  }
  return Object.fromEntries(Object.entries(table).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Higher is better for every metric but these. */
export const LOWER_IS_BETTER = new Set(['IDSW', 'FP', 'FN', 'Frag', 'ML']);

/** The metric name of a key (`MOTA[class=car]` → `MOTA`). */
export const metricOf = (key: string) => key.split('[')[0]!;
