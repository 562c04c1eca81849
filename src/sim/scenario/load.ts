/**
 * Loading scenario files: YAML or JSON text → zod schema (defaults filled) → semantic checks → a World ready to
 * simulate. Every failure is a ScenarioError whose message is one line naming the field and the fix.
 *
 * @example
 * const { scenario, world } = await loadScenario('scenarios/highway_cut_in.yaml');
 */
import { otherKind } from '../../io/fileKind.ts';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { ScenarioError } from '../../contracts/errors.ts';
import type { World } from '../world/world.ts';
import { issueToError, pickIssue, ScenarioMistakes } from './errors.ts';
import { Scenario } from './schema.ts';
import { validateScenario } from './validate.ts';

export interface LoadedScenario {
  scenario: Scenario;
  world: World;
  /** Where it came from (file path or a label). */
  source: string;
}

type Json = Record<string, unknown>;

/**
 * Field names allowed at `path` in the scenario (walking the generated JSON Schema), for "did you mean". With
 * `value` (the parsed file), an object whose `type` names one variant of a union (an expect event, a behaviour)
 * gets that variant's fields only: `camera` is a field of tracked_within, not of not_detected.
 */
function knownKeys(path: readonly PropertyKey[] = [], value?: unknown): string[] {
  const root = scenarioJsonSchema() as Json;
  const defs = (root.$defs ?? {}) as Record<string, Json>;
  const deref = (n: Json): Json =>
    typeof n.$ref === 'string' ? deref(defs[n.$ref.split('/').pop()!] ?? {}) : n;
  const options = (n: Json): Json[] => {
    const d = deref(n);
    const alts = (d.anyOf ?? d.oneOf) as Json[] | undefined;
    return alts ? alts.flatMap(options) : [d];
  };
  let nodes: Json[] = options(root);
  for (const seg of path) {
    nodes = nodes.flatMap((n) => {
      if (typeof seg === 'number') {
        const prefix = n.prefixItems as Json[] | undefined;
        const item = (prefix?.[seg] ?? n.items) as Json | undefined;
        return item ? options(item) : [];
      }
      const prop = (n.properties as Record<string, Json> | undefined)?.[String(seg)];
      return prop ? options(prop) : [];
    });
  }
  let here: unknown = value;
  for (const seg of path)
    here = here !== null && typeof here === 'object' ? (here as Json)[seg as string] : undefined;
  const type = here !== null && typeof here === 'object' ? (here as Json).type : undefined;
  if (typeof type === 'string') {
    const typed = nodes.filter((n) => {
      const t = (n.properties as Record<string, Json> | undefined)?.type;
      return t !== undefined && (t.const === type || (Array.isArray(t.enum) && t.enum.includes(type)));
    });
    if (typed.length > 0) nodes = typed;
  }
  const keys = new Set<string>();
  // `$schema` is for editors, not a field a person misspells another one for.
  for (const n of nodes)
    for (const k of Object.keys((n.properties ?? {}) as Json)) if (k !== '$schema') keys.add(k);
  return [...keys].sort();
}

let schemaCache: object | undefined;

/** JSON Schema (draft 2020-12) for editors, generated from the zod schema. */
export function scenarioJsonSchema(): object {
  schemaCache ??= z.toJSONSchema(Scenario, { io: 'input', unrepresentable: 'any' });
  return schemaCache;
}

/**
 * Where the mistake an error at `offset` points to starts. The yaml library puts an indentation error (an item
 * indented one space too far, or too little) at the start of its line, the indentation itself: every such error
 * read "column 1". The item's first character (or a tab in the indentation) is where the column is wrong.
 */
function tokenStart(text: string, offset: number): number {
  let lineStart = offset;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  for (let i = lineStart; i < offset; i++) if (text[i] !== ' ') return offset;
  let i = offset;
  while (text[i] === ' ') i++;
  // A tab stops here: it is what "Tabs are not allowed as indentation" points at. A blank line stays as it was.
  return i < text.length && text[i] !== '\n' && text[i] !== '\r' ? i : offset;
}

/**
 * The bracket or quote still open at `offset`, as an offset, or -1: for an error about a flow collection or a
 * quoted string left unclosed, which the yaml library reports where the text ends, not where it was opened.
 * Flow brackets and quotes only (YAML's `[`, `{`, `"`, `'`); a `#` after a space starts a comment outside quotes.
 */
function unclosedAt(text: string, offset: number): number {
  const open: number[] = [];
  let quote = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    if (quote >= 0) {
      const q = text[quote];
      if (q === '"' && c === '\\') i++;
      else if (c === q && q === "'" && text[i + 1] === "'") i++;
      else if (c === q) quote = -1;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || (c === "'" && (i === 0 || /[\s[{,:]/.test(text[i - 1]!)))) quote = i;
    else if (c === '[' || c === '{') open.push(i);
    else if (c === ']' || c === '}') open.pop();
  }
  return quote >= 0 ? quote : (open.at(-1) ?? -1);
}

/** Parse text (YAML is a superset of JSON, so one parser serves both); `at` gives a field path's line and column. */
function parseScenarioText(
  text: string,
  where: string,
): { value: unknown; at: (path: PropertyKey[]) => string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(tokenStart(text, err.pos[0]));
    const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    // The parser recurses per level: a document nested hundreds deep is not a syntax slip, say what it is.
    if (/Maximum call stack size exceeded/.test(err.message)) {
      throw new ScenarioError({
        what: `nested too deeply to read${at}`,
        where,
        hint: 'a scenario nests a few levels (actors, routes, behaviours): check for runaway brackets',
      });
    }
    // The library's words for this one name its own API ("use YAML.parseAllDocuments()").
    if (err.code === 'MULTIPLE_DOCS')
      throw new ScenarioError({
        what: `the file holds more than one YAML document (a second '---'${at})`,
        where,
        hint: 'a scenario file is one document: one scenario per file',
      });
    // An unclosed bracket or quote is reported where the text ends: say where it was opened.
    const o = /flow (sequence|mapping|collection)|quoted|missing closing/i.test(err.message)
      ? unclosedAt(text, err.pos[0])
      : -1;
    const opened = o >= 0 ? lineCounter.linePos(o) : undefined;
    const from = opened ? ` (the ${text[o]} opened at line ${opened.line}, column ${opened.col})` : '';
    throw new ScenarioError({
      what: `not valid YAML/JSON${at}: ${err.message.split('\n')[0]}${from}`,
      where,
      hint: 'fix the syntax (indentation with spaces, matching brackets and quotes)',
    });
  }
  let value: unknown;
  try {
    // yaml refuses a document whose aliases would expand past its limit (an alias bomb) as it builds it.
    value = doc.toJS();
  } catch (err) {
    throw new ScenarioError({
      what: `not a usable YAML/JSON document: ${(err as Error).message.split('\n')[0]}`,
      where,
      hint: 'write the fields out instead of through many nested aliases',
      cause: err,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ScenarioError({
      what: '(top level): a scenario must be a mapping of fields',
      where,
      hint: 'start from a file in scenarios/',
    });
  }
  // Where a field path's value starts (or its nearest parent that is in the file: a missing field's mapping).
  const at = (path: PropertyKey[]): string => {
    for (let k = path.length; k > 0; k--) {
      const node = doc.getIn(path.slice(0, k), true);
      const start = isNode(node) ? node.range?.[0] : undefined;
      const pos = start === undefined ? undefined : lineCounter.linePos(start);
      if (pos) return `:${pos.line}:${pos.col}`;
    }
    return '';
  };
  return { value, at };
}

/** `actors[2].route[0].road` → ['actors', 2, 'route', 0, 'road'] (undefined: not a field path). */
function fieldPath(text: string): PropertyKey[] | undefined {
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*|\[\d+\])*$/.test(text)) return undefined;
  return [...text.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]/g)].map((m) =>
    m[1] !== undefined ? m[1] : Number(m[2]),
  );
}

/**
 * A mistake in a field, located: its where becomes `file:line:column` (the form editors and terminals open at the
 * line), found from the field path its message starts with. Others are returned as they are.
 */
function located(err: ScenarioError, where: string, at: (path: PropertyKey[]) => string): ScenarioError {
  const path = err.where === where ? fieldPath(err.what.split(': ')[0]!) : undefined;
  const pos = path ? at(path) : '';
  if (pos === '') return err;
  return new ScenarioError({ what: err.what, where: `${where}${pos}`, hint: err.hint, cause: err.cause });
}

/**
 * Validate an already-parsed value: schema first, then semantic checks. `allMistakes`: every semantic mistake,
 * thrown together as ScenarioMistakes (a schema error is still the first alone: the rest may follow from it).
 */
/**
 * How a scenario is loaded. `minViewPx`: the least height an actor an expectation names must reach in a camera
 * (the scoring's don't-care height, `scenarios run --min-height`; default 8).
 */
interface ScenarioLoadOptions {
  allMistakes?: boolean;
  minViewPx?: number;
}

export function scenarioFromValue(raw: unknown, where: string, o: ScenarioLoadOptions = {}): LoadedScenario {
  const res = Scenario.safeParse(raw);
  if (!res.success) {
    const { issue, missing } = pickIssue(res.error.issues, raw);
    throw issueToError(issue, raw, where, knownKeys(issue.path as PropertyKey[], raw), missing);
  }
  const world = validateScenario(res.data, where, o.allMistakes ? [] : undefined, o.minViewPx);
  return { scenario: res.data, world, source: where };
}

export function scenarioFromText(text: string, where: string, o: ScenarioLoadOptions = {}): LoadedScenario {
  const { value, at } = parseScenarioText(text, where);
  try {
    return scenarioFromValue(value, where, o);
  } catch (err) {
    if (err instanceof ScenarioMistakes)
      throw new ScenarioMistakes(err.all.map((e) => located(e, where, at)));
    if (err instanceof ScenarioError) throw located(err, where, at);
    throw err;
  }
}

export async function loadScenario(path: string, o: ScenarioLoadOptions = {}): Promise<LoadedScenario> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ScenarioError({
      what: `cannot read scenario file (${code})`,
      where: path,
      hint: 'check the path; bundled scenarios are in scenarios/',
      cause: err,
    });
  }
  const other = otherKind(bytes.subarray(0, 16), path);
  if (other && other.kind !== 'yaml')
    throw new ScenarioError({ what: `${other.what}, not a scenario file`, where: path, hint: other.hint });
  return scenarioFromText(bytes.toString('utf8'), path, o);
}

/**
 * Refuse two scenarios of one name in one run: outputs (recordings, results, dataset images, golden files,
 * digests) are named by the scenario, so the second would overwrite the first.
 */
export function refuseSameNames(
  loaded: readonly Pick<LoadedScenario, 'scenario' | 'source'>[],
  where: string,
): void {
  const byName = new Map<string, string>();
  for (const l of loaded) {
    const first = byName.get(l.scenario.name);
    if (first !== undefined) {
      throw new ScenarioError({
        what: `two scenarios are named '${l.scenario.name}': ${first} and ${l.source}`,
        where,
        hint: 'their outputs are named by the scenario and would overwrite each other: rename one',
      });
    }
    byName.set(l.scenario.name, l.source);
  }
}
