/**
 * Transforms as real recordings carry them: tf2's static transforms on /tf_static, recorded once and possibly a
 * little after the first images (rosbag2 receives the latched message when it subscribes), and a /tf message
 * with a NaN in it. Replay must hand every frame the static mount, and never a NaN pose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Transform } from '../../src/contracts/geometry.ts';
import { toFoxgloveTime } from '../../src/contracts/time.ts';
import { FrameAssembler } from '../../src/graph/FrameAssembler.ts';
import { replay } from '../../src/graph/replay.ts';
import type { Stage } from '../../src/graph/stage.ts';
import { RecordingError } from '../../src/contracts/errors.ts';
import {
  foxgloveCalibrationToCalibration,
  RecordingWriter,
  ros2CameraInfoToCalibration,
} from '../../src/io/index.ts';
import { cdr, ROS2_DEFINITIONS } from '../io/rosFixtures.ts';
import { testJpeg } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-oddtf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000_000_000n;
const STEP = 100_000_000n;
const sec = (t: bigint) => ({ sec: Number(t / 1_000_000_000n), nanosec: Number(t % 1_000_000_000n) });
const tfMsg = (t: bigint, parent: string, child: string, x: number) => ({
  header: { stamp: sec(t), frame_id: parent },
  child_frame_id: child,
  transform: { translation: { x, y: 0, z: 1.5 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
});

/** Per frame, the transforms the stages were given (sorted as `parent>child:x`). */
function spy(): { stage: Stage; seen: string[][] } {
  const seen: string[][] = [];
  const stage: Stage = {
    name: 'spy',
    async process(batch) {
      for (const r of batch)
        for (const f of r.rig.frames)
          seen.push(f.transforms.map((t) => `${t.parent}>${t.child}:${t.translation[0]}`).sort());
      return batch;
    },
  };
  return { stage, seen };
}

describe('replay: odd transforms', () => {
  it('a ROS 2 /tf_static logged after the first images holds for them too; a NaN /tf pose is left out', async () => {
    const input = join(dir, 'static.mcap');
    const w = await RecordingWriter.create(input);
    const type = 'tf2_msgs/msg/TFMessage';
    const ros = { kind: 'raw' as const, name: type, encoding: 'ros2msg', messageEncoding: 'cdr' };
    const data = new TextEncoder().encode(ROS2_DEFINITIONS[type]!);
    const tf = await w.addChannel('/tf', { ...ros, data });
    const tfStatic = await w.addChannel('/tf_static', { ...ros, data });
    const img = await w.addChannel('/cam/image', { kind: 'foxglove', name: 'foxglove.CompressedImage' });
    for (let i = 0; i < 6; i++) {
      const t = T0 + BigInt(i) * STEP;
      const x = i === 3 ? Number.NaN : i;
      await w.write(tf, t, cdr(type, { transforms: [tfMsg(t, 'odom', 'base_link', x)] }));
      // The static mount arrives 150 ms after the first image (within the default 300 ms camera lag).
      if (i === 1) {
        await w.write(tfStatic, t + STEP / 2n, cdr(type, { transforms: [tfMsg(T0, 'base_link', 'cam', 2)] }));
      }
      await w.writeObject(img, t, {
        timestamp: toFoxgloveTime(t),
        frame_id: 'cam',
        format: 'jpeg',
        data: await testJpeg(i, 64, 48),
      });
    }
    await w.close();
    const { stage, seen } = spy();
    const s = await replay({ input, output: join(dir, 'static.out.mcap'), stages: [stage] });
    expect(s.badMessages).toEqual([]);
    expect(s.issueKinds).toEqual({ 'unusable-transform': 1 }); // left out, and said so in the summary
    expect(seen).toEqual([0, 1, 2, 2, 4, 5].map((x) => [`base_link>cam:2`, `odom>base_link:${x}`]));
  });
});

describe('FrameAssembler: odd transforms', () => {
  const tf = (parent: string, child: string, x: number): Transform => ({
    parent,
    child,
    translation: [x, 0, 0],
    rotation: [0, 0, 0, 1],
  });
  const at = (a: FrameAssembler, t: bigint) =>
    a.transformsAt(t).map((e) => `${e.parent}>${e.child}:${e.translation[0]}`);

  it('keeps an edge’s last usable value past a NaN, infinite, self or unnamed transform', () => {
    const a = new FrameAssembler('feed');
    a.push({ kind: 'transforms', tNs: 1n, transforms: [tf('odom', 'base_link', 1)] });
    a.push({
      kind: 'transforms',
      tNs: 2n,
      transforms: [
        tf('odom', 'base_link', Number.NaN),
        { ...tf('odom', 'base_link', 7), rotation: [0, 0, Number.POSITIVE_INFINITY, 1] },
        tf('base_link', 'base_link', 3),
        tf('', 'base_link', 4),
        tf('odom', '', 5),
      ],
    });
    expect(at(a, 2n)).toEqual(['odom>base_link:1']);
  });

  it('a transform holds from its own stamp, however late it was received (unless the clocks cannot match)', () => {
    const S = 1_000_000_000n; // 1 s in ns
    const a = new FrameAssembler('feed');
    // Received in log-time order; each stamped 50 ms before its log time (as a /tf is, received late).
    for (const k of [1n, 2n, 3n]) {
      a.push({
        kind: 'transforms',
        tNs: k * S + S / 20n,
        transforms: [tf('odom', 'base_link', Number(k))],
        stampsNs: [k * S],
      });
    }
    expect(at(a, 2n * S)).toEqual(['odom>base_link:2']); // by log time it would be 1
    // A stamp from another clock (a minute off its log time) counts from its log time instead.
    a.push({
      kind: 'transforms',
      tNs: 4n * S,
      transforms: [tf('odom', 'base_link', 4)],
      stampsNs: [64n * S],
    });
    expect(at(a, 4n * S)).toEqual(['odom>base_link:4']);
    // No stamp: its log time.
    a.push({ kind: 'transforms', tNs: 5n * S, transforms: [tf('odom', 'base_link', 5)] });
    expect(at(a, 5n * S)).toEqual(['odom>base_link:5']);
  });

  it('a static transform holds at stamps before it arrived', () => {
    const a = new FrameAssembler('feed');
    a.push({ kind: 'transforms', tNs: 1n, transforms: [tf('odom', 'base_link', 1)] });
    a.push({ kind: 'transforms', tNs: 5n, transforms: [tf('base_link', 'cam', 2)], static: true });
    expect(at(a, 1n)).toEqual(['base_link>cam:2', 'odom>base_link:1']);
    expect(at(a, 0n)).toEqual(['base_link>cam:2']);
  });
});

describe('calibration sizes from JSON-encoded or odd messages', () => {
  const base = {
    frame_id: 'cam',
    distortion_model: 'plumb_bob',
    D: [0, 0, 0, 0, 0],
    K: [500, 0, 320, 0, 500, 180, 0, 0, 1],
    R: [],
    P: [],
  };
  for (const [width, height] of [
    ['640px', 360],
    [640.5, 360],
    [640, Number.POSITIVE_INFINITY],
    [640, Number.NaN],
  ] as [unknown, unknown][]) {
    it(`refuses ${String(width)}×${String(height)} as a bad message, naming the camera`, () => {
      const msg = { ...base, width, height };
      expect(() => foxgloveCalibrationToCalibration(msg, '/cam/calibration')).toThrow(RecordingError);
      expect(() => ros2CameraInfoToCalibration({ ...msg, header: { frame_id: 'cam' } })).toThrow(
        /invalid camera calibration for 'cam': size/,
      );
    });
  }
});
