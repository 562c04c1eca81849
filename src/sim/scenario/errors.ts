/**
 * Turns zod issues into one readable line: the field path as written in the file (`actors[2].class`), what is
 * wrong with the value found there, and how to fix it. Used for every scenario error, so the CLI can print it
 * on one line and exit 2.
 */
import type { z } from 'zod';
import { ScenarioError } from '../../contracts/errors.ts';
import { EVENT_TYPES } from './expect.ts';
import { BEHAVIOUR_TYPES } from './schema.ts';

/** Throw a semantic-check failure as one line: `field: what (where) — hint`. */
export function fail(field: string, what: string, hint: string, where: string): never {
  throw new ScenarioError({ what: `${field}: ${what}`, where, hint });
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  // JSON.stringify writes NaN and ±Infinity (YAML .nan, .inf) as null.
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${show(v)}`;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

export function nearest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

const UNIT_HINTS: Record<string, string> = {
  duration: 'seconds, e.g. duration: 8',
  rate: 'frames per second, e.g. rate: 10',
  speed: 'm/s, e.g. speed: 8 or a profile [[0, 8], [3, 0]]',
  start: 'seconds from the start of the scenario, e.g. start: 1.5',
  at: 'seconds (behaviours) or metres along the road (waypoints)',
  seed: 'a whole number, e.g. seed: 7',
  width: 'pixels',
  height: 'pixels',
  lanes: 'a whole number of lanes, e.g. lanes: 2',
};

/**
 * The issue to report first. A misspelt required field is two issues: the field is missing (reported first, in
 * schema order) and an unknown key sits in the same object (reported last). The unknown key is the cause, so it
 * is the one to report, naming the missing field (`missing`); otherwise the first issue.
 */
export function pickIssue(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
): { issue: z.core.$ZodIssue; missing?: string } {
  const first = issues[0]!;
  const path = first.path as PropertyKey[];
  const last = path[path.length - 1];
  if (typeof last !== 'string' || valueAt(root, path) !== undefined) return { issue: first };
  const parent = JSON.stringify(path.slice(0, -1));
  const unknown = issues.find((i) => i.code === 'unrecognized_keys' && JSON.stringify(i.path) === parent);
  return unknown ? { issue: unknown, missing: last } : { issue: first };
}

/**
 * One zod issue → ScenarioError (what = "path: problem", hint = fix). `missing`: a required field of the same
 * object that is absent, for an unrecognized-keys issue (see pickIssue).
 */
export function issueToError(
  issue: z.core.$ZodIssue,
  root: unknown,
  where: string,
  knownKeys: readonly string[],
  missing?: string,
): ScenarioError {
  const path = issue.path as PropertyKey[];
  const field = formatPath(path);
  const last = [...path].reverse().find((p) => typeof p === 'string') as string | undefined;
  const value = valueAt(root, path);
  const unit = last ? UNIT_HINTS[last] : undefined;
  const mk = (what: string, hint: string) => new ScenarioError({ what: `${field}: ${what}`, where, hint });
  switch (issue.code) {
    case 'invalid_value': {
      const values = issue.values.map(String);
      if (value === undefined)
        return mk(`missing ${last ?? 'value'}`, `add it: use one of ${values.join(', ')}`);
      const guess = typeof value === 'string' ? nearest(value, values) : undefined;
      return mk(
        `unknown ${last ?? 'value'} ${show(value)}`,
        `${guess ? `did you mean '${guess}'? ` : ''}use one of ${values.join(', ')}`,
      );
    }
    case 'invalid_type': {
      if (value === undefined)
        return mk(`missing ${issue.expected}`, `add ${last ?? 'it'}${unit ? ` (${unit})` : ''}`);
      if (typeof value === 'number' && !Number.isFinite(value))
        return mk(
          `${show(value)} is not a finite number`,
          `write a plain number${unit ? ` in ${unit}` : ''}`,
        );
      return mk(
        `expected ${issue.expected}, got ${kind(value)}`,
        `write ${issue.expected === 'number' ? 'a plain number' : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`}${unit ? ` in ${unit}` : ''}`,
      );
    }
    case 'too_small': {
      const cmp = issue.inclusive ? 'at least' : 'more than';
      if (issue.origin === 'array')
        return mk(
          `needs ${cmp} ${issue.minimum} item(s), got ${Array.isArray(value) ? value.length : 0}`,
          `add entries to ${last ?? 'the list'}`,
        );
      return mk(
        `${show(value)} is too small (must be ${cmp} ${issue.minimum})`,
        `use a value ${cmp} ${issue.minimum}${unit ? ` (${unit})` : ''}`,
      );
    }
    case 'too_big': {
      const cmp = issue.inclusive ? 'at most' : 'less than';
      if (issue.origin === 'array')
        return mk(`has too many items (must be ${cmp} ${issue.maximum})`, 'remove entries');
      return mk(
        `${show(value)} is too big (must be ${cmp} ${issue.maximum})`,
        `use a value ${cmp} ${issue.maximum}${unit ? ` (${unit})` : ''}`,
      );
    }
    case 'unrecognized_keys': {
      if (missing !== undefined) {
        // Prefer the unknown key that looks like the missing field: that is the misspelling.
        const key = issue.keys.find((k) => nearest(k, knownKeys) === missing) ?? issue.keys[0]!;
        const guess = nearest(key, knownKeys);
        const need = UNIT_HINTS[missing];
        return mk(
          `unknown field '${key}', and required field '${missing}' is missing`,
          guess === missing
            ? `did you mean '${missing}'?`
            : `${guess ? `did you mean '${guess}'? ` : 'remove it; '}add ${missing}${need ? ` (${need})` : ''}`,
        );
      }
      const key = issue.keys[0]!;
      const guess = nearest(key, knownKeys);
      return mk(
        `unknown field '${key}'`,
        guess ? `did you mean '${guess}'?` : 'remove it (see scenarios/scenario.schema.json for the fields)',
      );
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      // zod puts the discriminator in the path itself; older versions point at the object.
      const v = path[path.length - 1] === (disc ?? 'type') ? value : valueAt(root, [...path, disc ?? 'type']);
      if (disc || (value !== null && typeof value === 'object' && !Array.isArray(value) && 'type' in value)) {
        const list = path.includes('behaviours')
          ? BEHAVIOUR_TYPES
          : path.includes('events')
            ? EVENT_TYPES
            : undefined;
        const guess = list && typeof v === 'string' ? nearest(v, list) : undefined;
        return mk(
          `unknown ${disc ?? 'type'} ${show(v)}`,
          list
            ? `${guess ? `did you mean '${guess}'? ` : ''}use one of ${list.join(', ')}`
            : 'use one of the documented types (see scenarios/scenario.schema.json)',
        );
      }
      // Pick the deepest branch error: it is the one closest to what was meant.
      const branches = issue.errors.filter((e) => e.length > 0);
      const best = branches.sort((a, b) => b[0]!.path.length - a[0]!.path.length)[0]?.[0];
      if (best)
        return issueToError(
          { ...best, path: [...path, ...best.path] } as z.core.$ZodIssue,
          root,
          where,
          knownKeys,
        );
      return mk(`${show(value)} is not valid here`, 'see scenarios/scenario.schema.json');
    }
    case 'invalid_format':
      return mk(`${show(value)} is not valid: ${issue.message}`, 'rename it');
    default:
      return mk(issue.message, unit ? `expected ${unit}` : 'see scenarios/scenario.schema.json');
  }
}
