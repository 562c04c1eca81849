/**
 * The scenario file format (YAML or JSON), as one zod schema: map, ego, actors, lighting, sensor effects,
 * camera dropouts, camera rig, timing, seed and the `expect` block. Units: metres, seconds, m/s, degrees for
 * angles written by people (converted to radians on load). World frame `odom`: x east, y north, z up.
 * `scenarios/scenario.schema.json` is generated from this file (`npx viper simulate --write-schema scenarios/scenario.schema.json`).
 */
import { z } from 'zod';
import { ViperClass } from '../../contracts/classes.ts';
import { MAX_LOG_TIME_S } from '../../contracts/time.ts';
import { Expect } from './expect.ts';

const finite = () => z.number().finite();
/**
 * Bounds the semantic checks enforce (validate.ts and the checks beside it, with messages that say why), written
 * into the JSON Schema too so that an editor flags them; `.meta` only annotates the schema, zod does not check it.
 */
const editorBounds = (bounds: Record<string, unknown>) => bounds;
export const Vec2 = z.tuple([finite(), finite()]);
export type Vec2 = z.infer<typeof Vec2>;
const Vec3S = z.tuple([finite(), finite(), finite()]);
/** RGB colour, 0–255 each. */
export const Rgb = z.tuple([
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
]);
export type Rgb = z.infer<typeof Rgb>;
const id = () =>
  z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'ids start with a letter: letters, digits, _ or -');

/** A straight-segment road: centreline polyline, lanes, sidewalks. Lanes are driven on the right. */
export const Road = z.strictObject({
  id: id(),
  points: z.array(Vec2).min(2),
  /** Total lanes; two-way roads put ceil(lanes/2) on the right of the centreline. */
  lanes: z.number().int().min(1).max(8).default(2),
  oneWay: z.boolean().default(false),
  laneWidth: z.number().min(2).max(6).default(3.5),
  /** Sidewalk width on each side (0 = none), raised by a 15 cm curb. */
  sidewalk: z.number().min(0).max(20).default(3),
});
export type Road = z.infer<typeof Road>;

/** A zebra crossing across a road, `at` metres along its centreline. */
const Crossing = z.strictObject({
  road: z.string(),
  at: z.number().min(0),
  width: z.number().positive().max(10).default(4),
});

const STATIC_TYPES = [
  'building',
  'pole',
  'tree',
  'streetlight',
  'traffic_light',
  'parked_car',
  'parked_van',
  'parked_truck',
] as const;
/** A building's [length, width, height] (m) when its `size` is not given. */
export const DEFAULT_BUILDING_SIZE: readonly [number, number, number] = [16, 12, 14];

/** Parked vehicles are ground-truth actors (class car/truck, speed 0); the rest is scenery and occluders. */
export const StaticObject = z.strictObject({
  id: id().optional(),
  type: z.enum(STATIC_TYPES),
  position: Vec2,
  /** Heading, degrees counter-clockwise from +x. */
  yaw: finite().default(0),
  /** [length, width, height] m; defaults per type. */
  size: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
  color: Rgb.optional(),
  /** Traffic light state (default red); traffic lights only: on anything else it would do nothing. */
  state: z.enum(['red', 'yellow', 'green']).optional(),
});
export type StaticObject = z.infer<typeof StaticObject>;

export const MapSpec = z.strictObject({
  /** [xmin, ymin, xmax, ymax]; default: the roads' bounding box grown by 60 m. */
  extent: z.tuple([finite(), finite(), finite(), finite()]).optional(),
  roads: z.array(Road).min(1),
  crossings: z.array(Crossing).default([]),
  objects: z.array(StaticObject).default([]),
  /** `auto` lines the roads with seeded buildings, trees and street lights; `none` leaves only `objects`. */
  scenery: z.enum(['auto', 'none']).default('auto'),
  ground: z.enum(['grass', 'concrete']).default('grass'),
});
export type MapSpec = z.infer<typeof MapSpec>;

/** A route point: world [x, y], or a place on a road (lane > 0 right of the centreline, < 0 left; or a sidewalk). */
export const Waypoint = z.union([
  Vec2,
  z.strictObject({
    road: z.string(),
    at: z.number().meta(editorBounds({ minimum: 0 })),
    lane: z
      .number()
      .int()
      .optional()
      .meta(editorBounds({ not: { const: 0 } })),
    side: z.enum(['left', 'right']).optional(),
    /** Extra lateral offset, m, + = left of the road direction. */
    offset: finite().default(0),
  }),
]);
export type Waypoint = z.infer<typeof Waypoint>;

/** Constant speed (m/s) or a piecewise-linear profile of [t s, v m/s] points held flat past both ends. */
export const Speed = z.union([
  z.number().min(0).max(70),
  z
    .array(z.tuple([z.number().min(0), z.number().min(0).max(70)]))
    .min(1)
    .refine((p) => p.every((q, i) => i === 0 || q[0] > p[i - 1]![0]), 'profile times must increase'),
]);
export type Speed = z.infer<typeof Speed>;

export const Behaviour = z.discriminatedUnion('type', [
  /** Change lane by `offset` m (+ left) starting at `at` s over `duration` s (smooth). */
  z.strictObject({
    type: z.literal('cut_in'),
    at: z.number().min(0),
    duration: z.number().positive().default(2.5),
    offset: finite(),
  }),
  /** Brake to a stop at `at` s and stand for `duration` s, then resume the speed profile. */
  z.strictObject({
    type: z.literal('stop'),
    at: z.number().min(0),
    duration: z.number().min(0).default(1e9),
  }),
  /** Stand still at the route start until `at` s, then walk/drive the route (a pedestrian crossing). */
  z.strictObject({ type: z.literal('cross'), at: z.number().min(0) }),
  /** Round route corners with `radius` m and slow down to keep lateral acceleration under `maxLatAccel`. */
  z.strictObject({
    type: z.literal('turn'),
    radius: z.number().positive().default(8),
    maxLatAccel: z.number().positive().default(2.5),
  }),
  /** Keep at least `gap` m behind actor or parked vehicle `target` (speed capped so the gap holds); the ego too. */
  z.strictObject({ type: z.literal('follow'), target: z.string(), gap: z.number().positive().default(10) }),
]);
export type Behaviour = z.infer<typeof Behaviour>;
export const BEHAVIOUR_TYPES = ['cut_in', 'stop', 'cross', 'turn', 'follow'] as const;

export const Actor = z.strictObject({
  id: id(),
  class: ViperClass,
  route: z.array(Waypoint).min(1),
  speed: Speed.default(0),
  /** Appears at this time (s); before it the actor does not exist. */
  start: z.number().min(0).default(0),
  behaviours: z.array(Behaviour).default([]),
  /** [length, width, height] m; defaults per class. */
  size: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
  color: Rgb.optional(),
  /** Disappear when the route ends (true) or stand at its end (false). */
  despawn: z.boolean().default(false),
  /** Vehicles: headlights on (default: on at dusk and night). */
  lights: z.boolean().optional(),
  /** Heading in degrees when the route is a single point (standing actors). */
  heading: finite().default(0),
});
export type Actor = z.infer<typeof Actor>;

const Ego = z.strictObject({
  route: z.array(Waypoint).min(1),
  speed: Speed.default(0),
  behaviours: z.array(Behaviour).default([]),
  size: z
    .tuple([z.number().positive(), z.number().positive(), z.number().positive()])
    .default([4.7, 1.9, 1.6]),
  /** Heading in degrees when the route is a single point. */
  heading: finite().default(0),
});

const Lighting = z.strictObject({
  time: z.enum(['day', 'dusk', 'night']).default('day'),
  /** Sun direction (degrees): azimuth counter-clockwise from +x, elevation above the horizon. */
  sunAzimuth: finite().default(135),
  sunElevation: z.number().min(1).max(90).default(45),
});

/** Sensor and weather effects applied to every image (never to ground truth). */
const Sensor = z.strictObject({
  /** Gaussian-like read noise, standard deviation in 8-bit levels. */
  noise: z.number().min(0).max(40).default(1.5),
  /** Box-blur radius in pixels (motion/defocus). */
  blur: z.number().int().min(0).max(4).default(0),
  /** Exposure compensation in stops. */
  exposure: z.number().min(-3).max(3).default(0),
  /** Rain streak density, 0 (dry) to 1 (downpour); also darkens and lowers contrast. */
  rain: z.number().min(0).max(1).default(0),
  jpegQuality: z.number().int().min(30).max(100).default(85),
});

const Dropout = z.strictObject({
  camera: z.string(),
  start: z.number().min(0),
  end: z.number().min(0),
});

/** One camera: intrinsics (fx or hfov) and its mount in base_link (FLU): yaw left +, pitch down +, degrees. */
export const CameraSpec = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'camera ids are lower_snake_case, e.g. cam_front'),
  width: z.number().int().min(16).max(4096).optional(),
  height: z.number().int().min(16).max(4096).optional(),
  fx: z
    .number()
    .optional()
    .meta(editorBounds({ exclusiveMinimum: 0 })),
  fy: z
    .number()
    .optional()
    .meta(editorBounds({ exclusiveMinimum: 0 })),
  cx: z.number().optional(),
  cy: z.number().optional(),
  /** Horizontal field of view in degrees (used when fx is absent; with neither, 70°). */
  hfov: z
    .number()
    .optional()
    .meta(editorBounds({ exclusiveMinimum: 1, exclusiveMaximum: 170 })),
  /** [x, y, z] in base_link, m: z above the ground. */
  position: Vec3S.meta(
    editorBounds({
      prefixItems: [{ type: 'number' }, { type: 'number' }, { type: 'number', exclusiveMinimum: 0 }],
    }),
  ),
  yaw: finite().default(0),
  pitch: finite().default(0),
  roll: finite().default(0),
  /** plumb_bob [k1, k2, p1, p2, k3]. */
  distortion: z
    .array(finite().meta(editorBounds({ minimum: -2, maximum: 2 })))
    .length(5)
    .optional(),
});
export type CameraSpec = z.infer<typeof CameraSpec>;

export const Rig = z.strictObject({
  /** `nuscenes6`: six cameras around the ego with overlapping views (ignored when `cameras` is given). */
  preset: z.enum(['nuscenes6']).default('nuscenes6'),
  width: z.number().int().min(16).max(4096).default(640),
  height: z.number().int().min(16).max(4096).default(360),
  /** Radial distortion k1 applied to every preset camera (0 = pinhole). */
  k1: z.number().min(-0.5).max(0.5).default(0),
  cameras: z.array(CameraSpec).min(1).optional(),
});
export type RigSpec = z.infer<typeof Rig>;

export const Scenario = z.strictObject({
  /** The JSON Schema an editor checks a JSON scenario against (scenarios/scenario.schema.json); not read. */
  $schema: z.string().optional(),
  name: id(),
  description: z.string().default(''),
  duration: z.number().positive().max(600),
  /** Camera frame rate, Hz. */
  rate: z.number().positive().max(60).default(10),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  /** Log time of t = 0, seconds since the Unix epoch; with the longest duration it must fit a 64-bit log time. */
  epoch: z
    .number()
    .int()
    .min(0)
    .max(
      MAX_LOG_TIME_S - 600,
      `at most ${MAX_LOG_TIME_S - 600}: log times are 64-bit nanoseconds, which end in the year 2554`,
    )
    .default(1_767_225_600),
  map: MapSpec,
  ego: Ego,
  actors: z.array(Actor).default([]),
  lighting: Lighting.default({ time: 'day', sunAzimuth: 135, sunElevation: 45 }),
  sensor: Sensor.default({ noise: 1.5, blur: 0, exposure: 0, rain: 0, jpegQuality: 85 }),
  dropouts: z.array(Dropout).default([]),
  rig: Rig.default({ preset: 'nuscenes6', width: 640, height: 360, k1: 0 }),
  expect: Expect.default({ metrics: [], events: [] }),
});
/** A validated scenario (defaults filled in). */
export type Scenario = z.infer<typeof Scenario>;
/** What a person writes (defaults optional). */
export type ScenarioInput = z.input<typeof Scenario>;
