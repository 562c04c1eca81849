/**
 * A nuScenes scene as Viper rig frames: the six camera images of each moment with their calibration and pose,
 * and at each sample (the annotated key frames, 2 Hz) its annotations as Viper ground truth. With `sweeps`, the
 * unannotated camera frames between samples (12 Hz in all) become rig frames too, without ground truth. Pure:
 * tables in, frames out (no files read).
 *
 * Time. A rig's cameras fire one after another as the lidar sweeps past them (about 45 ms from first to last);
 * Viper's rig frame is one stamp. Every image of a key-frame rig is stamped with the sample's reference time (the
 * LIDAR_TOP key frame's, which the annotations describe, else the earliest camera's), of a sweep rig with its
 * anchor camera's (CAM_FRONT's), in its log time and its header alike (replay groups cameras and looks up /tf by
 * the header stamp); each camera's transform from base_link is its pose *at capture* seen from the ego at the
 * reference time (ego(t_ref)⁻¹ · ego(t_cam) · mount), so back-projection is exact despite the shared stamp.
 *
 * Frames. `odom` is nuScenes' global frame moved so that the first sample's ego is at the origin (same axes);
 * `base_link` is nuScenes' ego frame (x forward, y left, z up, origin on the ground at the rear axle); camera
 * frames are optical, as Viper's, named by their channel in lower case (`CAM_FRONT` → `cam_front`).
 */
import type { Calibration } from '../../contracts/camera.ts';
import type { ViperClass } from '../../contracts/classes.ts';
import type { Transform, Vec3 } from '../../contracts/geometry.ts';
import type { GroundTruthMessage, GtActor, GtCameraView } from '../../contracts/perception.ts';
import type { TimeNs } from '../../contracts/time.ts';
import { frames as tfFrames } from '../../contracts/topics.ts';
import {
  applyPose,
  composePose,
  invertPose,
  type Pose,
  projectBox3D,
  quatRotate,
  wrapAngle,
} from '../../geometry/index.ts';
import { InputError } from '../../contracts/errors.ts';
import type { NuAnnotation, NuSample, NuScene, NuScenesDb, NuSampleData } from './tables.ts';
import { pushTo, sceneSamples } from './tables.ts';
import { compareText } from '../../contracts/compareText.ts';

export interface NuCamera {
  cameraId: string;
  /** Image file, relative to the dataroot. */
  filename: string;
  captureNs: TimeNs;
  calibration: Calibration;
  /** base_link (at the rig's reference time) → camera (at its capture). */
  mount: Transform;
}

export interface NuRig {
  tNs: TimeNs;
  /** odom → base_link at the reference time. */
  ego: Transform;
  cameras: NuCamera[];
  /** The sample's annotations: key-frame rigs only. */
  gt?: GroundTruthMessage;
}

interface NuRigs {
  rigs: NuRig[];
  /** Annotations of categories Viper does not track (barriers, cones, trailers, parked bicycles, …), by category. */
  skipped: Map<string, number>;
  /** Sweep camera frames no rig took (no anchor frame within half a frame period). */
  unmatched: number;
}

/**
 * nuScenes category → Viper class, as nuScenes' own detection classes group them, with bicycles only when ridden
 * (Viper's class is the cyclist); null for what Viper does not track.
 */
export function viperClassOf(category: string, attributes: readonly string[]): ViperClass | null {
  if (category === 'vehicle.car') return 'car';
  if (category === 'vehicle.truck') return 'truck';
  if (category.startsWith('vehicle.bus.')) return 'bus';
  if (category === 'vehicle.motorcycle') return 'motorcycle';
  if (category === 'vehicle.bicycle') return attributes.includes('cycle.with_rider') ? 'cyclist' : null;
  if (/^human\.pedestrian\.(adult|child|construction_worker|police_officer)$/.test(category))
    return 'pedestrian';
  return null;
}

/** nuScenes' visibility bins (the fraction of the object visible over all six cameras) → their middle. */
const VISIBILITY: Record<string, number> = { '1': 0.2, '2': 0.5, '3': 0.7, '4': 0.9 };

/**
 * A nuScenes pose ([w, x, y, z] rotation) as a Viper pose ([x, y, z, w]); a rotation that is not a unit quaternion
 * (all zeros, say) would place a camera or a box anywhere, so it is bad input, named by its table and token.
 */
function nuPose(
  p: { token: string; translation: readonly number[]; rotation: readonly number[] },
  table: string,
): Pose {
  const [w, x, y, z] = p.rotation as [number, number, number, number];
  if (Math.abs(Math.hypot(w, x, y, z) - 1) > 0.01)
    throw new InputError({
      what: `rotation [${p.rotation.join(', ')}] is not a unit quaternion`,
      where: `${table}.json ${p.token}`,
      hint: 'nuScenes rotations are unit quaternions [w, x, y, z]',
    });
  return { translation: [...p.translation] as Vec3, rotation: [x, y, z, w] };
}

function transform(parent: string, child: string, p: Pose): Transform {
  return { parent, child, translation: p.translation, rotation: p.rotation };
}

/** Heading (radians about +z) of a rotation: where it turns the x axis, seen from above. */
function headingOf(q: Pose['rotation']): number {
  const [x, y] = quatRotate(q, [1, 0, 0]);
  return Math.atan2(y, x);
}

export function nuScenesRigs(db: NuScenesDb, scene: NuScene, o: { sweeps?: boolean } = {}): NuRigs {
  const samples = sceneSamples(db, scene);
  const sweeps = o.sweeps === true ? sweepRigs(db, samples) : { groups: [], unmatched: 0 };
  // Key-frame rigs (the sample's own camera frames, referred to its lidar) and sweep rigs, in time order.
  const groups = [
    ...samples.flatMap((sample) => {
      const keyframes = db.keyframesOf.get(sample.token) ?? [];
      const cams = keyframes.filter((d) => isCamera(db, d));
      if (cams.length === 0) return [];
      const ref = keyframes.find((d) => sensorOf(db, d).channel === 'LIDAR_TOP') ?? earliest(cams);
      return [{ ref, cams, sample }];
    }),
    ...sweeps.groups,
  ].sort((a, b) => a.ref.timestamp - b.ref.timestamp);
  const skipped = new Map<string, number>();
  const ids = new Map<string, string>(); // instance token → short id
  const rigs: NuRig[] = [];
  let origin: Vec3 | undefined;
  for (const { ref, cams, sample } of groups) {
    const tNs = usToNs(ref.timestamp);
    if (rigs.length > 0 && tNs <= rigs[rigs.length - 1]!.tNs) continue; // a sweep rig at a key frame's time
    const refEgo = nuPose(egoPoseOf(db, ref), 'ego_pose');
    origin ??= refEgo.translation;
    // global → odom: a shift, so the numbers stay small (float32 in some viewers).
    const odomFromGlobal: Pose = {
      translation: [-origin[0], -origin[1], -origin[2]],
      rotation: [0, 0, 0, 1],
    };
    const odomFromEgo = composePose(odomFromGlobal, refEgo);
    const egoFromGlobal = invertPose(refEgo);
    const cameras = [...cams]
      .sort((a, b) => compareText(sensorOf(db, a).channel, sensorOf(db, b).channel))
      .map((d) => cameraOf(db, d, egoFromGlobal));
    const rig: NuRig = { tNs, ego: transform(tfFrames.world, tfFrames.ego, odomFromEgo), cameras };
    if (sample) {
      rig.gt = groundTruth(db, sample, tNs, cameras, odomFromEgo, odomFromGlobal, ids, skipped);
      if (o.sweeps) rig.gt.keyFramesOnly = true;
    }
    rigs.push(rig);
  }
  return { rigs, skipped, unmatched: sweeps.unmatched };
}

interface RigGroup {
  ref: NuSampleData;
  cams: NuSampleData[];
  sample?: NuSample;
}

/**
 * The sweep (non-key-frame) camera frames of the samples, grouped around the anchor camera's (CAM_FRONT, else the
 * first channel): each other camera's frame nearest in time within half the anchor's frame period, each used once.
 */
function sweepRigs(db: NuScenesDb, samples: readonly NuSample[]): { groups: RigGroup[]; unmatched: number } {
  const inScene = new Set(samples.map((s) => s.token));
  const byChannel = new Map<string, NuSampleData[]>();
  for (const d of db.sample_data.values()) {
    if (d.is_key_frame || !inScene.has(d.sample_token) || !isCamera(db, d)) continue;
    pushTo(byChannel, sensorOf(db, d).channel, d);
  }
  for (const list of byChannel.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  const channels = [...byChannel.keys()].sort();
  const anchorChannel = byChannel.has('CAM_FRONT') ? 'CAM_FRONT' : channels[0];
  if (anchorChannel === undefined) return { groups: [], unmatched: 0 };
  const anchors = byChannel.get(anchorChannel)!;
  const gaps = anchors
    .slice(1)
    .map((d, i) => d.timestamp - anchors[i]!.timestamp)
    .sort((a, b) => a - b);
  const tolUs = (gaps[Math.floor(gaps.length / 2)] ?? 83_000) / 2;
  const used = new Set<string>();
  const groups = anchors.map((ref) => {
    const cams = [ref];
    for (const ch of channels) {
      if (ch === anchorChannel) continue;
      let best: NuSampleData | undefined;
      for (const d of byChannel.get(ch)!) {
        const dt = Math.abs(d.timestamp - ref.timestamp);
        if (dt <= tolUs && !used.has(d.token) && (!best || dt < Math.abs(best.timestamp - ref.timestamp)))
          best = d;
      }
      if (best) {
        used.add(best.token);
        cams.push(best);
      }
    }
    return { ref, cams };
  });
  const total = [...byChannel.values()].reduce((n, l) => n + l.length, 0);
  return { groups, unmatched: total - anchors.length - used.size };
}

function isCamera(db: NuScenesDb, d: NuSampleData): boolean {
  return sensorOf(db, d).modality === 'camera';
}

function usToNs(us: number): TimeNs {
  return BigInt(Math.round(us)) * 1000n;
}

function earliest(ds: readonly NuSampleData[]): NuSampleData {
  return ds.reduce((a, b) => (b.timestamp < a.timestamp ? b : a));
}

function sensorOf(db: NuScenesDb, d: NuSampleData) {
  const cs = db.calibrated_sensor.get(d.calibrated_sensor_token);
  const s = cs && db.sensor.get(cs.sensor_token);
  if (!s) throw missing('calibrated_sensor/sensor', d.calibrated_sensor_token, d.token);
  return s;
}

function egoPoseOf(db: NuScenesDb, d: NuSampleData) {
  const p = db.ego_pose.get(d.ego_pose_token);
  if (!p) throw missing('ego_pose', d.ego_pose_token, d.token);
  return p;
}

function missing(table: string, token: string, of: string): InputError {
  return new InputError({
    what: `${table} ${token}, named by sample_data ${of}, is not in the tables`,
    where: `${table.split('/')[0]}.json`,
    hint: 'the tables are from different versions or a download was cut short',
  });
}

function cameraOf(db: NuScenesDb, d: NuSampleData, egoRefFromGlobal: Pose): NuCamera {
  const cs = db.calibrated_sensor.get(d.calibrated_sensor_token)!;
  const cameraId = sensorOf(db, d).channel.toLowerCase();
  if (!(d.width > 0 && d.height > 0))
    throw new InputError({
      what: `camera image size ${d.width}×${d.height}`,
      where: `sample_data.json ${d.token}`,
      hint: 'a camera sample_data gives the image width and height',
    });
  const K = cs.camera_intrinsic.flat();
  if (K.length !== 9)
    throw new InputError({
      what: `camera_intrinsic of ${cameraId} is not 3×3`,
      where: `calibrated_sensor.json ${cs.token}`,
    });
  const globalFromCam = composePose(nuPose(egoPoseOf(db, d), 'ego_pose'), nuPose(cs, 'calibrated_sensor'));
  return {
    cameraId,
    filename: d.filename,
    captureNs: usToNs(d.timestamp),
    calibration: {
      frameId: cameraId,
      width: d.width,
      height: d.height,
      distortionModel: '', // nuScenes images are undistorted
      D: [],
      K,
      R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      P: [K[0]!, K[1]!, K[2]!, 0, K[3]!, K[4]!, K[5]!, 0, K[6]!, K[7]!, K[8]!, 0],
    },
    mount: transform(tfFrames.ego, cameraId, composePose(egoRefFromGlobal, globalFromCam)),
  };
}

function groundTruth(
  db: NuScenesDb,
  sample: NuSample,
  tNs: TimeNs,
  cameras: readonly NuCamera[],
  odomFromEgo: Pose,
  odomFromGlobal: Pose,
  ids: Map<string, string>,
  skipped: Map<string, number>,
): GroundTruthMessage {
  const egoFromOdom = invertPose(odomFromEgo);
  const egoHeading = headingOf(odomFromEgo.rotation);
  const actors: GtActor[] = [];
  for (const a of db.annotationsOf.get(sample.token) ?? []) {
    const instance = db.instance.get(a.instance_token);
    const category = db.category.get(instance?.category_token ?? '')?.name;
    const attributes = a.attribute_tokens.map((t) => db.attribute.get(t)?.name);
    if (
      !instance ||
      category === undefined ||
      attributes.includes(undefined) ||
      !(a.visibility_token in VISIBILITY)
    )
      throw new InputError({
        what: !instance
          ? `instance ${a.instance_token} is not in instance.json`
          : category === undefined
            ? `category ${instance.category_token} of instance ${instance.token} is not in category.json`
            : attributes.includes(undefined)
              ? 'an attribute token is not in attribute.json'
              : `visibility token '${a.visibility_token}' is not one of nuScenes' 1–4`,
        where: `sample_annotation.json ${a.token}`,
        hint: 'the tables are from different versions or a download was cut short',
      });
    const cls = viperClassOf(category, attributes as string[]);
    // As the devkit's evaluation (filter_eval_boxes): a box no lidar or radar point fell in is not scored.
    const unseen = a.num_lidar_pts !== undefined && a.num_lidar_pts + (a.num_radar_pts ?? 0) === 0;
    if (!cls || unseen) {
      const why = cls ? `${category} (no lidar or radar point)` : category;
      skipped.set(why, (skipped.get(why) ?? 0) + 1);
      continue;
    }
    const rotation = nuPose(a, 'sample_annotation').rotation;
    const [w, l, h] = a.size;
    const boxWorld = {
      center: applyPose(odomFromGlobal, a.translation),
      size: [l, w, h] as Vec3,
      yaw: headingOf(rotation),
    };
    const boxEgo = {
      center: applyPose(egoFromOdom, boxWorld.center),
      size: boxWorld.size,
      yaw: wrapAngle(boxWorld.yaw - egoHeading),
    };
    let id = ids.get(a.instance_token);
    if (id === undefined) {
      id = `${cls[0]!.toUpperCase()}${ids.size + 1}`;
      ids.set(a.instance_token, id);
    }
    const visibleFraction = VISIBILITY[a.visibility_token]!;
    const views: GtCameraView[] = [];
    for (const c of cameras) {
      const camFromOdom = invertPose(composePose(odomFromEgo, poseOf(c.mount)));
      // As nuScenes' 2D converter: the corners in front of the camera, projected and clipped to the image.
      const box = projectBox3D(c.calibration, camFromOdom, boxWorld, { behind: 'drop' });
      if (box && box.x2 > box.x1 && box.y2 > box.y1)
        views.push({ cameraId: c.cameraId, box, visibleFraction });
    }
    actors.push({ id, cls, boxWorld, boxEgo, velocity: velocityOf(db, a), cameras: views });
  }
  return { stampNs: tNs.toString(), actors };
}

function poseOf(t: Transform): Pose {
  return { translation: t.translation, rotation: t.rotation };
}

/**
 * As the nuScenes devkit's box_velocity: from the previous to the next annotation of the instance (m/s, world),
 * refused past its max_time_diff (1.5 s, doubled when both neighbours are used).
 */
function velocityOf(db: NuScenesDb, a: NuAnnotation): Vec3 {
  const first = (a.prev && db.sample_annotation.get(a.prev)) || a;
  const last = (a.next && db.sample_annotation.get(a.next)) || a;
  if (first === last) return [0, 0, 0];
  const t0 = db.sample.get(first.sample_token)?.timestamp;
  const t1 = db.sample.get(last.sample_token)?.timestamp;
  if (t0 === undefined || t1 === undefined) return [0, 0, 0];
  const dt = (t1 - t0) / 1e6;
  const maxDt = first !== a && last !== a ? 3 : 1.5;
  if (!(dt > 0) || dt > maxDt) return [0, 0, 0];
  return [0, 1, 2].map((k) => (last.translation[k]! - first.translation[k]!) / dt) as Vec3;
}
