/**
 * The evaluation report of `viper eval`: what was scored, the metrics, and the run's own figures (frames,
 * dropped camera frames, issues) from `/perception/metrics`; plus its one-screen text rendering.
 */
import type { ApResult } from './ap.ts';
import type { AmotaResult } from './bev.ts';
import type { Breakdown, SequenceMetrics } from './evaluate.ts';
import type { IdSwitch } from './switches.ts';

export interface RunFigures {
  /** Rig frames processed (messages on /perception/metrics). */
  rigFrames: number;
  /** Camera frames expected (present + missing) and missing (dropped or absent at alignment). */
  cameraFrames: number;
  cameraFramesMissing: number;
  droppedFraction: number;
  /** Non-fatal issues by kind. */
  issues: Record<string, number>;
}

export interface EvalReport {
  results: string;
  groundTruth: string;
  format: 'mcap' | 'mot' | 'kitti';
  /** 2D tracking per camera / class / overall (absent when the results hold no tracks). */
  tracking?: Breakdown;
  /** AP of the output boxes (scored by their confidence) against the same ground truth. */
  detection?: ApResult;
  /** Fused world objects against ground-truth actor positions. */
  bev?: { metrics: SequenceMetrics; amota: AmotaResult };
  run?: RunFigures;
  /**
   * With `viper eval --switches`: every 2D identity switch. MCAP: `frame` is the stamp's rank among all scored
   * stamps and `timeS` its seconds after the first; text files: the file's frame number, no time.
   */
  idSwitches?: (IdSwitch & { timeS?: number })[];
  /** Things the reader skipped or could not use, counted. */
  notes: string[];
}

interface RigMetricsLike {
  cameras?: unknown;
  missing?: unknown;
  issues?: unknown;
}

/** Run figures from decoded `/perception/metrics` messages, added one at a time. */
export class RunSummary {
  #messages = 0;
  #present = 0;
  #missing = 0;
  readonly #issues: Record<string, number> = {};

  add(m: RigMetricsLike): void {
    this.#messages++;
    this.#present += Array.isArray(m.cameras) ? m.cameras.length : 0;
    this.#missing += Array.isArray(m.missing) ? m.missing.length : 0;
    if (Array.isArray(m.issues)) {
      for (const i of m.issues) {
        const kind =
          typeof (i as { kind?: unknown }).kind === 'string' ? (i as { kind: string }).kind : 'unknown';
        this.#issues[kind] = (this.#issues[kind] ?? 0) + 1;
      }
    }
  }

  /** Messages added. */
  get size(): number {
    return this.#messages;
  }

  figures(): RunFigures {
    const present = this.#present;
    const missing = this.#missing;
    return {
      rigFrames: this.#messages,
      cameraFrames: present + missing,
      cameraFramesMissing: missing,
      droppedFraction: present + missing > 0 ? missing / (present + missing) : 0,
      issues: { ...this.#issues },
    };
  }
}

/** A right-aligned column of `width`, always led by a space: a value wider than it (MOTA −1000 %) stays apart. */
const col = (text: string, width: number) => ` ${text.padStart(width - 1)}`;
const pct = (x: number) => col(Number.isFinite(x) ? (100 * x).toFixed(1) : '-', 6);

function line(name: string, m: SequenceMetrics, width = 14): string {
  const c = m.CLEAR;
  return (
    `  ${name.padEnd(width)}${pct(m.HOTA.HOTA)}${pct(m.HOTA.DetA)}${pct(m.HOTA.AssA)}${pct(c.MOTA)}${pct(c.MOTP)}` +
    `${pct(m.Identity.IDF1)}${col(String(c.IDSW), 6)}${col(String(c.CLR_FP), 7)}${col(String(c.CLR_FN), 7)}` +
    `${col(String(m.Count.GT_IDs), 6)}`
  );
}

const header = (width = 14) =>
  `  ${''.padEnd(width)}  HOTA  DetA  AssA  MOTA  MOTP  IDF1  IDSW     FP     FN   GTs`;

/** The AP row's label for boxes without a class (key '' of `perClass`): the row had no label at all. */
const NO_CLASS = '(no class)';

/** The report as text (percentages; counts as integers). */
export function formatReport(r: EvalReport): string {
  const out: string[] = [`results ${r.results}  vs  ground truth ${r.groundTruth} (${r.format})`];
  if (r.tracking) {
    const t = r.tracking;
    const rows: [string, SequenceMetrics][] = [
      ['overall', t.overall],
      // One camera-less sequence (a text file) is the overall row again: not printed twice.
      ...Object.entries(t.perCamera)
        .filter(([cam]) => cam !== '' || Object.keys(t.perCamera).length > 1)
        .map(([cam, m]): [string, SequenceMetrics] => [`cam ${cam || '-'}`, m]),
      ...Object.entries(t.perClass),
      ...(Object.keys(t.perClass).length > 1
        ? [['class average', t.classAveraged] as [string, SequenceMetrics]]
        : []),
    ];
    // Long camera names (cam_front_right) widen the name column instead of pushing their row out of line.
    const width = Math.max(14, ...rows.map(([name]) => name.length + 1));
    out.push('2D tracking (IoU):', header(width), ...rows.map(([name, m]) => line(name, m, width)));
  }
  if (r.detection) {
    out.push(
      `detection AP (COCO, over the output's boxes: track boxes, or detections with --tracker none): mAP ${pct(r.detection.mAP)}  AP50 ${pct(r.detection.mAP50)}`,
    );
    for (const [cls, a] of Object.entries(r.detection.perClass)) {
      // Boxes without a class (MOTChallenge text rows carry none) are scored together under the key ''.
      out.push(
        `  ${(cls === '' ? NO_CLASS : cls).padEnd(14)}AP ${pct(a.AP)}  AP50 ${pct(a.AP50)}  AP75 ${pct(a.AP75)}  (${a.numGt} gt, ${a.numDets} boxes)`,
      );
    }
  }
  if (r.bev) {
    out.push('BEV tracking (centre distance):', header(), line('overall', r.bev.metrics));
    out.push(`  AMOTA ${pct(r.bev.amota.AMOTA)}  AMOTP ${r.bev.amota.AMOTP.toFixed(2)} m`);
  }
  if (r.run) {
    const f = r.run;
    const issues = Object.entries(f.issues).map(([k, n]) => `${k} ${n}`);
    out.push(
      `run: ${f.rigFrames} rig frames, ${f.cameraFramesMissing}/${f.cameraFrames} camera frames missing (${pct(f.droppedFraction).trim()}%)` +
        (issues.length ? `; issues: ${issues.join(', ')}` : ''),
    );
  }
  if (r.idSwitches) {
    out.push(`2D identity switches: ${r.idSwitches.length}`);
    for (const w of r.idSwitches) {
      const when =
        w.timeS !== undefined ? `t ${w.timeS.toFixed(2)} s (frame ${w.frame})` : `frame ${w.frame}`;
      const b = w.gtBox;
      const b4 = w.toBefore;
      const to = !b4
        ? `${String(w.to)} (new)`
        : b4.gtId === w.gtId
          ? `${String(w.to)} (its earlier track, to frame ${b4.frame})`
          : `${String(w.to)} (taken from gt ${String(b4.gtId)}, matched to frame ${b4.frame})`;
      out.push(
        `  cam ${w.camera || '-'}  ${when}  gt ${String(w.gtId)}${w.cls ? ` (${w.cls})` : ''}: track ${String(w.from)} → ${to}` +
          `  box ${b.x1.toFixed(0)},${b.y1.toFixed(0)} ${(b.x2 - b.x1).toFixed(0)}×${(b.y2 - b.y1).toFixed(0)} px`,
      );
    }
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}
