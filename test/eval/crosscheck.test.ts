/**
 * Sequences beyond TUD-Campus: random sequences where TrackEval and py-motmetrics disagree, with each tool's
 * values (fixtures/random-references.json says how they were computed). Viper must reproduce both.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clearMot, type EvalSequence, hota, identity, prepareSequence } from '../../src/eval/index.ts';

interface Fixture {
  sequences: {
    frames: { gt: [number, number[]][]; tr: [number, number[]][] }[];
    trackeval: Record<string, number>;
    trackeval_hota: Record<string, number[]>;
    py_motmetrics: Record<string, number>;
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/random-references.json', import.meta.url), 'utf8'),
) as Fixture;
const toBox = (b: number[]) => ({ x1: b[0]!, y1: b[1]!, x2: b[2]!, y2: b[3]! });

describe('random sequences against the reference algorithms', () => {
  it.each(fixture.sequences.map((s, k) => [k, s] as const))('sequence %i', (_k, s) => {
    const seq: EvalSequence = {
      frames: s.frames.map((f) => ({
        gtIds: f.gt.map((g) => g[0]),
        gtBoxes: f.gt.map((g) => toBox(g[1])),
        trIds: f.tr.map((t) => t[0]),
        trBoxes: f.tr.map((t) => toBox(t[1])),
      })),
    };
    const p = prepareSequence(seq);
    const te: Record<string, number> = { ...clearMot(p), ...identity(p) };
    for (const [k, v] of Object.entries(s.trackeval)) expect(te[k], `trackeval ${k}`).toBeCloseTo(v, 9);
    const h = hota(p);
    for (const [k, curve] of Object.entries(s.trackeval_hota)) {
      const ours = h.curves[k as keyof typeof h.curves];
      curve.forEach((v, a) => {
        expect(ours[a], `trackeval ${k}[${a}]`).toBeCloseTo(v, 9);
      });
    }
    const mm: Record<string, number> = { ...clearMot(p, { convention: 'motmetrics' }) };
    for (const [k, v] of Object.entries(s.py_motmetrics))
      expect(mm[k], `py-motmetrics ${k}`).toBeCloseTo(v, 9);
  });
});
