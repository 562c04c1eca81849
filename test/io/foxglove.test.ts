import { join } from 'node:path';
import { foxgloveMessageSchemas } from '@foxglove/schemas/internal.js';
import protobuf from 'protobufjs';
import descriptorModule from 'protobufjs/ext/descriptor/index.js';
import { describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import {
  RecordingReader,
  RecordingWriter,
  VIPER_FOXGLOVE_SCHEMAS,
  decodeFoxglove,
  encodeFoxglove,
  foxgloveSchemaData,
} from '../../src/io/index.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('foxglove');
const t = (sec: number, nsec: number) => ({ sec, nsec });
const pose = {
  position: { x: 1, y: -2, z: 0.5 },
  orientation: { x: 0, y: 0, z: 0.38268343236, w: 0.92387953251 },
};
const color = { r: 1, g: 0.5, b: 0, a: 1 };

/** One complete message per schema Viper writes (every field set, so decode must give it back exactly). */
const SAMPLES: Record<(typeof VIPER_FOXGLOVE_SCHEMAS)[number], Record<string, unknown>> = {
  CompressedImage: {
    timestamp: t(1700000000, 123456789),
    frame_id: 'cam_front',
    data: new Uint8Array([255, 216, 255, 0, 1, 2]),
    format: 'jpeg',
  },
  RawImage: {
    timestamp: t(5, 6),
    frame_id: 'cam_left',
    width: 2,
    height: 2,
    encoding: 'rgb8',
    step: 6,
    data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
  },
  CameraCalibration: {
    timestamp: t(7, 8),
    frame_id: 'cam_front',
    width: 1280,
    height: 720,
    distortion_model: 'plumb_bob',
    D: [-0.1, 0.01, 0.001, -0.002, 0],
    K: [1000, 0, 640, 0, 1000, 360, 0, 0, 1],
    R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    P: [1000, 0, 640, 0, 0, 1000, 360, 0, 0, 0, 1, 0],
  },
  FrameTransform: {
    timestamp: t(9, 10),
    parent_frame_id: 'base_link',
    child_frame_id: 'cam_front',
    translation: { x: 1.5, y: 0, z: 1.2 },
    rotation: { x: -0.5, y: 0.5, z: -0.5, w: 0.5 },
  },
  FrameTransforms: {
    transforms: [
      {
        timestamp: t(1, 2),
        parent_frame_id: 'odom',
        child_frame_id: 'base_link',
        translation: { x: 3, y: 4, z: 0 },
        rotation: { x: 0, y: 0, z: 0, w: 1 },
      },
      {
        timestamp: t(1, 2),
        parent_frame_id: 'base_link',
        child_frame_id: 'cam',
        translation: { x: 1, y: 0, z: 1 },
        rotation: { x: 0, y: 0, z: 1, w: 0 },
      },
    ],
  },
  ImageAnnotations: {
    timestamp: t(3, 4),
    metadata: [{ key: 'source', value: 'tracker' }],
    circles: [
      {
        timestamp: t(3, 4),
        position: { x: 10, y: 20 },
        diameter: 5,
        thickness: 1,
        fill_color: color,
        outline_color: color,
        metadata: [],
      },
    ],
    points: [
      {
        timestamp: t(3, 4),
        type: 2, // LINE_LOOP
        points: [
          { x: 10, y: 10 },
          { x: 50, y: 10 },
          { x: 50, y: 40 },
          { x: 10, y: 40 },
        ],
        outline_color: color,
        outline_colors: [],
        fill_color: { r: 0, g: 0, b: 0, a: 0 },
        thickness: 2,
        metadata: [{ key: 'track', value: '12' }],
      },
    ],
    texts: [
      {
        timestamp: t(3, 4),
        position: { x: 10, y: 8 },
        text: 'car #12 0.93',
        font_size: 12,
        text_color: color,
        background_color: { r: 0, g: 0, b: 0, a: 0.5 },
        metadata: [],
      },
    ],
  },
  SceneUpdate: {
    deletions: [{ timestamp: t(2, 0), type: 1, id: '' }],
    entities: [
      {
        timestamp: t(2, 500),
        frame_id: 'odom',
        id: 'track-12',
        lifetime: t(0, 200000000),
        frame_locked: false,
        metadata: [{ key: 'class', value: 'car' }],
        arrows: [],
        cubes: [{ pose, size: { x: 4.5, y: 1.9, z: 1.5 }, color }],
        spheres: [],
        cylinders: [],
        lines: [
          {
            type: 0,
            pose,
            thickness: 0.1,
            scale_invariant: false,
            points: [
              { x: 0, y: 0, z: 0 },
              { x: 1, y: 1, z: 0 },
            ],
            color,
            colors: [],
            indices: [],
          },
        ],
        triangles: [],
        texts: [{ pose, billboard: true, font_size: 14, scale_invariant: true, color, text: 'car 12' }],
        models: [],
      },
    ],
  },
};

describe('foxglove protobuf codec', () => {
  it('builds a descriptor for every schema in @foxglove/schemas, loadable by protobufjs', () => {
    const names = Object.entries(foxgloveMessageSchemas)
      .filter(([, s]) => s.protoEquivalent === undefined)
      .map(([n]) => n);
    expect(names.length).toBeGreaterThan(40);
    for (const name of names) {
      const root = protobuf.Root.fromDescriptor(
        descriptorModule.FileDescriptorSet.decode(foxgloveSchemaData(name)),
      );
      expect(root.lookupType(`foxglove.${name}`).fullName).toBe(`.foxglove.${name}`);
    }
  });

  it('writes the full FileDescriptorSet Foxglove expects (schema + google.protobuf deps)', () => {
    const set = descriptorModule.FileDescriptorSet.decode(foxgloveSchemaData('SceneUpdate')).toJSON() as {
      file: { package: string; messageType: { name: string }[] }[];
    };
    const types = set.file.flatMap((f) => f.messageType.map((m) => `${f.package}.${m.name}`));
    expect(types).toContain('foxglove.SceneUpdate');
    expect(types).toContain('foxglove.SceneEntity');
    expect(types).toContain('google.protobuf.Timestamp');
    expect(types).toContain('google.protobuf.Duration');
    const ci = descriptorModule.FileDescriptorSet.decode(
      foxgloveSchemaData('foxglove.CompressedImage'),
    ).toJSON() as {
      file: { package: string; messageType: { name: string; field: { name: string; number: number }[] }[] }[];
    };
    const image = ci.file
      .find((f) => f.package === 'foxglove')
      ?.messageType.find((m) => m.name === 'CompressedImage');
    // Field numbers as in Foxglove's published CompressedImage.proto.
    expect(Object.fromEntries((image?.field ?? []).map((f) => [f.name, f.number]))).toEqual({
      timestamp: 1,
      frame_id: 4,
      data: 2,
      format: 3,
    });
  });

  it('is a set a descriptor pool accepts: types fully qualified, each file importing the files it uses', () => {
    // protoc's rules, which Python's and C++'s DescriptorPool enforce (protobufjs reads laxer sets too).
    type Msg = {
      name: string;
      field?: { typeName?: string }[];
      nestedType?: Msg[];
      enumType?: { name: string }[];
    };
    type File = {
      name: string;
      package: string;
      dependency?: string[];
      messageType?: Msg[];
      enumType?: { name: string }[];
    };
    for (const name of VIPER_FOXGLOVE_SCHEMAS) {
      const set = descriptorModule.FileDescriptorSet.decode(foxgloveSchemaData(name)).toJSON() as {
        file: File[];
      };
      const definedIn = new Map<string, number>();
      set.file.forEach((f, i) => {
        const add = (scope: string, m: Msg): void => {
          definedIn.set(`${scope}.${m.name}`, i);
          for (const e of m.enumType ?? []) definedIn.set(`${scope}.${m.name}.${e.name}`, i);
          for (const n of m.nestedType ?? []) add(`${scope}.${m.name}`, n);
        };
        for (const e of f.enumType ?? []) definedIn.set(`.${f.package}.${e.name}`, i);
        for (const m of f.messageType ?? []) add(`.${f.package}`, m);
      });
      set.file.forEach((f, i) => {
        const visible = new Set([f.name, ...(f.dependency ?? [])]);
        const check = (m: Msg): void => {
          for (const fd of m.field ?? []) {
            if (fd.typeName === undefined) continue;
            expect(fd.typeName, `${name}: ${m.name}`).toMatch(/^\./);
            const at = definedIn.get(fd.typeName);
            expect(at, `${name}: ${fd.typeName} defined`).toBeDefined();
            expect(
              visible.has(set.file[at!]!.name),
              `${name}: ${f.name} imports ${set.file[at!]!.name}`,
            ).toBe(true);
            expect(at!, 'a file comes after the files it imports').toBeLessThanOrEqual(i);
          }
          for (const n of m.nestedType ?? []) check(n);
        };
        for (const m of f.messageType ?? []) check(m);
      });
    }
  });

  it('is deterministic: the same schema gives the same bytes', () => {
    expect(Buffer.from(foxgloveSchemaData('ImageAnnotations'))).toEqual(
      Buffer.from(foxgloveSchemaData('ImageAnnotations')),
    );
  });

  it.each(VIPER_FOXGLOVE_SCHEMAS)('round-trips %s in memory', (name) => {
    expect(decodeFoxglove(name, encodeFoxglove(name, SAMPLES[name]))).toEqual(SAMPLES[name]);
  });

  it('reads unset timestamps as zero and accepts bigint seconds', () => {
    const bytes = encodeFoxglove('CompressedImage', {
      frame_id: 'c',
      format: 'png',
      data: new Uint8Array([1]),
    });
    expect(decodeFoxglove('CompressedImage', bytes).timestamp).toEqual({ sec: 0, nsec: 0 });
    const big = encodeFoxglove('CompressedImage', { timestamp: { sec: 4_000_000_000n, nsec: 1 } });
    expect(decodeFoxglove('CompressedImage', big).timestamp).toEqual({ sec: 4_000_000_000, nsec: 1 });
  });

  it('refuses unknown schema names and ill-typed fields with RecordingError', () => {
    expect(() => foxgloveSchemaData('NotASchema')).toThrow(RecordingError);
    expect(() => encodeFoxglove('CompressedImage', { frame_id: 12 })).toThrow(
      /cannot encode foxglove.CompressedImage/,
    );
    expect(() => decodeFoxglove('CompressedImage', new Uint8Array([0x0a, 0xff]))).toThrow(RecordingError);
  });

  it('round-trips every Viper schema through an MCAP file and the generic decoder', async () => {
    const path = join(dir, 'all-schemas.mcap');
    const w = await RecordingWriter.create(path);
    const ids: Record<string, number> = {};
    for (const name of VIPER_FOXGLOVE_SCHEMAS)
      ids[name] = await w.addChannel(`/${name}`, { kind: 'foxglove', name });
    let tNs = 1000n;
    for (const name of VIPER_FOXGLOVE_SCHEMAS) await w.writeObject(ids[name] as number, tNs++, SAMPLES[name]);
    await w.close();

    const r = await RecordingReader.open(path);
    const s = r.summary();
    expect(s.indexed).toBe(true);
    expect(s.library).toBe('viper 0.1.0');
    expect(s.channels.map((c) => [c.topic, c.schemaName, c.schemaEncoding, c.messageEncoding])).toEqual(
      VIPER_FOXGLOVE_SCHEMAS.map((n) => [`/${n}`, `foxglove.${n}`, 'protobuf', 'protobuf']),
    );
    const seen: string[] = [];
    for await (const m of r.messages()) {
      const name = m.channel.schemaName.slice('foxglove.'.length) as keyof typeof SAMPLES;
      expect(r.decoder(m.channel.id)(m.data)).toEqual(SAMPLES[name]);
      seen.push(name);
    }
    await r.close();
    expect(seen).toEqual([...VIPER_FOXGLOVE_SCHEMAS]);
  });
});
