/**
 * A nuScenes dataroot in the devkit's table format, generated from the real sample in ../shared (its six images,
 * calibrations, ego pose and 69 annotated boxes): `samples` key frames `periodUs` apart, one scene. The images
 * are linked, not copied. Optionally each camera fires `camOffsetUs` after the previous one (as nuScenes' do,
 * about 45 ms over the ring) and the ego drives forward at `egoSpeed` m/s, to check the capture-time poses, and
 * `sweeps` unannotated camera frames lie between consecutive samples (the same images, under sweeps/).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  composePose,
  type Pose,
  poseFromMatrix4,
  quatFromYaw,
  quatRotate,
} from '../../src/geometry/index.ts';
import { NUSCENES_DIR, readNuScenesSample } from './nuscenes.ts';

export const NU_VERSION = 'v1.0-mini';
export const NU_SCENE = 'scene-viper';

/** The sample's classes as nuScenes categories. */
const CATEGORY: Record<string, string> = {
  car: 'vehicle.car',
  truck: 'vehicle.truck',
  bus: 'vehicle.bus.rigid',
  pedestrian: 'human.pedestrian.adult',
  bicycle: 'vehicle.bicycle',
  barrier: 'movable_object.barrier',
  traffic_cone: 'movable_object.trafficcone',
  construction_vehicle: 'vehicle.construction',
  other: 'static_object.bicycle_rack',
};

function wxyz(p: Pose): number[] {
  const [x, y, z, w] = p.rotation;
  return [w, x, y, z];
}

interface NuFixture {
  dataroot: string;
  /** Sample timestamps, µs. */
  samplesUs: number[];
  /** Ego pose (global ← ego) at a time in µs. */
  egoAt: (us: number) => Pose;
  /** Camera channel → capture offset after its sample, µs. */
  offsetUs: Map<string, number>;
}

export function writeNuScenesDataroot(
  dir: string,
  o: { samples?: number; periodUs?: number; camOffsetUs?: number; egoSpeed?: number; sweeps?: number } = {},
): NuFixture {
  const d = readNuScenesSample();
  const n = o.samples ?? 3;
  const period = o.periodUs ?? 500_000;
  const t0 = d.timestampUs;
  const ego0 = poseFromMatrix4(d.ego2global);
  const speed = o.egoSpeed ?? 0;
  const egoAt = (us: number): Pose => {
    const s = (speed * (us - t0)) / 1e6;
    const fwd = quatRotate(ego0.rotation, [s, 0, 0]);
    return {
      translation: [ego0.translation[0] + fwd[0], ego0.translation[1] + fwd[1], ego0.translation[2] + fwd[2]],
      rotation: ego0.rotation,
    };
  };
  const lidar2ego = poseFromMatrix4(d.lidar2ego);
  const channels = Object.keys(d.cameras).sort();
  const offsetUs = new Map(channels.map((c, i) => [c, (o.camOffsetUs ?? 0) * i]));

  const sensor = [...channels, 'LIDAR_TOP'].map((c) => ({
    token: `sensor-${c}`,
    channel: c,
    modality: c === 'LIDAR_TOP' ? 'lidar' : 'camera',
  }));
  const calibrated_sensor = [
    ...channels.map((c) => {
      const p = poseFromMatrix4(d.cameras[c]!.cam2ego);
      return {
        token: `cs-${c}`,
        sensor_token: `sensor-${c}`,
        translation: p.translation,
        rotation: wxyz(p),
        camera_intrinsic: d.cameras[c]!.K,
      };
    }),
    {
      token: 'cs-LIDAR_TOP',
      sensor_token: 'sensor-LIDAR_TOP',
      translation: lidar2ego.translation,
      rotation: wxyz(lidar2ego),
      camera_intrinsic: [],
    },
  ];
  const sample: object[] = [];
  const sample_data: object[] = [];
  const ego_pose: object[] = [];
  const sample_annotation: object[] = [];
  const samplesUs: number[] = [];
  for (let i = 0; i < n; i++) {
    const ts = t0 + i * period;
    samplesUs.push(ts);
    sample.push({
      token: `s${i}`,
      timestamp: ts,
      scene_token: 'scene0',
      prev: i > 0 ? `s${i - 1}` : '',
      next: i < n - 1 ? `s${i + 1}` : '',
    });
    const frames = i < n - 1 ? (o.sweeps ?? 0) : 0;
    for (let j = 0; j <= frames; j++) {
      for (const c of j === 0 ? [...channels, 'LIDAR_TOP'] : channels) {
        const tsC = ts + Math.round((j * period) / (frames + 1)) + (offsetUs.get(c) ?? 0);
        const p = egoAt(tsC);
        const token = `${c}-${i}-${j}`;
        ego_pose.push({
          token: `ep-${token}`,
          timestamp: tsC,
          translation: p.translation,
          rotation: wxyz(p),
        });
        const cam = d.cameras[c];
        const folder = j === 0 ? 'samples' : 'sweeps';
        sample_data.push({
          token: `sd-${token}`,
          sample_token: `s${i}`,
          ego_pose_token: `ep-${token}`,
          calibrated_sensor_token: `cs-${c}`,
          timestamp: tsC,
          fileformat: cam ? 'jpg' : 'pcd',
          is_key_frame: j === 0,
          height: cam?.height ?? 0,
          width: cam?.width ?? 0,
          filename: cam ? `${folder}/${c}/${cam.image}` : `samples/LIDAR_TOP/${i}.pcd.bin`,
          prev: '',
          next: '',
        });
      }
    }
    // The annotations at the sample's (lidar's) ego pose: global = ego2global · lidar2ego · box.
    const globalFromLidar = composePose(egoAt(ts), lidar2ego);
    d.objects.forEach((box, k) => {
      const pose = composePose(globalFromLidar, {
        translation: box.centerLidar,
        rotation: quatFromYaw(box.yawLidar),
      });
      sample_annotation.push({
        token: `a${k}-${i}`,
        sample_token: `s${i}`,
        instance_token: `inst${k}`,
        visibility_token: '4',
        attribute_tokens: [],
        translation: pose.translation,
        size: [box.size.w, box.size.l, box.size.h],
        rotation: wxyz(pose),
        num_lidar_pts: 1,
        num_radar_pts: 0,
        prev: i > 0 ? `a${k}-${i - 1}` : '',
        next: i < n - 1 ? `a${k}-${i + 1}` : '',
      });
    });
  }
  const categories = [...new Set(Object.values(CATEGORY))];
  const tables: Record<string, object[]> = {
    scene: [
      {
        token: 'scene0',
        name: NU_SCENE,
        description: '',
        log_token: 'log0',
        nbr_samples: n,
        first_sample_token: 's0',
        last_sample_token: `s${n - 1}`,
      },
    ],
    sample,
    sample_data,
    calibrated_sensor,
    sensor,
    ego_pose,
    sample_annotation,
    instance: d.objects.map((obj, k) => ({
      token: `inst${k}`,
      category_token: `cat-${CATEGORY[obj.class] ?? CATEGORY.other}`,
      nbr_annotations: n,
    })),
    category: categories.map((c) => ({ token: `cat-${c}`, name: c, description: '' })),
    attribute: [
      { token: 'attr-with', name: 'cycle.with_rider', description: '' },
      { token: 'attr-without', name: 'cycle.without_rider', description: '' },
    ],
  };
  const root = join(dir, 'nuscenes');
  mkdirSync(join(root, NU_VERSION), { recursive: true });
  for (const [name, rows] of Object.entries(tables))
    writeFileSync(join(root, NU_VERSION, `${name}.json`), JSON.stringify(rows));
  for (const folder of o.sweeps ? ['samples', 'sweeps'] : ['samples']) {
    for (const c of channels) {
      mkdirSync(join(root, folder, c), { recursive: true });
      symlinkSync(join(NUSCENES_DIR, d.cameras[c]!.image), join(root, folder, c, d.cameras[c]!.image));
    }
  }
  return { dataroot: root, samplesUs, egoAt, offsetUs };
}
