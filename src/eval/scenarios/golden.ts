/**
 * Golden results: per scenario, the digests of the recording and of the results file, and the metrics they
 * scored. A run whose results digest differs is compared metric by metric, so a change shows as "which numbers
 * moved, by how much", and a changed recording digest says the simulator (not perception) moved.
 * Oracle runs are bit-exact on every machine; model runs may differ in the last bits between CPU families
 * (ONNX Runtime kernels), so their metrics are compared with a tolerance and their digest is informative only.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { RecordingError, systemFailure } from '../../contracts/errors.ts';
import { LOWER_IS_BETTER, type MetricTable, metricOf } from './metricTable.ts';
import { makeDirs } from '../../io/makeDirs.ts';
import { compareText } from '../../contracts/compareText.ts';

export const Golden = z.object({
  scenario: z.string(),
  mode: z.enum(['full', 'quick']),
  detector: z.string(),
  recordingSha256: z.string(),
  resultsSha256: z.string(),
  /** Metrics overall, per class and world (per-camera keys are left out to keep the file readable). */
  metrics: z.record(z.string(), z.number().nullable()),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), value: z.number().nullable() })),
});
export type Golden = z.infer<typeof Golden>;

export interface MetricChange {
  key: string;
  golden: number | null;
  now: number | null;
  /** now − golden (null when one side is missing). */
  delta: number | null;
  /** True when the change makes the metric worse. */
  worse: boolean;
}

export interface GoldenComparison {
  path: string;
  status: 'match' | 'metrics-changed' | 'digest-changed' | 'missing' | 'updated';
  recordingChanged: boolean;
  changes: MetricChange[];
  /** Checks that passed in the golden run and fail now (or the reverse). */
  flipped: { name: string; was: boolean; now: boolean }[];
}

interface GoldenKey {
  scenario: string;
  quick: boolean;
  detector: string;
}

/** recordings/golden/<scenario>.json (full, oracle); quick runs in quick/, model runs in model/. */
export function goldenPath(dir: string, k: GoldenKey): string {
  const sub = [k.quick ? 'quick' : '', k.detector === 'oracle' ? '' : 'model'].filter(Boolean);
  return join(dir, ...sub, `${k.scenario}.json`);
}

/** The subset of the metric table a golden file keeps. */
export function goldenMetrics(table: MetricTable): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(table)) {
    if (!k.includes('camera=')) out[k] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** What a golden file is of: a run is compared only with a golden file of the same. */
const runOf = (g: Pick<Golden, 'scenario' | 'mode' | 'detector'>) =>
  `the ${g.mode} ${g.detector === 'oracle' ? 'oracle' : 'model'} run of '${g.scenario}'`;

/**
 * Read a golden file (`undefined`: none). Throws a RecordingError (one line) when it is not JSON, does not match
 * the schema, or — given `of` — is the golden of another scenario, mode (full / quick) or kind of detector.
 */
export async function readGolden(
  path: string,
  of?: Pick<Golden, 'scenario' | 'mode' | 'detector'>,
): Promise<Golden | undefined> {
  if (!existsSync(path)) return undefined;
  const hint = 'rewrite it with viper scenarios run --update-golden';
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const what =
      err instanceof SyntaxError
        ? `golden file is not JSON: ${err.message}`
        : `cannot read the golden file: ${systemFailure(err) ?? String(err)}`;
    throw new RecordingError({ what, where: path, hint, cause: err });
  }
  const r = Golden.safeParse(value);
  if (!r.success) {
    throw new RecordingError({
      what: `golden file does not match the golden schema: ${r.error.issues[0]?.message ?? ''}`,
      where: path,
      hint,
    });
  }
  if (of && runOf(r.data) !== runOf(of)) {
    throw new RecordingError({
      what: `golden file is for ${runOf(r.data)}, not ${runOf(of)}`,
      where: path,
      hint: 'is --golden-dir the right folder? If so, rewrite it with viper scenarios run --update-golden',
    });
  }
  return r.data;
}

export async function writeGolden(path: string, g: Golden): Promise<void> {
  await makeDirs(dirname(path), '--golden-dir');
  await writeFile(path, `${JSON.stringify(g, null, 2)}\n`);
}

/** Headline metrics first when listing changes. */
const PRIORITY = [
  'HOTA',
  'MOTA',
  'IDF1',
  'IDSW',
  'AP50',
  'AP',
  'DetA',
  'AssA',
  'FP',
  'FN',
  'MT',
  'ML',
  'Frag',
];
const rank = (key: string) => {
  const scope = key.includes('[world') ? 2 : key.includes('[') ? 1 : 0;
  const p = PRIORITY.indexOf(metricOf(key));
  return scope * 100 + (p < 0 ? PRIORITY.length : p);
};

/** Metric changes beyond `tolerance` (absolute): worse ones first, then overall before scoped, headline first. */
export function diffMetrics(
  golden: Record<string, number | null>,
  now: Record<string, number | null>,
  tolerance = 1e-9,
): MetricChange[] {
  const keys = [...new Set([...Object.keys(golden), ...Object.keys(now)])].sort();
  const out: MetricChange[] = [];
  for (const key of keys) {
    const g = golden[key] ?? null;
    const n = now[key] ?? null;
    if (g === null && n === null) continue;
    if (g !== null && n !== null && Math.abs(n - g) <= tolerance) continue;
    const delta = g !== null && n !== null ? n - g : null;
    const worse = delta === null ? n === null : LOWER_IS_BETTER.has(metricOf(key)) ? delta > 0 : delta < 0;
    out.push({ key, golden: g, now: n, delta, worse });
  }
  return out.sort(
    (a, b) => Number(b.worse) - Number(a.worse) || rank(a.key) - rank(b.key) || compareText(a.key, b.key),
  );
}

/** Compare a run with its golden file (`undefined`: none yet). */
export function compareGolden(
  path: string,
  golden: Golden | undefined,
  now: Golden,
  tolerance: number,
): GoldenComparison {
  if (!golden) return { path, status: 'missing', recordingChanged: false, changes: [], flipped: [] };
  const recordingChanged = golden.recordingSha256 !== now.recordingSha256;
  const changes = diffMetrics(golden.metrics, now.metrics, tolerance);
  const was = new Map(golden.checks.map((c) => [c.name, c.ok]));
  const flipped = now.checks.flatMap((c) => {
    const w = was.get(c.name);
    return w !== undefined && w !== c.ok ? [{ name: c.name, was: w, now: c.ok }] : [];
  });
  const status =
    changes.length > 0 || flipped.length > 0
      ? 'metrics-changed'
      : golden.resultsSha256 !== now.resultsSha256 && now.detector === 'oracle'
        ? 'digest-changed'
        : 'match';
  return { path, status, recordingChanged, changes, flipped };
}
