/**
 * Turns zod issues into one readable line: the field path as written in the file (`actors[2].class`), what is
 * wrong with the value found there, and how to fix it. Used for every scenario error, so the CLI can print it
 * on one line and exit 2.
 */
import type { z } from 'zod';
import { ScenarioError } from '../../contracts/errors.ts';
import { EVENT_TYPES } from './expect.ts';
import { BEHAVIOUR_TYPES } from './schema.ts';

/** Every mistake a checking run (`simulate --check`) found in one file; as an error, it reads as the first. */
export class ScenarioMistakes extends ScenarioError {
  constructor(readonly all: readonly ScenarioError[]) {
    super({ what: all[0]!.what, where: all[0]!.where, hint: all[0]!.hint });
  }
}

/** `<noun> are a, b, c` for a hint, or that there are none (an empty list had read "actors are " and stopped). */
export function namesOf(noun: string, names: readonly string[]): string {
  return names.length > 0 ? `${noun} are ${names.join(', ')}` : `the scenario has no ${noun}`;
}

/** Throw a semantic-check failure as one line: `field: what (where) — hint`. */
export function fail(field: string, what: string, hint: string, where: string): never {
  throw new ScenarioError({ what: `${field}: ${what}`, where, hint });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** The value at `path` in parsed YAML/JSON (undefined where the path leads nowhere). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
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

/**
 * Edit distance for "did you mean": insertions, deletions, substitutions and transpositions of neighbours
 * (`mian` is one edit from `main`), each counting 1 (optimal string alignment).
 */
function editDistance(a: string, b: string): number {
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The option `word` is probably a misspelling of, or undefined: at most one edit in a word of up to five letters,
 * one per three letters in a longer one. Two edits had been allowed in any word, which makes most short names near
 * each other (`foo` got "did you mean 'ego'?").
 */
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
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** zod's type names in the words of a YAML file. */
function noun(expected: string): string {
  switch (expected) {
    case 'tuple':
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    case 'number':
      return 'a plain number';
    case 'boolean':
      return 'true or false';
    default:
      return `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
  }
}

/** What a route is, for mistakes in its shape. */
const ROUTE_SHAPE =
  'a route is a list of waypoints, each [x, y] in metres or { road: main, at: 20, lane: 1 } (or side: right for people), e.g. route: [[25, -3], [290, -3]]';

/** The route waypoint at `path` (…, 'route', i), if that is where the path points. */
function isWaypoint(path: readonly PropertyKey[]): boolean {
  return path.length >= 2 && path[path.length - 2] === 'route' && typeof path[path.length - 1] === 'number';
}

/**
 * The unit (and an example) of each numeric field, by its name, as the schema documents it (schema.ts, expect.ts):
 * a bound broken reads "use a value at most 90 (degrees above the horizon, …)", not a bare number. Names whose
 * unit depends on where they are (`at`, `width`) are told apart in unitAt.
 */
const UNIT_HINTS: Record<string, string> = {
  duration: 'seconds, e.g. duration: 8',
  rate: 'frames per second, e.g. rate: 10',
  speed: 'm/s, e.g. speed: 8 or a profile [[0, 8], [3, 0]]',
  start: 'seconds from the start of the scenario, e.g. start: 1.5',
  end: 'seconds from the start of the scenario, e.g. end: 4',
  at: 'seconds (behaviours) or metres along the road (waypoints)',
  seed: 'a whole number, e.g. seed: 7',
  epoch: 'seconds since 1970-01-01 UTC, e.g. epoch: 1767225600',
  width: 'pixels',
  height: 'pixels',
  fx: 'pixels',
  fy: 'pixels',
  cx: 'pixels from the left edge',
  cy: 'pixels from the top edge',
  lanes: 'a whole number of lanes, e.g. lanes: 2',
  laneWidth: 'metres, e.g. laneWidth: 3.5',
  sidewalk: 'metres on each side, 0 for none, e.g. sidewalk: 3',
  offset: 'metres, + to the left, e.g. offset: 3.5 for one lane',
  position: 'metres',
  size: 'metres, [length, width, height]',
  radius: 'metres, e.g. radius: 8',
  maxLatAccel: 'm/s², e.g. maxLatAccel: 2.5',
  gap: 'metres to the actor ahead, e.g. gap: 10',
  yaw: 'degrees, counter-clockwise',
  heading: 'degrees counter-clockwise from +x (east), e.g. heading: 90 for north',
  pitch: 'degrees, down positive',
  roll: 'degrees',
  hfov: 'degrees, e.g. hfov: 70',
  sunAzimuth: 'degrees counter-clockwise from +x (east), e.g. sunAzimuth: 135',
  sunElevation: 'degrees above the horizon, e.g. sunElevation: 45',
  noise: 'standard deviation in 8-bit levels, e.g. noise: 1.5',
  blur: 'box-blur radius in pixels, e.g. blur: 1',
  exposure: 'stops of exposure compensation, e.g. exposure: -0.5',
  rain: 'a fraction from 0 (dry) to 1 (downpour), e.g. rain: 0.5',
  jpegQuality: 'JPEG quality from 30 to 100, e.g. jpegQuality: 85',
  color: 'RGB, 0–255 each, e.g. color: [200, 30, 30]',
  seconds: 'seconds, e.g. seconds: 1.0',
  minFraction: 'a fraction from 0 to 1, e.g. 0.95 for 95 %',
  minVisible: 'a fraction from 0 to 1, e.g. 0.5 for half visible',
  maxFrames: 'a whole number of frames, e.g. maxFrames: 3',
};

/**
 * The unit of the value at `path`, for a hint. A point of a speed profile, `speed[i][0]` or `speed[i][1]`, is a
 * time then a speed: the time had been told to be "a plain number in m/s". A crossing's `width` is metres, where
 * a camera's is pixels; `at` is metres along a road for a waypoint or a crossing, seconds for a behaviour.
 */
function unitAt(path: readonly PropertyKey[], last: string | undefined): string | undefined {
  const n = path.length;
  if (n >= 3 && path[n - 3] === 'speed' && typeof path[n - 2] === 'number') {
    if (path[n - 1] === 0) return 'seconds: a profile point is [t s, v m/s], e.g. speed: [[0, 8], [3, 0]]';
    if (path[n - 1] === 1) return 'm/s: a profile point is [t s, v m/s], e.g. speed: [[0, 8], [3, 0]]';
  }
  if (path.includes('crossings')) {
    if (last === 'width') return 'metres across the road, e.g. width: 4';
    if (last === 'at') return "metres along the road's centreline, e.g. at: 40";
  }
  if (last === 'at' && path.includes('behaviours'))
    return 'seconds from the start of the scenario, e.g. at: 2.5';
  if (last === 'at' && path.includes('route')) return "metres along the road's centreline, e.g. at: 40";
  if (last === 'duration' && path.includes('behaviours')) return 'seconds, e.g. duration: 2';
  return last ? UNIT_HINTS[last] : undefined;
}

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
  const unit = unitAt(path, last);
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
      if (last === 'route') return mk(`expected a list of waypoints, got ${kind(value)}`, ROUTE_SHAPE);
      return mk(
        `expected ${noun(issue.expected)}, got ${kind(value)}`,
        `write ${noun(issue.expected)}${unit ? ` in ${unit}` : ''}`,
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
      const type = (value as { type?: unknown } | undefined)?.type;
      // A field of another variant (`camera` on a not_detected event): naming it as the guess would say
      // "unknown field 'camera' — did you mean 'camera'?".
      const variant = typeof type === 'string' ? ` of a ${type}` : '';
      const fields = knownKeys.length ? `the fields${variant} are ${knownKeys.join(', ')}` : '';
      if (guess && guess !== key) return mk(`unknown field '${key}'`, `did you mean '${guess}'?`);
      return mk(
        `unknown field '${key}'${guess === key ? ` (not a field${variant || ' here'})` : ''}`,
        fields ? `remove it: ${fields}` : 'remove it (see scenarios/scenario.schema.json for the fields)',
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
        if (v === undefined)
          return mk(
            `missing ${disc ?? 'type'}`,
            list ? `add type: one of ${list.join(', ')}` : 'add type (see scenarios/scenario.schema.json)',
          );
        return mk(
          `unknown ${disc ?? 'type'} ${show(v)}`,
          list
            ? `${guess ? `did you mean '${guess}'? ` : ''}use one of ${list.join(', ')}`
            : 'use one of the documented types (see scenarios/scenario.schema.json)',
        );
      }
      if (isWaypoint(path)) {
        if (Array.isArray(value)) {
          if (value.length !== 2 || !value.every((x) => typeof x === 'number'))
            return mk(`a point is [x, y] (two numbers, metres), got ${show(value)}`, ROUTE_SHAPE);
        } else if (value === null || typeof value !== 'object') {
          return mk(`expected a waypoint, got ${kind(value)}`, ROUTE_SHAPE);
        } else {
          // A mapping: an unknown key ({ x: 25, y: -3 }) is the cause, not the missing road it leads to.
          const keys = issue.errors
            .flat()
            .find((e) => e.code === 'unrecognized_keys' && e.path.length === 0) as
            | { keys: string[] }
            | undefined;
          if (keys) {
            const key = keys.keys[0]!;
            // One- and two-letter keys (x, y) are near every short field name: no guess for them.
            const guess = key.length > 2 ? nearest(key, knownKeys) : undefined;
            return mk(
              `unknown field '${key}' in a waypoint`,
              `${guess && guess !== key ? `did you mean '${guess}'? ` : ''}${ROUTE_SHAPE}`,
            );
          }
        }
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
    default: {
      const hint = (issue as { params?: { hint?: unknown } }).params?.hint;
      return mk(
        issue.message,
        typeof hint === 'string' ? hint : unit ? `expected ${unit}` : 'see scenarios/scenario.schema.json',
      );
    }
  }
}
