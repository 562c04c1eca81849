/**
 * The `expect` block of a scenario: thresholds on metrics and checks on events that `viper scenarios run` and
 * `viper scenarios score` check a run against (`viper eval` prints the metrics, not the checks). The simulator
 * only validates it; the evaluator owns its meaning.
 *
 * @example
 * expect:
 *   metrics:
 *     - { metric: IDF1, min: 0.9, class: pedestrian }
 *     - { metric: IDSW, max: 1 }
 *   events:
 *     - { type: tracked_within, actor: P1, seconds: 0.5, minVisible: 0.5 }
 *     - { type: no_id_switch, actor: C3 }
 *     - { type: single_world_id, actor: C1, minFraction: 0.95 }
 */
import { z } from 'zod';
import { ViperClass } from '../../contracts/classes.ts';

/** Metrics that are fractions (1 = perfect; reports print them as percentages). */
const FRACTIONS = [
  'MOTA',
  'MOTP',
  'IDF1',
  'IDP',
  'IDR',
  'HOTA',
  'DetA',
  'AssA',
  'LocA',
  'AP50',
  'AP',
] as const;

/** Metric names the evaluator computes (CLEAR MOT, identity, HOTA family, detection AP, counts). */
const COUNTS = ['IDSW', 'FP', 'FN', 'Frag', 'MT', 'ML'] as const;
export const METRIC_NAMES = [...FRACTIONS, ...COUNTS] as const;
export const MetricName = z.enum(METRIC_NAMES);
export type MetricName = z.infer<typeof MetricName>;

/** The fraction metrics; the others are counts. */
export const FRACTION_METRICS: readonly MetricName[] = FRACTIONS;

/**
 * One metric threshold; at least one of `min` / `max`. Scoped to a class and/or camera when given. Fractions
 * are written 0–1 (`min: 0.9`, not 90: a bound above 1 is a percentage by mistake).
 */
export const MetricExpectation = z
  .strictObject({
    metric: MetricName,
    min: z.number().optional(),
    max: z.number().optional(),
    class: ViperClass.optional(),
    /** Camera id for one camera's 2D metrics; `world` for the fused world-frame (BEV) result; absent = 2D over all cameras. */
    camera: z.string().optional(),
  })
  .refine((m) => m.min !== undefined || m.max !== undefined, {
    message: 'a metric expectation needs min or max',
    params: { hint: 'add a bound, e.g. { metric: IDF1, min: 0.9 } or { metric: IDSW, max: 2 }' },
  })
  .refine((m) => m.min === undefined || m.max === undefined || m.min <= m.max, {
    message: 'min is above max, so the expectation can never pass',
    path: ['max'],
    params: { hint: 'swap them: min is the lower bound, max the upper' },
  })
  .refine((m) => (FRACTIONS as readonly string[]).includes(m.metric) || m.max === undefined || m.max >= 0, {
    message: 'a count is never below 0, so a negative max can never pass',
    path: ['max'],
    params: { hint: 'max: 0 asks for none' },
  })
  // The refinements above and the percentage check (validate.ts), for editors: `.meta` annotates the JSON Schema
  // only. `allOf`, not a top-level anyOf, so that the schema's field names stay where `knownKeys` looks for them.
  .meta({
    allOf: [
      { anyOf: [{ required: ['min'] }, { required: ['max'] }] },
      {
        anyOf: [
          { properties: { metric: { enum: [...FRACTIONS] }, min: { maximum: 1 }, max: { maximum: 1 } } },
          { properties: { metric: { enum: [...COUNTS] }, max: { minimum: 0 } } },
        ],
      },
    ],
  });
// A percentage bound on a fraction metric (min: 90 for MOTA) is checked with the semantic checks
// (validate.ts), so `simulate --check` lists it beside the others.
export type MetricExpectation = z.infer<typeof MetricExpectation>;

/** The actor gets a confirmed track within `seconds` of first being at least `minVisible` visible. */
const TrackedWithin = z.strictObject({
  type: z.literal('tracked_within'),
  actor: z.string(),
  seconds: z.number().positive(),
  minVisible: z.number().min(0).max(1).default(0.5),
  camera: z.string().optional(),
});
/** The actor's matched track id never changes (per camera when `camera` is given, else world id). */
const NoIdSwitch = z.strictObject({
  type: z.literal('no_id_switch'),
  actor: z.string(),
  camera: z.string().optional(),
});
/** One world-frame id covers at least `minFraction` of the frames in which the actor is visible. */
const SingleWorldId = z.strictObject({
  type: z.literal('single_world_id'),
  actor: z.string(),
  minFraction: z.number().min(0).max(1).default(0.95),
});
/** The actor is never matched to a track (e.g. fully hidden); or at most `maxFrames` false detections. */
const NotDetected = z.strictObject({
  type: z.literal('not_detected'),
  actor: z.string(),
  maxFrames: z.number().int().nonnegative().default(0),
});

export const EventExpectation = z.discriminatedUnion('type', [
  TrackedWithin,
  NoIdSwitch,
  SingleWorldId,
  NotDetected,
]);
export type EventExpectation = z.infer<typeof EventExpectation>;
export const EVENT_TYPES = ['tracked_within', 'no_id_switch', 'single_world_id', 'not_detected'] as const;

export const Expect = z.strictObject({
  metrics: z.array(MetricExpectation).default([]),
  events: z.array(EventExpectation).default([]),
});
export type Expect = z.infer<typeof Expect>;
