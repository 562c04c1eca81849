/**
 * Loading scenario files: YAML or JSON text → zod schema (defaults filled) → semantic checks → a World ready to
 * simulate. Every failure is a ScenarioError whose message is one line naming the field and the fix.
 *
 * @example
 * const { scenario, world } = await loadScenario('scenarios/highway_cut_in.yaml');
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { ScenarioError } from '../../contracts/errors.ts';
import type { World } from '../world/world.ts';
import { issueToError } from './errors.ts';
import { Scenario } from './schema.ts';
import { validateScenario } from './validate.ts';

export interface LoadedScenario {
  scenario: Scenario;
  world: World;
  /** Where it came from (file path or a label). */
  source: string;
}

let keysCache: string[] | undefined;

/** Every field name in the scenario schema (for "did you mean"). */
export function knownKeys(): string[] {
  if (keysCache) return keysCache;
  const keys = new Set<string>();
  const walk = (v: unknown) => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    for (const [k, sub] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'properties' && sub && typeof sub === 'object') for (const p of Object.keys(sub)) keys.add(p);
      walk(sub);
    }
  };
  walk(scenarioJsonSchema());
  keysCache = [...keys].sort();
  return keysCache;
}

/** JSON Schema (draft 2020-12) for editors, generated from the zod schema. */
export function scenarioJsonSchema(): object {
  return z.toJSONSchema(Scenario, { io: 'input', unrepresentable: 'any' });
}

/** Parse text (YAML is a superset of JSON, so one parser serves both). */
export function parseScenarioText(text: string, where: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw new ScenarioError({
      what: `not valid YAML/JSON${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${err.message.split('\n')[0]}`,
      where,
      hint: 'fix the syntax (indentation with spaces, matching brackets and quotes)',
    });
  }
  const value = doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ScenarioError({ what: '(top level): a scenario must be a mapping of fields', where, hint: 'start from a file in scenarios/' });
  }
  return value;
}

/** Validate an already-parsed value: schema first, then semantic checks. */
export function scenarioFromValue(raw: unknown, where: string): LoadedScenario {
  const res = Scenario.safeParse(raw);
  if (!res.success) throw issueToError(res.error.issues[0]!, raw, where, knownKeys());
  const world = validateScenario(res.data, where);
  return { scenario: res.data, world, source: where };
}

export function scenarioFromText(text: string, where: string): LoadedScenario {
  return scenarioFromValue(parseScenarioText(text, where), where);
}

export async function loadScenario(path: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ScenarioError({ what: `cannot read scenario file (${code})`, where: path, hint: 'check the path; bundled scenarios are in scenarios/', cause: err });
  }
  return scenarioFromText(text, path);
}
