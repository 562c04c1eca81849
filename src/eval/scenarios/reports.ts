/**
 * The suite's outputs: a console table, `suite.json` (deterministic: wall times only under `timing`),
 * `junit.xml` (one test case per expectation and one per golden comparison), `report.md` and one SVG plot per
 * scenario under `plots/`.
 */
import { writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { timelineSvg } from './plot.ts';
import type { ScenarioOutcome, SuiteResult } from './types.ts';
import { makeDirs } from '../../io/makeDirs.ts';

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : (100 * v).toFixed(1));
const int = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : String(v));

/** The columns of the console and Markdown tables. */
const COLUMNS: [string, (o: ScenarioOutcome) => string][] = [
  ['scenario', (o) => o.scenario],
  ['status', (o) => o.status.toUpperCase()],
  ['HOTA', (o) => pct(o.run?.score.metrics.HOTA)],
  ['MOTA', (o) => pct(o.run?.score.metrics.MOTA)],
  ['IDF1', (o) => pct(o.run?.score.metrics.IDF1)],
  ['IDSW', (o) => int(o.run?.score.metrics.IDSW)],
  ['AP50', (o) => pct(o.run?.score.metrics.AP50)],
  ['world IDF1', (o) => pct(o.run?.score.metrics['IDF1[world]'])],
  [
    'checks',
    (o) => (o.run ? `${o.run.score.checks.filter((c) => c.ok).length}/${o.run.score.checks.length}` : '-'),
  ],
  ['golden', (o) => o.golden?.status ?? '-'],
];

/** Fixed-width table for the terminal, then one line per failure. */
export function formatTable(s: SuiteResult): string {
  const rows = [COLUMNS.map(([h]) => h), ...s.outcomes.map((o) => COLUMNS.map(([, f]) => f(o)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
  );
  for (const o of s.outcomes)
    for (const f of o.failures) lines.push(`${o.status.toUpperCase()} ${o.scenario}: ${f}`);
  const stop = interruptedLine(s);
  if (stop) lines.push(stop);
  lines.push(
    `${counts(s)} (${s.mode}, ${s.detector}) in ${(s.timing.wallMs / 1000).toFixed(1)} s with ${s.timing.jobs} ${s.timing.jobs === 1 ? 'job' : 'jobs'}`,
  );
  return `${lines.join('\n')}\n`;
}

/** `2 passed, 0 failed, 1 error`, and `, 7 not started` when a stop left scenarios out. */
function counts(s: SuiteResult): string {
  const notStarted = s.interrupted ? `, ${s.notStarted?.length ?? 0} not started` : '';
  return `${s.passed} passed, ${s.failed} failed, ${s.errors} ${s.errors === 1 ? 'error' : 'errors'}${notStarted}`;
}

/**
 * What a stop (Ctrl-C, SIGTERM) left out, e.g. `INTERRUPTED: 8 of 10 scenarios not started: highway_cut_in, …`:
 * without it an interrupted run read as a smaller suite. Undefined when the run was not interrupted.
 */
function interruptedLine(s: SuiteResult): string | undefined {
  if (!s.interrupted) return undefined;
  const left = s.notStarted ?? [];
  const total = s.outcomes.length + left.length;
  return left.length === 0
    ? `INTERRUPTED: every scenario had started; those running were cut short`
    : `INTERRUPTED: ${left.length} of ${total} scenarios not started: ${left.map((x) => x.scenario).join(', ')}`;
}

/**
 * The format of suite.json, its `version` field. 2: every path (a scenario's `file`, `results.path`,
 * `golden.path`) relative to the folder holding suite.json, `/`-separated, so a CI artifact folder still reads
 * after it is moved or downloaded. 1 (no `version` field, before): absolute paths.
 */
export const SUITE_JSON_VERSION = 2;

/**
 * The JSON report: everything but wall times is a function of the inputs and the code. Paths are relative to
 * `dir`, the folder suite.json is written into (`--json` prints the same document).
 */
export function suiteJson(s: SuiteResult, dir: string): object {
  const rel = (p: string) => relative(dir, p).split(sep).join('/');
  return {
    version: SUITE_JSON_VERSION,
    mode: s.mode,
    detector: s.detector,
    settings: s.settings,
    passed: s.passed,
    failed: s.failed,
    errors: s.errors,
    ...(s.interrupted
      ? {
          interrupted: true,
          notStarted: (s.notStarted ?? []).map((x) => ({ scenario: x.scenario, file: rel(x.file) })),
        }
      : {}),
    scenarios: s.outcomes.map((o) => ({
      scenario: o.scenario,
      file: rel(o.file),
      status: o.status,
      failures: o.failures,
      ...(o.error ? { error: o.error } : {}),
      ...(o.run
        ? {
            detector: o.run.detector,
            recording: { sha256: o.run.recording.sha256, frames: o.run.recording.frames },
            results: { path: rel(o.run.results.path), sha256: o.run.results.sha256 },
            checks: o.run.score.checks,
            metrics: o.run.score.metrics,
            timeline: o.run.score.timeline,
            notes: o.run.score.notes,
          }
        : {}),
      ...(o.golden ? { golden: { ...o.golden, path: rel(o.golden.path) } } : {}),
    })),
    timing: {
      wallMs: s.timing.wallMs,
      jobs: s.timing.jobs,
      perScenarioMs: s.timing.perScenarioMs,
      steps: Object.fromEntries(
        s.outcomes.filter((o) => o.run).map((o) => [o.scenario, roundMs(o.run!.timingMs)]),
      ),
    },
  };
}

const roundMs = (t: Record<string, number>) =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)]));

/** Text for an XML attribute or element: escaped, and control characters (not allowed in XML 1.0) as \xNN. */
const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** A failure or error element with its reason in the message attribute and as text (GitLab shows the text). */
const problem = (tag: 'failure' | 'error', why: string) =>
  `<${tag} message="${xml(why)}">${xml(why)}</${tag}>`;

/**
 * JUnit XML: a test suite per scenario, a test case per expectation plus one for the golden comparison; a scenario
 * an interrupted run did not start is one skipped case, `run`.
 */
export function junitXml(s: SuiteResult): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const o of s.outcomes) {
    const cases: string[] = [];
    let f = 0;
    let e = 0;
    let k = 0;
    const cls = `scenarios.${xml(o.scenario)}`;
    if (o.error) {
      e++;
      cases.push(`    <testcase classname="${cls}" name="run">${problem('error', o.error)}</testcase>`);
    }
    for (const c of o.run?.score.checks ?? []) {
      if (!c.ok) f++;
      cases.push(
        c.ok
          ? `    <testcase classname="${cls}" name="${xml(c.name)}"/>`
          : `    <testcase classname="${cls}" name="${xml(c.name)}">${problem('failure', c.detail)}</testcase>`,
      );
    }
    if (o.golden?.status === 'missing' && !o.failures.some((l) => l.startsWith('golden '))) {
      // No golden file to compare with (a scenario of one's own without --golden-dir): not a pass.
      k++;
      cases.push(
        `    <testcase classname="${cls}" name="golden"><skipped message="${xml(`no golden file (${o.golden.path}): write one with --golden-dir <dir> --update-golden`)}"/></testcase>`,
      );
    } else if (o.golden) {
      const lines = o.failures.filter((l) => l.startsWith('golden '));
      if (lines.length) f++;
      cases.push(
        lines.length
          ? `    <testcase classname="${cls}" name="golden">${problem('failure', lines.join('; '))}</testcase>`
          : `    <testcase classname="${cls}" name="golden"/>`,
      );
    }
    tests += cases.length;
    failures += f;
    errors += e;
    skipped += k;
    const ms = s.timing.perScenarioMs[o.scenario] ?? 0;
    suites.push(
      `  <testsuite name="${xml(o.scenario)}" tests="${cases.length}" failures="${f}" errors="${e}" skipped="${k}" time="${(ms / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  // A scenario a stop (Ctrl-C, SIGTERM) left out is a skipped case, not a pass nor a missing entry.
  for (const x of s.notStarted ?? []) {
    tests++;
    skipped++;
    suites.push(
      `  <testsuite name="${xml(x.scenario)}" tests="1" failures="0" errors="0" skipped="1" time="0.000">\n    <testcase classname="scenarios.${xml(x.scenario)}" name="run"><skipped message="not started: interrupted"/></testcase>\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="viper scenarios" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${(s.timing.wallMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

/** The 2D size range in the caption: boxes under `minHeightPx` are don't-care. */
function sizeRange(minHeightPx: number | undefined): string {
  return minHeightPx ? `; boxes under ${minHeightPx} px tall are don't-care` : '';
}

/** Markdown report: the summary table, then per scenario its failures, checks, golden diff and plot. */
export function markdown(s: SuiteResult): string {
  const out: string[] = [
    `# Scenario suite (${s.mode}, ${s.detector})`,
    '',
    `${counts(s)}.`,
    '',
    ...(s.interrupted ? [`${interruptedLine(s)}.`, ''] : []),
    `| ${COLUMNS.map(([h]) => h).join(' | ')} |`,
    `| ${COLUMNS.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`,
    ...s.outcomes.map((o) => `| ${COLUMNS.map(([, f]) => f(o)).join(' | ')} |`),
    '',
    `Percentages; 2D metrics over all cameras (ground truth ≥ ${s.settings.minVisibility} visible${sizeRange(s.settings.minHeightPx)}, IoU ≥ ${s.settings.iou}), \`world IDF1\` on fused objects (BEV, ${s.settings.matchDistanceM} m).`,
  ];
  for (const o of s.outcomes) {
    out.push('', `## ${o.scenario}: ${o.status.toUpperCase()}`, '');
    if (o.error) out.push(`Error: ${o.error}`);
    for (const f of o.failures)
      if (f !== o.error) out.push(`- **${f.startsWith('golden ') ? 'golden' : 'failed'}**: ${f}`);
    if (!o.run) continue;
    out.push('', '| check | result | detail |', '| --- | --- | --- |');
    for (const c of o.run.score.checks)
      out.push(`| ${c.name} | ${c.ok ? 'pass' : '**FAIL**'} | ${c.detail} |`);
    const g = o.golden;
    if (g?.changes.length) {
      out.push('', `Golden \`${g.path}\`${g.recordingChanged ? ' (recording changed too)' : ''}:`, '');
      out.push('| metric | golden | now | change |', '| --- | ---: | ---: | ---: |');
      for (const c of g.changes.slice(0, 20)) {
        out.push(
          `| ${c.key} | ${c.golden ?? '-'} | ${c.now ?? '-'} | ${c.delta === null ? '-' : `${c.delta > 0 ? '+' : ''}${+c.delta.toFixed(6)}`}${c.worse ? ' (worse)' : ''} |`,
        );
      }
      if (g.changes.length > 20) out.push(`| … ${g.changes.length - 20} more | | | |`);
    }
    for (const n of o.run.score.notes) out.push('', `Note: ${n}`);
    out.push('', `![${o.scenario} over time](plots/${o.scenario}.svg)`);
  }
  return `${out.join('\n')}\n`;
}

/** Write suite.json, junit.xml, report.md and plots/<scenario>.svg into `dir`; returns their paths. */
export async function writeReports(
  s: SuiteResult,
  dir: string,
): Promise<{ json: string; junit: string; markdown: string; plots: string[] }> {
  await makeDirs(join(dir, 'plots'), '--out');
  const paths = {
    json: join(dir, 'suite.json'),
    junit: join(dir, 'junit.xml'),
    markdown: join(dir, 'report.md'),
    plots: [] as string[],
  };
  await writeFile(paths.json, `${JSON.stringify(suiteJson(s, dir), null, 2)}\n`);
  await writeFile(paths.junit, junitXml(s));
  await writeFile(paths.markdown, markdown(s));
  for (const o of s.outcomes) {
    if (!o.run) continue;
    const p = join(dir, 'plots', `${o.scenario}.svg`);
    await writeFile(
      p,
      timelineSvg(
        o.run.score.timeline,
        `${o.scenario} — ${o.status.toUpperCase()} (${s.mode}, ${s.detector})`,
      ),
    );
    paths.plots.push(p);
  }
  return paths;
}
