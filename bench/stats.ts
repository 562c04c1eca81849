/** The median (the mean of the two middle values for an even count; NaN for none): resists other processes' bursts. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `fns` round-robin, one run of each per round for 15 rounds after two warm-up rounds, so that load from
 * other processes hits each alike: per function its median ms, and the median over rounds of its time / the
 * first's in that round (a ratio measured side by side, which a burst between two separately timed blocks would
 * skew).
 */
export function interleaved(fns: readonly (() => void)[]): { ms: number[]; ratio: number[] } {
  for (let w = 0; w < 2; w++) for (const fn of fns) fn();
  const ts = fns.map(() => [] as number[]);
  const ratios = fns.map(() => [] as number[]);
  for (let r = 0; r < 15; r++) {
    const round = fns.map((fn) => {
      const t0 = performance.now();
      fn();
      return performance.now() - t0;
    });
    round.forEach((t, i) => {
      ts[i]!.push(t);
      ratios[i]!.push(t / round[0]!);
    });
  }
  return { ms: ts.map(median), ratio: ratios.map(median) };
}
