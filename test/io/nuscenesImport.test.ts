/**
 * `viper import <nuScenes dataroot>`: the devkit's tables, generated from the real sample in ../shared, become a
 * six-camera recording whose ground truth, calibrations and poses agree with the sample's own figures. The first
 * import and the replay with YOLOX-Nano (ONNX Runtime) run the real `bin/viper.js`; the rest the CLI's entry point
 * in-process (`viperInProcess`).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Transform } from '../../src/contracts/geometry.ts';
import type { GroundTruthMessage } from '../../src/contracts/perception.ts';
import {
  applyPose,
  composePose,
  invertPose,
  iou,
  type Pose,
  poseFromMatrix4,
} from '../../src/geometry/index.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { nuScenesRigs, viperClassOf } from '../../src/io/nuscenes/rigs.ts';
import { loadNuScenes, pickScene } from '../../src/io/nuscenes/tables.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
import { annotatedBoxesInEgo, readNuScenesSample } from '../testing/nuscenes.ts';
import { NU_SCENE, NU_VERSION, writeNuScenesDataroot } from '../testing/nuscenesTables.ts';
import { describeShared } from '../shared.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('nuscenes-import');

async function groundTruth(path: string): Promise<GroundTruthMessage[]> {
  const r = await RecordingReader.open(path);
  const out: GroundTruthMessage[] = [];
  for await (const m of r.messages({ topics: ['/ground_truth/objects'] }))
    out.push(r.decoder(m.channel.id)(m.data) as unknown as GroundTruthMessage);
  await r.close();
  return out;
}

const poseOf = (t: Transform): Pose => ({ translation: t.translation, rotation: t.rotation });

describe('nuScenes categories', () => {
  it('map to Viper classes as nuScenes groups them; a bicycle is a cyclist only with its rider', () => {
    expect(viperClassOf('vehicle.bus.bendy', [])).toBe('bus');
    expect(viperClassOf('human.pedestrian.child', [])).toBe('pedestrian');
    expect(viperClassOf('human.pedestrian.stroller', [])).toBeNull();
    expect(viperClassOf('vehicle.bicycle', ['cycle.with_rider'])).toBe('cyclist');
    expect(viperClassOf('vehicle.bicycle', ['cycle.without_rider'])).toBeNull();
    expect(viperClassOf('vehicle.trailer', [])).toBeNull();
  });
});

describeShared('viper import <nuScenes dataroot>', () => {
  let root: string;
  const rec = join(dir, 'scene.mcap');
  beforeAll(() => {
    // Cameras firing 9 ms apart in turn, as nuScenes' do (~45 ms over the ring).
    root = writeNuScenesDataroot(join(dir, 'static'), { sweeps: 2, camOffsetUs: 9000 }).dataroot;
  });

  it('writes the frames: six cameras, calibrations, poses, ground truth at the key frames in the sample ego frame', async () => {
    const r = viper(['import', root, '-o', rec, '--json', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    // Three annotated samples with two sweeps between each: 7 rig frames, ground truth at 3.
    expect(s).toMatchObject({
      version: NU_VERSION,
      scene: NU_SCENE,
      frames: 7,
      keyFrames: 3,
      durationS: 1,
      objects: 41,
      unmatchedFrames: 0,
    });
    expect(s.cameras).toEqual([
      'cam_back',
      'cam_back_left',
      'cam_back_right',
      'cam_front',
      'cam_front_left',
      'cam_front_right',
    ]);
    // 30 pedestrians, 8 cars, 2 trucks, 1 bus; barriers, cones, the bicycle (no rider said) and the rest left out.
    expect(s.skipped).toEqual({
      'movable_object.barrier': 66,
      'movable_object.trafficcone': 9,
      'static_object.bicycle_rack': 3,
      'vehicle.bicycle': 3,
      'vehicle.construction': 3,
    });
    const inspect = JSON.parse((await viperInProcess(['inspect', rec, '--json'])).stdout);
    expect(inspect.cameras.map((c: { calibration: { width: number } }) => c.calibration.width)).toEqual(
      Array(6).fill(1600),
    );

    const gt = await groundTruth(rec);
    expect(gt).toHaveLength(3);
    expect(gt.every((m) => m.keyFramesOnly === true)).toBe(true);
    const annotated = annotatedBoxesInEgo().filter((b) =>
      ['car', 'truck', 'bus', 'pedestrian'].includes(b.cls),
    );
    const actors = gt[0]!.actors;
    expect(actors).toHaveLength(annotated.length);
    for (const [k, b] of annotated.entries()) {
      const a = actors[k]!;
      expect(a.cls).toBe(b.cls);
      for (let j = 0; j < 3; j++) expect(a.boxEgo.center[j]).toBeCloseTo(b.center[j]!, 6);
    }
  });

  it("2D ground truth lands on the sample's own 2D boxes (nuScenes' converter)", async () => {
    const gt = (await groundTruth(rec))[0]!;
    const d = readNuScenesSample();
    const ious: number[] = [];
    const vehicleIous: number[] = [];
    for (const [cam, boxes] of Object.entries(d.cameraBoxes)) {
      for (const b of boxes) {
        if (!['car', 'truck', 'bus', 'pedestrian'].includes(b.class)) continue;
        const [x1, y1, x2, y2] = b.box as [number, number, number, number];
        const best = Math.max(
          0,
          ...gt.actors.flatMap((a) =>
            a.cameras
              .filter((v) => v.cameraId === cam.toLowerCase())
              .map((v) => iou(v.box, { x1, y1, x2, y2 })),
          ),
        );
        ious.push(best);
        if (b.class !== 'pedestrian') vehicleIous.push(best);
      }
    }
    const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
    expect(ious).toHaveLength(51);
    // The sample's boxes were made with each camera's own ego pose, these with the lidar's (its README: 2-5 px
    // apart), which moves a pedestrian 30-40 px wide to IoU 0.7-0.8; the cars, trucks and bus 0.79-0.98.
    expect(quantile(ious, 0.5)).toBeGreaterThan(0.8);
    expect(quantile(ious, 0.1)).toBeGreaterThan(0.65);
    expect(quantile(vehicleIous, 0.1)).toBeGreaterThan(0.85);
    expect(Math.min(...ious)).toBeGreaterThan(0.5);
  });

  it('replays with YOLOX-Nano and is scored against its ground truth by viper eval, at the key frames', async () => {
    const res = join(dir, 'scene.results.mcap');
    const r = viper(['replay', rec, '-o', res, '--model', 'models/cards/yolox_nano.json', '--no-progress'], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const e = await viperInProcess(['eval', res, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.notes).toContain(
      "ground truth at annotated key frames only: scored at its 3 stamps, the results' 4 other stamps not scored",
    );
    // Scored against the imported annotations: 41 objects in the world, 51 camera × object tracks.
    expect(report.run).toMatchObject({ rigFrames: 7, cameraFrames: 42, cameraFramesMissing: 0 });
    expect(report.tracking.overall.Count).toMatchObject({ GT_Dets: 153, GT_IDs: 51 });
    expect(report.bev.metrics.Count).toMatchObject({ GT_Dets: 123, GT_IDs: 41 });
    const numGt = Object.fromEntries(
      Object.entries(report.detection.perClass as Record<string, { numGt: number }>).map(([k, v]) => [
        k,
        v.numGt,
      ]),
    );
    expect(numGt).toEqual({ bus: 3, car: 33, pedestrian: 108, truck: 9 });
    // Only the track boxes at the key frames were scored: those in between are neither hits nor false positives.
    const keyStamps = new Set((await groundTruth(rec)).map((m) => BigInt(m.stampNs)));
    const boxes = { key: 0, all: 0 };
    const reader = await RecordingReader.open(res);
    for await (const m of reader.messages()) {
      if (!/^\/perception\/.+\/annotations$/.test(m.channel.topic)) continue;
      const n = (reader.decoder(m.channel.id)(m.data) as { texts: unknown[] }).texts.length;
      boxes.all += n;
      if (keyStamps.has(m.logTimeNs)) boxes.key += n;
    }
    await reader.close();
    expect(boxes.key).toBeGreaterThan(0);
    expect(boxes.all).toBeGreaterThan(boxes.key);
    expect(report.tracking.overall.Count.Dets).toBe(boxes.key);
    // Exported as text: the tracks at the key frames, scored against the exported ground truth, give the same
    // figures for a camera as the MCAP (the tracks between key frames would be false positives there).
    const mot = join(dir, 'mot');
    const ex = await viperInProcess(['export', res, '-o', mot, '--json']);
    expect(ex.code, ex.stderr).toBe(0);
    const front = (
      JSON.parse(ex.stdout) as { camera: string; groundTruth: { file: string; keyFrameTracks: string } }[]
    ).find((c) => c.camera === 'cam_front')!;
    expect(front.groundTruth.keyFrameTracks).toBe(join(mot, 'cam_front.keyframes.txt'));
    const text = JSON.parse(
      (
        await viperInProcess([
          'eval',
          front.groundTruth.keyFrameTracks,
          '--gt',
          front.groundTruth.file,
          '--min-height',
          '8',
          '--json',
        ])
      ).stdout,
    ).tracking.overall;
    const perCamera = report.tracking.perCamera.cam_front;
    for (const k of ['CLR_TP', 'CLR_FP', 'CLR_FN', 'IDSW'] as const)
      expect(text.CLEAR[k], k).toBe(perCamera.CLEAR[k]);
  });

  it('--keyframes-only: the annotated samples alone, every frame scored', async () => {
    const keyOnly = join(dir, 'keyframes.mcap');
    const r = await viperInProcess(['import', root, '-o', keyOnly, '--keyframes-only', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 3, keyFrames: 3 });
    const gt = await groundTruth(keyOnly);
    expect(gt.map((m) => m.keyFramesOnly)).toEqual([undefined, undefined, undefined]);
  });

  it('the camera poses are those at capture, seen from the ego at the sample time', () => {
    const fx = writeNuScenesDataroot(join(dir, 'moving'), { camOffsetUs: 9000, egoSpeed: 10, sweeps: 5 });
    const db = loadNuScenes(fx.dataroot, NU_VERSION);
    const { rigs } = nuScenesRigs(db, pickScene(db, undefined), { sweeps: true });
    const d = readNuScenesSample();
    expect(rigs).toHaveLength(13);
    const rig = rigs[6]!;
    expect(rig.tNs).toBe(BigInt(fx.samplesUs[1]!) * 1000n);
    for (const c of rig.cameras) {
      const channel = c.cameraId.toUpperCase();
      const captureUs = fx.samplesUs[1]! + fx.offsetUs.get(channel)!;
      expect(c.captureNs).toBe(BigInt(captureUs) * 1000n);
      // A point 20 m ahead of the camera, in global coordinates two ways: through the rig's transforms, and
      // through the ego pose at capture and the mount.
      const p = [0, 0, 20] as [number, number, number];
      const globalFromCam = composePose(fx.egoAt(captureUs), poseFromMatrix4(d.cameras[channel]!.cam2ego));
      const odomFromEgo = poseOf(rig.ego);
      const odomFromGlobal = composePose(odomFromEgo, invertPose(fx.egoAt(fx.samplesUs[1]!)));
      const viaRig = applyPose(composePose(odomFromEgo, poseOf(c.mount)), p);
      const direct = applyPose(composePose(odomFromGlobal, globalFromCam), p);
      for (let j = 0; j < 3; j++) expect(viaRig[j]).toBeCloseTo(direct[j]!, 6);
    }
    // The ego moved 10 m/s × 0.5 s between key frames; odom starts at the first.
    expect(Math.hypot(...rigs[6]!.ego.translation)).toBeCloseTo(5, 6);
    // A sweep rig: stamped with CAM_FRONT's capture, the others joined by time (9 ms apart in turn).
    const sweep = rigs[7]!;
    expect(sweep.gt).toBeUndefined();
    expect(sweep.cameras).toHaveLength(6);
    const front = fx.samplesUs[1]! + 500_000 / 6 + fx.offsetUs.get('CAM_FRONT')!;
    expect(sweep.tNs).toBe(BigInt(Math.round(front)) * 1000n);
    expect(Math.hypot(...rigs[0]!.ego.translation)).toBeCloseTo(0, 9);
  });

  it('tables that contradict themselves or the images: one line naming the table and record, nothing written', async () => {
    const cases: [string, (t: Record<string, Record<string, unknown>[]>) => void, RegExp][] = [
      [
        'dangling-instance',
        (t) => {
          t.sample_annotation![0]!.instance_token = 'nope';
        },
        /instance nope is not in instance\.json \(sample_annotation\.json a0-0\)/,
      ],
      [
        'zero-rotation',
        (t) => {
          t.calibrated_sensor![0]!.rotation = [0, 0, 0, 0];
        },
        /rotation \[0, 0, 0, 0\] is not a unit quaternion \(calibrated_sensor\.json cs-CAM_BACK\)/,
      ],
      [
        'visibility',
        (t) => {
          t.sample_annotation![0]!.visibility_token = '9';
        },
        /visibility token '9' is not one of nuScenes' 1–4/,
      ],
      [
        'image-size',
        (t) => {
          for (const d of t.sample_data!) if (d.width === 1600) Object.assign(d, { width: 800, height: 450 });
        },
        /image is 1600×900, sample_data\.json says 800×450/,
      ],
    ];
    for (const [name, spoil, message] of cases) {
      const root = writeNuScenesDataroot(join(dir, `spoilt-${name}`)).dataroot;
      const tables = Object.fromEntries(
        ['sample_annotation', 'calibrated_sensor', 'sample_data'].map((t) => [
          t,
          JSON.parse(readFileSync(join(root, NU_VERSION, `${t}.json`), 'utf8')),
        ]),
      );
      spoil(tables);
      for (const [t, rows] of Object.entries(tables))
        writeFileSync(join(root, NU_VERSION, `${t}.json`), JSON.stringify(rows));
      const out = join(dir, `spoilt-${name}.mcap`);
      const r = await viperInProcess(['import', root, '-o', out]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr, name).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const out = join(dir, 'bad.mcap');
    const cases: [string[], RegExp, () => void][] = [
      [['--scene', 'scene-0061'], /no scene 'scene-0061' in v1\.0-mini .*scenes: scene-viper/, () => {}],
      [['--rate', '5'], /--rate is for a folder of frames or a video/, () => {}],
      [
        [],
        /image named in sample_data\.json is missing .*sweeps\/CAM_BACK\/CAM_BACK\.jpg\) — .*--keyframes-only/,
        () => rmSync(join(root, 'sweeps', 'CAM_BACK', 'CAM_BACK.jpg')),
      ],
      [
        ['--keyframes-only'],
        /image named in sample_data\.json is missing .*samples\/CAM_BACK\/CAM_BACK\.jpg/,
        () => rmSync(join(root, 'samples', 'CAM_BACK', 'CAM_BACK.jpg')),
      ],
      [[], /nuScenes table missing .*ego_pose\.json/, () => rmSync(join(root, NU_VERSION, 'ego_pose.json'))],
    ];
    for (const [args, message, breakIt] of cases) {
      breakIt();
      const r = await viperInProcess(['import', root, '-o', out, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    writeFileSync(join(root, NU_VERSION, 'ego_pose.json'), '[{"token": 1}]');
    const r = await viperInProcess(['import', root, '-o', out]);
    expect(r.stderr).toMatch(/ego_pose record 0: token: .*\(.*ego_pose\.json\)/);
    expect(readFileSync(join(root, NU_VERSION, 'scene.json'), 'utf8')).toContain(NU_SCENE);
  });
});
