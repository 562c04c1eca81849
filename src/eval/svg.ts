/** Small pieces shared by the evaluator's hand-built SVG charts (scenarios/plot.ts, prPlot.ts). */

/** Text escaped for SVG element content. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A coordinate rounded to 0.01 px, written without trailing zeros, so charts are byte-stable and short. */
export const n2 = (x: number): string => (Math.round(x * 100) / 100).toString();
