import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GroundTruthMessage, ObjectsMessage } from '../../src/contracts/index.ts';
import { foxgloveJsonSchema, RecordingReader } from '../../src/io/index.ts';
import { viperInProcess } from '../testing/cli.ts';
import { foxgloveJsonSchemaProblems } from '../testing/foxgloveJsonSchema.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-fgjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JSON schemas as Foxglove reads them', () => {
  it("zod's tuples and nullable fields are refused by Foxglove's parser, and rewritten so it reads them", () => {
    // The rewrite is needed: Foxglove refused viper.Objects and viper.GroundTruth whole (3-vector tuples).
    const raw = z.toJSONSchema(ObjectsMessage);
    expect(foxgloveJsonSchemaProblems(raw)).toContain('objects.box.center: array items of type undefined');
    expect(foxgloveJsonSchemaProblems(foxgloveJsonSchema(raw))).toEqual([]);
    expect(foxgloveJsonSchemaProblems(foxgloveJsonSchema(z.toJSONSchema(GroundTruthMessage)))).toEqual([]);
    // A tuple keeps its length; a nullable field keeps its type; a record gets (empty) properties.
    const out = foxgloveJsonSchema(
      z.toJSONSchema(
        z.object({
          v: z.tuple([z.number(), z.number()]),
          n: z.number().int().nullable(),
          r: z.record(z.string(), z.number()),
        }),
      ),
    ) as { properties: Record<string, Record<string, unknown>> };
    expect(out.properties.v).toMatchObject({
      type: 'array',
      items: { type: 'number' },
      minItems: 2,
      maxItems: 2,
    });
    expect(out.properties.n).toMatchObject({ type: 'integer' });
    expect(out.properties.r).toMatchObject({ type: 'object', properties: {} });
    // Rest items keep the tuple open-ended; rest of another type leaves the tuple as it was.
    const rest = foxgloveJsonSchema(
      z.toJSONSchema(
        z.object({ a: z.tuple([z.number()], z.number()), b: z.tuple([z.number()], z.string()) }),
      ),
    ) as { properties: Record<string, Record<string, unknown>> };
    expect(rest.properties.a).toMatchObject({ type: 'array', items: { type: 'number' }, minItems: 1 });
    expect(rest.properties.a!.maxItems).toBeUndefined();
    expect(rest.properties.b!.prefixItems).toBeDefined();
    expect(foxgloveJsonSchemaProblems(out)).toEqual([]);
  });

  it('every JSON channel of a simulated recording and of its results passes', async () => {
    const rec = join(dir, 'rec.mcap');
    const results = join(dir, 'results.mcap');
    await simulateSmall('pedestrian_crossing', rec, { duration: 3.5, width: 160, height: 90 });
    const r = await viperInProcess(['replay', rec, '-o', results, '--detector', 'oracle', '--no-progress']);
    expect(r.stderr).toBe('');
    const seen: string[] = [];
    for (const file of [rec, results]) {
      const reader = await RecordingReader.open(file);
      try {
        for (const ch of reader.channels()) {
          if (ch.schemaEncoding !== 'jsonschema') continue;
          const schema = JSON.parse(new TextDecoder().decode(reader.schemaOf(ch.id).data)) as object;
          expect(foxgloveJsonSchemaProblems(schema), `${file}: ${ch.topic}`).toEqual([]);
          seen.push(ch.schemaName);
        }
      } finally {
        await reader.close();
      }
    }
    expect(new Set(seen)).toEqual(new Set(['viper.GroundTruth', 'viper.Objects', 'viper.RigMetrics']));
  });
});
