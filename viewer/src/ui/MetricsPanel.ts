/** Metrics for the current frame: TP/FP/FN and id switches per camera and in total, or why there are none. */
import type { CameraMetrics } from './frameMetrics.ts';

interface MetricsSummary {
  tp: number;
  fp: number;
  fn: number;
  idSwitches: number;
}

export function summarize(per: Map<string, CameraMetrics>): MetricsSummary {
  const s = { tp: 0, fp: 0, fn: 0, idSwitches: 0 };
  for (const m of per.values()) {
    s.tp += m.tp;
    s.fp += m.fp;
    s.fn += m.fn;
    s.idSwitches += m.switches.length;
  }
  return s;
}

/** Why the id switch column reads – after a jump. */
const UNKNOWN_SWITCHES =
  'id switches are counted as you step or play through the frames; a jump has no frame before it to count against (step back and forward, or viper eval --switches)';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderMetrics(
  root: HTMLElement,
  per: Map<string, CameraMetrics>,
  hasGt: boolean,
  hasBoxes: boolean,
  /** Id switches are counted against the frames shown before: after a jump there is none to count against. */
  switchesKnown = true,
): void {
  if (!hasGt) {
    root.innerHTML = '<em>No ground truth in this file: per-frame metrics need /ground_truth/objects.</em>';
    return;
  }
  if (!hasBoxes) {
    root.innerHTML =
      '<em>No perception annotations in this file: nothing to score (a recording, or results replayed with --detector none).</em>';
    return;
  }
  // Detections without track ids (`--tracker none`) have no id switches: n/a, not 0.
  const tracked = [...per.values()].some((m) => m.tracked);
  const sw = (n: number) =>
    !tracked
      ? '<span title="no track ids: detections only">n/a</span>'
      : !switchesKnown
        ? `<span title="${UNKNOWN_SWITCHES}">–</span>`
        : String(n);
  const rows = [...per.values()]
    .map(
      (m) =>
        `<tr data-camera="${esc(m.camera)}"><td>${esc(m.camera)}</td><td>${m.tp}</td><td>${m.fp}</td><td>${m.fn}</td>` +
        `<td class="${m.switches.length ? 'switch' : ''}">${sw(m.switches.length)}</td></tr>`,
    )
    .join('');
  const s = summarize(per);
  const switches = [...per.values()]
    .flatMap((m) =>
      m.switches.map((w) => `${esc(m.camera)}: actor ${esc(w.gtId)} track ${w.fromTrack} → ${w.toTrack}`),
    )
    .map((t) => `<div class="switch">ID switch — ${t}</div>`)
    .join('');
  root.innerHTML =
    `<table><thead><tr><th>camera</th><th>TP</th><th>FP</th><th>FN</th><th>ID sw</th></tr></thead><tbody>${rows}</tbody>` +
    `<tfoot><tr id="metrics-total"><th>total</th><th>${s.tp}</th><th>${s.fp}</th><th>${s.fn}</th>` +
    `<th class="${s.idSwitches ? 'switch' : ''}">${sw(s.idSwitches)}</th></tr></tfoot></table>${switches}` +
    '<div style="color:#8a96a3">greedy IoU ≥ 0.5 matching of annotation boxes to ground-truth boxes, per camera; ' +
    "ground truth under 25 % visible not scored, under 8 px tall don't-care (viper eval's defaults)</div>";
}
