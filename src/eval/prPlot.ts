/**
 * Precision–recall curves at IoU 0.5, one per class, as a small self-contained SVG (no library): COCO's
 * interpolated precision at each recall point (`averagePrecision(…, { curves: true })`), whose mean over the
 * recall points is the class's AP50 shown in the legend. Pure string building: the same curves give the same
 * bytes.
 */
import type { ClassAp } from './ap.ts';
import { esc, n2 } from './svg.ts';

const W = 640;
const H = 340;
const PAD = { left: 44, right: 250, top: 28, bottom: 36 };
/** The first eight of Tableau 10: Viper's six classes stay apart, and the legend names them. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];

/**
 * SVG of the classes' precision–recall curves, in the order given. Classes without `curve50` are left out.
 * @example writeFileSync('pr.svg', precisionRecallSvg(averagePrecision(d, g, { curves: true }).perClass, 'held out'))
 */
export function precisionRecallSvg(perClass: Readonly<Record<string, ClassAp>>, title: string): string {
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const x = (r: number) => PAD.left + r * pw;
  const y = (p: number) => PAD.top + (1 - p) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let v = 0; v <= 1.0001; v += 0.2) {
    out.push(
      `<line x1="${PAD.left}" x2="${PAD.left + pw}" y1="${n2(y(v))}" y2="${n2(y(v))}" stroke="#ddd"/>`,
      `<line x1="${n2(x(v))}" x2="${n2(x(v))}" y1="${PAD.top}" y2="${PAD.top + ph}" stroke="#eee"/>`,
      `<text x="${PAD.left - 6}" y="${n2(y(v) + 4)}" text-anchor="end">${n2(v)}</text>`,
      `<text x="${n2(x(v))}" y="${H - PAD.bottom + 14}" text-anchor="middle">${n2(v)}</text>`,
    );
  }
  out.push(
    `<text x="${PAD.left + pw / 2}" y="${H - 6}" text-anchor="middle">recall (IoU ≥ 0.5)</text>`,
    `<text x="12" y="${PAD.top + ph / 2}" text-anchor="middle" transform="rotate(-90 12 ${PAD.top + ph / 2})">precision</text>`,
  );
  const classes = Object.entries(perClass).filter(([, c]) => c.curve50 && c.curve50.length > 1);
  classes.forEach(([name, c], i) => {
    const curve = c.curve50 as number[];
    const color = PALETTE[i % PALETTE.length];
    // A step curve: precision holds from one recall point to the next, up to the last point with any
    // precision (where recall runs out). A class never found draws nothing; its legend says AP50 0.000.
    let last = curve.length - 1;
    while (last >= 0 && !(curve[last]! > 0)) last--;
    let d = '';
    for (let k = 0; k <= last; k++) {
      const r1 = Math.min(1, (k + 1) / (curve.length - 1));
      d += k === 0 ? `M${n2(x(0))},${n2(y(curve[0]!))}` : `V${n2(y(curve[k]!))}`;
      d += `H${n2(x(r1))}`;
    }
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    const ly = PAD.top + 10 + i * 18;
    out.push(
      `<line x1="${W - PAD.right + 12}" x2="${W - PAD.right + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="${W - PAD.right + 34}" y="${ly + 4}">${esc(name || '(all)')}  AP50 ${c.AP50.toFixed(3)}  (${c.numGt} boxes)</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
