/**
 * A ROS bag's frame ids with leading slashes (ROS 1 style, `/odom`, `/cam_front`) through replay: Viper reads them
 * as tf2 does (`odom`), but Foxglove strips the slash only in a ROS-profile file, and the results file, which holds
 * JSON channels, is not one. Its copies of the bag's messages keep their spellings, so Viper's own messages must
 * name frames as the bag does (the scene's world frame `/odom`, not `odom`), and where the bag spells one frame two
 * ways (images on `/cam_front`, /tf_static reaching `cam_front`) an identity transform joins them: every image,
 * calibration and scene entity of the results is then placed by one tree, as in the bag.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFuseStage } from '../../src/fuse/index.ts';
import { FrameSpellings } from '../../src/graph/frameSpellings.ts';
import { replay } from '../../src/graph/replay.ts';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';
import type { Decoded } from '../../src/io/types.ts';
import { cameraInfoCdr, cdr, header, rosChannel } from '../io/rosFixtures.ts';
import { testJpeg } from '../testing/recordings.ts';
import { oneTrackStage } from '../testing/stages.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-ros-spellings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const S0 = 1_700_000_000;
const W = 64;
const H = 48;
const ns = (nsec: number) => BigInt(S0) * 1_000_000_000n + BigInt(nsec);

interface Frames {
  world: string;
  ego: string;
  /** The camera as /tf_static names it, and as its images and calibration do. */
  camTf: string;
  camHeader: string;
}

/** A ROS 2 bag of one camera on a moving ego: /tf_static ego → camera, /tf world → ego, 5 frames at 10 Hz. */
async function rosBag(path: string, f: Frames): Promise<void> {
  const w = await RecordingWriter.create(path, { profile: 'ros2' });
  try {
    const ch = (topic: string, type: string) => rosChannel(w, topic, type);
    const img = await ch('/cam_front/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
    const info = await ch('/cam_front/camera_info', 'sensor_msgs/msg/CameraInfo');
    const tfStatic = await ch('/tf_static', 'tf2_msgs/msg/TFMessage');
    const tf = await ch('/tf', 'tf2_msgs/msg/TFMessage');
    const edge = (parent: string, child: string, nsec: number, t: number[], q: number[]) => ({
      header: header(S0, nsec, parent),
      child_frame_id: child,
      transform: {
        translation: { x: t[0], y: t[1], z: t[2] },
        rotation: { x: q[0], y: q[1], z: q[2], w: q[3] },
      },
    });
    const tfMsg = (...transforms: unknown[]) => cdr('tf2_msgs/msg/TFMessage', { transforms });
    // A camera 1.5 m up looking forward (optical z along the ego's x).
    await w.write(tfStatic, ns(0), tfMsg(edge(f.ego, f.camTf, 0, [1.5, 0, 1.5], [-0.5, 0.5, -0.5, 0.5])));
    const data = await testJpeg(0, W, H);
    for (let i = 0; i < 5; i++) {
      const nsec = i * 100_000_000;
      await w.write(tf, ns(nsec), tfMsg(edge(f.world, f.ego, nsec, [i, 0, 0], [0, 0, 0, 1])));
      await w.write(
        img,
        ns(nsec),
        cdr('sensor_msgs/msg/CompressedImage', {
          header: header(S0, nsec, f.camHeader),
          format: 'jpeg',
          data,
        }),
      );
      await w.write(info, ns(nsec), cameraInfoCdr(header(S0, nsec, f.camHeader), W, H));
    }
  } finally {
    await w.close();
  }
}

/** One confirmed track per camera frame, on the ground ahead (lower half of the image). */
const trackStage = oneTrackStage({ x1: 20, y1: 30, x2: 40, y2: 46 });

/**
 * The results as Foxglove reads a file that is not ROS-profile: frame ids as written, no slash stripped. The
 * parent of each frame from every transform message (the bag's, copied, and Viper's), and the frame ids that
 * images, calibrations and scene entities name.
 */
async function asFoxgloveSees(path: string) {
  const parent = new Map<string, string>();
  const named = { images: new Set<string>(), scene: new Set<string>() };
  const aliases: { logTimeNs: bigint; edges: [string, string][] }[] = [];
  const reader = await RecordingReader.open(path);
  try {
    for await (const m of reader.messages()) {
      const d = reader.decode(m) as Decoded;
      const schema = m.channel.schemaName;
      if (schema === 'tf2_msgs/msg/TFMessage')
        for (const t of d.transforms as Decoded[])
          parent.set(String(t.child_frame_id), String((t.header as Decoded).frame_id));
      if (schema === 'foxglove.FrameTransforms') {
        const edges = (d.transforms as Decoded[]).map(
          (t) => [String(t.parent_frame_id), String(t.child_frame_id)] as [string, string],
        );
        for (const [p, c] of edges) parent.set(c, p);
        aliases.push({ logTimeNs: m.logTimeNs, edges });
      }
      if (schema.startsWith('sensor_msgs/')) named.images.add(String((d.header as Decoded).frame_id));
      if (schema === 'foxglove.SceneUpdate')
        for (const e of d.entities as Decoded[]) named.scene.add(String(e.frame_id));
    }
  } finally {
    await reader.close();
  }
  const root = (frame: string) => {
    let f = frame;
    for (let n = 0; parent.has(f) && n < 100; n++) f = parent.get(f)!;
    return f;
  };
  return { named, root, aliases };
}

describe('frame ids of a ROS bag in the results', () => {
  it('a bag that spells every frame with a slash: the scene names /odom, as the copied /tf does', async () => {
    const input = join(dir, 'ros1style.mcap');
    await rosBag(input, { world: '/odom', ego: '/base_link', camTf: '/cam_front', camHeader: '/cam_front' });
    const output = join(dir, 'ros1style.out.mcap');
    const s = await replay({ input, output, stages: [trackStage, createFuseStage()] });
    expect(s.perception?.worldObjects).toBeGreaterThan(0);
    const { named, root, aliases } = await asFoxgloveSees(output);
    expect([...named.scene]).toEqual(['/odom']);
    expect([...named.images]).toEqual(['/cam_front']);
    expect(root('/cam_front')).toBe('/odom');
    expect(aliases).toEqual([]); // one spelling each: nothing to join
  });

  it('a bag that spells the camera two ways: joined once, before the first message that needs it', async () => {
    const input = join(dir, 'mixed.mcap');
    await rosBag(input, { world: 'odom', ego: 'base_link', camTf: 'cam_front', camHeader: '/cam_front' });
    const output = join(dir, 'mixed.out.mcap');
    const s = await replay({ input, output, stages: [trackStage, createFuseStage()] });
    expect(s.perception?.worldObjects).toBeGreaterThan(0);
    const { named, root, aliases } = await asFoxgloveSees(output);
    expect([...named.scene]).toEqual(['odom']);
    expect(root('/cam_front')).toBe('odom');
    expect(aliases).toEqual([{ logTimeNs: ns(0), edges: [['cam_front', '/cam_front']] }]);
    // Written in input order, so the file is the same whatever the queue and batch sizes.
    const other = join(dir, 'mixed.small-queue.mcap');
    await replay({
      input,
      output: other,
      stages: [trackStage, createFuseStage()],
      queueSize: 1,
      maxBatch: 1,
    });
    expect(readFileSync(other).equals(readFileSync(output))).toBe(true);
  });
});

describe('FrameSpellings', () => {
  it('joins a spelling with no parent under the one the tree gives a parent, once, never in a cycle', () => {
    const f = new FrameSpellings();
    expect(f.spell('odom')).toBe('odom');
    // Images on /cam before any transform names the camera: nothing to join to yet.
    expect(f.see([{ raw: '/cam', role: 'header' }])).toEqual([]);
    expect(f.spell('cam')).toBe('/cam');
    const identity = { translation: [0, 0, 0], rotation: [0, 0, 0, 1] };
    expect(
      f.see([
        { raw: 'base_link', role: 'parent' },
        { raw: 'cam', role: 'child' },
      ]),
    ).toEqual([{ parent: 'cam', child: '/cam', ...identity }]);
    expect(f.spell('cam')).toBe('cam');
    expect(f.see([{ raw: '/cam', role: 'header' }])).toEqual([]);
    // A root spelt two ways: the one the transforms use is the parent.
    expect(f.see([{ raw: '/base_link', role: 'header' }])).toEqual([
      { parent: 'base_link', child: '/base_link', ...identity },
    ]);
    // Both spellings with parents of their own: left as the recording has them.
    expect(
      f.see([
        { raw: 'a', role: 'child' },
        { raw: '/a', role: 'child' },
      ]),
    ).toEqual([]);
    // Empty frame ids are no frame.
    expect(f.see([{ raw: '', role: 'header' }])).toEqual([]);
  });
});
