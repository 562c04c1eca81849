/**
 * A scenario's metrics over time as a small self-contained SVG (no library): per-frame recall TP/(TP+FN) and
 * precision TP/(TP+FP) over all cameras, the running MOTA, and a tick per ID switch. Pure string building, so
 * the same timeline always gives the same bytes.
 */
import type { Timeline } from './score.ts';
import { esc, n2 } from '../svg.ts';

const W = 640;
const H = 260;
const PAD = { left: 44, right: 120, top: 28, bottom: 34 };

/** Series (values in [0, 1], or null where undefined) plotted by the chart. */
function timelineSeries(t: Timeline): {
  recall: (number | null)[];
  precision: (number | null)[];
  mota: (number | null)[];
} {
  let gt = 0;
  let errors = 0;
  const mota: (number | null)[] = [];
  for (let k = 0; k < t.tS.length; k++) {
    gt += t.tp[k]! + t.fn[k]!;
    errors += t.fn[k]! + t.fp[k]! + t.idsw[k]!;
    mota.push(gt > 0 ? 1 - errors / gt : null);
  }
  return {
    recall: t.tS.map((_, k) => (t.tp[k]! + t.fn[k]! > 0 ? t.tp[k]! / (t.tp[k]! + t.fn[k]!) : null)),
    precision: t.tS.map((_, k) => (t.tp[k]! + t.fp[k]! > 0 ? t.tp[k]! / (t.tp[k]! + t.fp[k]!) : null)),
    mota,
  };
}

/** Time-axis label steps (s), the first that gives ten labels or fewer is used. */
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120];

/** SVG of one scenario's timeline. `title`: the scenario name (and status). */
export function timelineSvg(t: Timeline, title: string): string {
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const tMax = Math.max(t.tS[t.tS.length - 1] ?? 0, 1e-9);
  const x = (s: number) => PAD.left + (s / tMax) * pw;
  // MOTA can go below 0: the axis spans [min(0, lowest), 1].
  const s = timelineSeries(t);
  const lo = Math.min(0, ...s.mota.filter((v): v is number => v !== null));
  const y = (v: number) => PAD.top + ((1 - v) / (1 - lo)) * ph;
  const path = (vs: (number | null)[]) => {
    let d = '';
    let pen = false;
    vs.forEach((v, k) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${n2(x(t.tS[k]!))},${n2(y(v))}`;
      pen = true;
    });
    return d;
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const v of [lo, 0, 0.5, 1].filter((v, i, a) => a.indexOf(v) === i)) {
    out.push(
      `<line x1="${PAD.left}" x2="${PAD.left + pw}" y1="${n2(y(v))}" y2="${n2(y(v))}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${n2(y(v) + 4)}" text-anchor="end">${n2(v)}</text>`,
    );
  }
  // At most about ten labels: a 180 s scenario at a 2 s step had 90 on top of each other.
  const step = TICK_STEPS.find((st) => tMax / st <= 10) ?? TICK_STEPS.at(-1)!;
  for (let s0 = 0; s0 <= tMax + 1e-9; s0 += step) {
    out.push(`<text x="${n2(x(s0))}" y="${H - PAD.bottom + 14}" text-anchor="middle">${s0}</text>`);
  }
  out.push(`<text x="${PAD.left + pw / 2}" y="${H - 6}" text-anchor="middle">time (s)</text>`);
  t.idsw.forEach((n, k) => {
    if (n > 0) {
      const xs = n2(x(t.tS[k]!));
      out.push(
        `<line x1="${xs}" x2="${xs}" y1="${PAD.top}" y2="${PAD.top + ph}" stroke="#d62728" stroke-dasharray="3,2"><title>${n} ID switch(es) at ${n2(t.tS[k]!)} s</title></line>`,
      );
    }
  });
  const series: [string, (number | null)[], string][] = [
    ['recall', s.recall, '#1f77b4'],
    ['precision', s.precision, '#2ca02c'],
    ['MOTA (running)', s.mota, '#000'],
  ];
  series.forEach(([name, vs, color], i) => {
    out.push(`<path d="${path(vs)}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    const ly = PAD.top + 10 + i * 16;
    out.push(
      `<line x1="${W - PAD.right + 10}" x2="${W - PAD.right + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - PAD.right + 32}" y="${ly + 4}">${name}</text>`,
    );
  });
  const ly = PAD.top + 10 + series.length * 16;
  out.push(
    `<line x1="${W - PAD.right + 10}" x2="${W - PAD.right + 28}" y1="${ly}" y2="${ly}" stroke="#d62728" stroke-dasharray="3,2"/>`,
    `<text x="${W - PAD.right + 32}" y="${ly + 4}">ID switch</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
