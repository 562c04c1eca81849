/**
 * The nuScenes tables (https://www.nuscenes.org/nuscenes#data-format) Viper's importer reads, zod-checked as they
 * are loaded: `<dataroot>/<version>/{scene,sample,sample_data,…}.json`. Only the fields used are declared; the
 * rest of each record passes through unread. Poses are nuScenes': translation in metres, rotation as a unit
 * quaternion [w, x, y, z] (Viper's is [x, y, z, w]), `timestamp` in microseconds.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, InputError } from '../../contracts/errors.ts';
import { compareText } from '../../contracts/compareText.ts';

const Token = z.string().min(1);
const Xyz = z.tuple([z.number(), z.number(), z.number()]);
const Wxyz = z.tuple([z.number(), z.number(), z.number(), z.number()]);

const Scene = z.object({
  token: Token,
  name: z.string(),
  first_sample_token: Token,
  nbr_samples: z.number(),
});
const Sample = z.object({ token: Token, timestamp: z.number(), scene_token: Token, next: z.string() });
const SampleData = z.object({
  token: Token,
  sample_token: Token,
  ego_pose_token: Token,
  calibrated_sensor_token: Token,
  timestamp: z.number(),
  is_key_frame: z.boolean(),
  filename: z.string(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});
const CalibratedSensor = z.object({
  token: Token,
  sensor_token: Token,
  translation: Xyz,
  rotation: Wxyz,
  camera_intrinsic: z.array(z.array(z.number())),
});
const Sensor = z.object({ token: Token, channel: z.string(), modality: z.string() });
const EgoPose = z.object({ token: Token, translation: Xyz, rotation: Wxyz, timestamp: z.number() });
const SampleAnnotation = z.object({
  token: Token,
  sample_token: Token,
  instance_token: Token,
  visibility_token: z.string(),
  attribute_tokens: z.array(z.string()),
  translation: Xyz,
  /** [width, length, height], metres. */
  size: Xyz,
  rotation: Wxyz,
  /** Lidar and radar points inside the box: a box with none is not evaluated (the devkit's filter_eval_boxes). */
  num_lidar_pts: z.number().int().nonnegative().optional(),
  num_radar_pts: z.number().int().nonnegative().optional(),
  prev: z.string(),
  next: z.string(),
});
const Instance = z.object({ token: Token, category_token: Token });
const Category = z.object({ token: Token, name: z.string() });
const Attribute = z.object({ token: Token, name: z.string() });

const TABLES = {
  scene: Scene,
  sample: Sample,
  sample_data: SampleData,
  calibrated_sensor: CalibratedSensor,
  sensor: Sensor,
  ego_pose: EgoPose,
  sample_annotation: SampleAnnotation,
  instance: Instance,
  category: Category,
  attribute: Attribute,
} as const;

type Tables = { [K in keyof typeof TABLES]: Map<string, z.infer<(typeof TABLES)[K]>> };
export type NuScene = z.infer<typeof Scene>;
export type NuSample = z.infer<typeof Sample>;
export type NuSampleData = z.infer<typeof SampleData>;
export type NuAnnotation = z.infer<typeof SampleAnnotation>;

export interface NuScenesDb extends Tables {
  dataroot: string;
  version: string;
  /** Annotations of each sample, in table order. */
  annotationsOf: Map<string, NuAnnotation[]>;
  /** Key-frame sample_data of each sample, in table order. */
  keyframesOf: Map<string, NuSampleData[]>;
}

/**
 * The table versions under `dataroot` (folders such as `v1.0-mini` holding a scene.json); empty when `dataroot`
 * is not a nuScenes dataroot.
 */
export function nuScenesVersions(dataroot: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dataroot);
  } catch {
    return [];
  }
  return names.filter((n) => existsSync(join(dataroot, n, 'scene.json'))).sort();
}

/** Loads and checks every table the importer needs; a missing table or a bad record is one line naming it. */
export function loadNuScenes(dataroot: string, version: string): NuScenesDb {
  const tables = {} as Record<string, Map<string, unknown>>;
  for (const [name, schema] of Object.entries(TABLES)) {
    const file = join(dataroot, version, `${name}.json`);
    const rows = readTable(file);
    const map = new Map<string, unknown>();
    rows.forEach((row, i) => {
      const r = (schema as z.ZodType).safeParse(row);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new InputError({
          what: `${name} record ${i}: ${issue.path.join('.') || 'record'}: ${issue.message}`,
          where: file,
          hint: 'the nuScenes tables as the devkit reads them (v1.0 format)',
        });
      }
      const rec = r.data as { token: string };
      map.set(rec.token, rec);
    });
    tables[name] = map;
  }
  const db = { ...(tables as unknown as Tables), dataroot, version } as NuScenesDb;
  db.annotationsOf = new Map();
  for (const a of db.sample_annotation.values()) {
    if (!db.sample.has(a.sample_token))
      throw new InputError({
        what: `sample ${a.sample_token} of annotation ${a.token} is not in sample.json`,
        where: join(dataroot, version, 'sample_annotation.json'),
        hint: 'the tables are from different versions or a download was cut short',
      });
    pushTo(db.annotationsOf, a.sample_token, a);
  }
  db.keyframesOf = new Map();
  for (const d of db.sample_data.values()) if (d.is_key_frame) pushTo(db.keyframesOf, d.sample_token, d);
  return db;
}

function readTable(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_STRING_TOO_LONG')
      throw new InputError({
        what: 'nuScenes table too large to read as one JSON text (over 512 MB)',
        where: file,
        hint: 'import from a smaller version folder (v1.0-mini, or the tables of the scenes you need)',
      });
    throw new InputError({
      what: code === 'ENOENT' ? 'nuScenes table missing' : `cannot read nuScenes table (${code ?? 'error'})`,
      where: file,
      hint: 'a nuScenes version folder holds scene, sample, sample_data, calibrated_sensor, sensor, ego_pose, sample_annotation, instance, category and attribute .json',
    });
  }
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (err) {
    throw new InputError({
      what: `not JSON: ${(err as Error).message}`,
      where: file,
      hint: 'a nuScenes table is a JSON array of records, as the devkit writes it',
    });
  }
  if (!Array.isArray(rows))
    throw new InputError({
      what: `a nuScenes table is a JSON array, this is ${rows === null ? 'null' : typeof rows}`,
      where: file,
      hint: 'the tables as the devkit reads them (v1.0 format)',
    });
  return rows;
}

/** Appends `value` to the list of `key`. */
export function pushTo<T>(m: Map<string, T[]>, key: string, value: T): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

/** The scene named (by name or token), or the only one; otherwise a ConfigError listing the names. */
export function pickScene(db: NuScenesDb, wanted: string | undefined): NuScene {
  const scenes = [...db.scene.values()].sort((a, b) => compareText(a.name, b.name));
  if (scenes.length === 0)
    throw new InputError({
      what: `no scenes in ${db.version}`,
      where: join(db.dataroot, db.version, 'scene.json'),
      hint: 'scene.json lists the scenes of a nuScenes version',
    });
  if (wanted !== undefined) {
    const s = scenes.find((x) => x.name === wanted || x.token === wanted);
    if (s) return s;
  } else if (scenes.length === 1) return scenes[0]!;
  const listed = scenes
    .slice(0, 8)
    .map((s) => s.name)
    .join(', ');
  throw new ConfigError({
    what:
      wanted === undefined
        ? `${scenes.length} scenes in ${db.version}: say which with --scene`
        : `no scene '${wanted}' in ${db.version}`,
    where: join(db.dataroot, db.version, 'scene.json'),
    hint: `scenes: ${listed}${scenes.length > 8 ? `, … (${scenes.length})` : ''}`,
  });
}

/** The scene's samples in time order (following `next` from its first sample). */
export function sceneSamples(db: NuScenesDb, scene: NuScene): NuSample[] {
  const out: NuSample[] = [];
  let token = scene.first_sample_token;
  while (token) {
    const s = db.sample.get(token);
    if (!s) {
      throw new InputError({
        what: `sample ${token} of scene ${scene.name} is not in sample.json`,
        where: join(db.dataroot, db.version, 'sample.json'),
        hint: 'the tables are from different versions or a download was cut short',
      });
    }
    if (out.length > db.sample.size)
      throw new InputError({
        what: `the samples of scene ${scene.name} loop (their next tokens come back round)`,
        where: join(db.dataroot, db.version, 'sample.json'),
        hint: 'the tables are damaged: download them again',
      });
    out.push(s);
    token = s.next;
  }
  return out;
}
