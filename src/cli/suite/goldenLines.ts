/** A scenario run as its golden record, and the lines that say why it failed (checks, then metrics moved). */
import { type Golden, type GoldenComparison, goldenMetrics } from '../../eval/scenarios/golden.ts';
import type { ScenarioRun } from '../../eval/scenarios/types.ts';

/** Counts as integers, ratios to 3 decimals (6 when the change is smaller than that shows). */
const num = (x: number | null, fine = false) =>
  x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(fine ? 6 : 3);
const signed = (x: number, fine = false) => `${x >= 0 ? '+' : ''}${num(x, fine)}`;

/** Golden record of a run. */
export function goldenOf(run: ScenarioRun, quick: boolean): Golden {
  return {
    scenario: run.scenario,
    mode: quick ? 'quick' : 'full',
    detector: run.detector,
    recordingSha256: run.recording.sha256,
    resultsSha256: run.results.sha256,
    metrics: goldenMetrics(run.score.metrics),
    checks: run.score.checks.map((c) => ({ name: c.name, ok: c.ok, value: c.value })),
  };
}

/** Failure lines of a run: failed checks, then golden metric changes (worst first, at most 8). */
export function failureLines(
  run: ScenarioRun,
  golden: GoldenComparison | undefined,
  goldenRequired = false,
): string[] {
  const lines = run.score.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  // A golden folder named with --golden-dir, or a bundled scenario's oracle golden: a file missing there fails (it
  // had passed with exit 0, the comparison silently skipped).
  if (golden?.status === 'missing' && goldenRequired)
    lines.push(`golden ${golden.path}: missing — write it with --update-golden (and commit it)`);
  if (golden?.status === 'metrics-changed') {
    const worse = golden.changes.filter((c) => c.worse);
    const shown = (worse.length ? worse : golden.changes).slice(0, 8);
    // A different recording means the simulator or the recorder moved, not (only) perception.
    const what = golden.recordingChanged ? 'the recording changed too; ' : '';
    lines.push(
      `golden ${golden.path}: ${what}${golden.changes.length} metrics moved (${worse.length} worse): ` +
        shown
          .map((c) => {
            const fine = c.delta !== null && Math.abs(c.delta) < 5e-4;
            return `${c.key} ${num(c.golden, fine)} → ${num(c.now, fine)}${c.delta === null ? '' : ` (${signed(c.delta, fine)})`}`;
          })
          .join(', ') +
        ' — if intended, accept with --update-golden',
    );
  }
  return lines;
}
