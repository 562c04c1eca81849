/**
 * The viewer's MCAP layer in Node: chunk decompression (zstd's raw wasm module, Viper's lz4 decoder), frame stamps from message
 * indexes, and decoding with schemas from the file — on files written by the production writer.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader, type McapTypes } from '@mcap/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compareRigOrder } from '../../src/contracts/rigOrder.ts';
import { objectsToSceneUpdate } from '../../src/fuse/scene.ts';
import { colorForId, colorForTrack } from '../../src/track/colors.ts';
import {
  annotationsToBoxes,
  calibrationFromMsg,
  parseLabel,
  sceneUpdateToObjects,
  transformsFromMsg,
} from '../../viewer/src/data/normalize.ts';
import { makeDecoder } from '../../viewer/src/mcap/decoders.ts';
import { chunkHandler, instantiateZstd, lz4Decompress } from '../../viewer/src/mcap/decompress.ts';
import { parseMessageIndexes } from '../../viewer/src/mcap/messageIndex.ts';
import { chunkCompressor } from '../../src/io/mcap/compress.ts';
import { repoRoot } from '../shared.ts';
import { FRAME_NS, fileReadable, layout, T0, writeFixture } from './fixtures.ts';

const W = 160;
const H = 90;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'viper-viewer-mcap-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function handlers(): Promise<McapTypes.DecompressHandlers> {
  const wasm = (p: string) => readFileSync(join(repoRoot, 'node_modules', p));
  const zstd = await instantiateZstd(wasm('@foxglove/wasm-zstd/dist/wasm-zstd.wasm'));
  return { zstd: chunkHandler('zstd', zstd), lz4: chunkHandler('lz4', lz4Decompress) };
}

describe.each(['zstd', 'lz4'] as const)('viewer MCAP layer (%s)', (compression) => {
  test('reads every message, frame stamps from message indexes, decodes with the file schemas', async () => {
    const path = await writeFixture(join(dir, `${compression}.mcap`), {
      frames: 4,
      width: W,
      height: H,
      compression,
      chunkSize: 8 * 1024,
    });
    const readable = fileReadable(path);
    const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers: await handlers() });
    expect(reader.chunkIndexes.length).toBeGreaterThan(1);
    expect(new Set(reader.chunkIndexes.map((c) => c.compression))).toEqual(new Set([compression]));

    let count = 0;
    const annTopic = '/perception/cam_front/annotations';
    const byTopic = new Map([...reader.channelsById.values()].map((c) => [c.topic, c]));
    const decoded = new Map<string, Record<string, unknown>[]>();
    for await (const msg of reader.readMessages()) {
      count++;
      const ch = reader.channelsById.get(msg.channelId)!;
      const dec = makeDecoder(ch.messageEncoding, reader.schemasById.get(ch.schemaId));
      if (dec instanceof Error) throw dec;
      const list = decoded.get(ch.topic) ?? [];
      list.push(dec(msg.data));
      decoded.set(ch.topic, list);
    }
    expect(BigInt(count)).toBe(reader.statistics!.messageCount);

    const times = new Map<number, bigint[]>();
    for (const ci of reader.chunkIndexes) {
      parseMessageIndexes(
        await readable.read(ci.chunkStartOffset + ci.chunkLength, ci.messageIndexLength),
        times,
      );
    }
    expect(times.get(byTopic.get(annTopic)!.id)).toEqual([0n, 1n, 2n, 3n].map((k) => T0 + k * FRAME_NS));

    const boxes = annotationsToBoxes(decoded.get(annTopic)![2]!);
    const want = layout('cam_front', 2, W, H).preds;
    expect(boxes.map((b) => [b.trackId, b.cls])).toEqual(want.map((p) => [p.trackId, p.cls]));
    // Each box keeps the colour viper wrote for its track, the one Foxglove draws.
    expect(boxes.map((b) => b.color)).toEqual(want.map((p) => colorForTrack('cam_front', p.trackId)));
    expect(boxes[1]).toMatchObject({
      x1: want[1]!.box.x1,
      y1: want[1]!.box.y1,
      x2: want[1]!.box.x2,
      y2: want[1]!.box.y2,
    });
    const img = decoded.get('/cam_front/image')![0]!;
    expect((img.data as Uint8Array).subarray(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
    expect(calibrationFromMsg(decoded.get('/cam_front/calibration')![0]!)).toMatchObject({
      frameId: 'cam_front',
      width: W,
      height: H,
    });
    const tf = transformsFromMsg(decoded.get('/tf')![3]!);
    expect(tf[0]).toMatchObject({ parent: 'odom', child: 'base_link', translation: [1.5, 0, 0] });
  });

  test('a chunk claiming more than 1 GiB is refused before decompressing; the next chunk still decodes', async () => {
    const decompress = (await handlers())[compression]!;
    const data = new TextEncoder().encode('a chunk, a chunk, a chunk, a chunk');
    const chunk = (await chunkCompressor(compression))([data], data.length)!.compressedData;
    expect(() => decompress(chunk, 3n << 30n)).toThrow(
      /claims 3221225472 uncompressed bytes \(limit 1073741824\)/,
    );
    expect(() => decompress(chunk, BigInt(data.length + 1))).toThrow();
    expect(Buffer.from(decompress(chunk, BigInt(data.length))).equals(Buffer.from(data))).toBe(true);
  });
});

describe('normalize', () => {
  test('parseLabel', () => {
    expect(parseLabel('12 car')).toEqual({ trackId: 12, cls: 'car' });
    expect(parseLabel('pedestrian')).toEqual({ trackId: null, cls: 'pedestrian' });
  });
  test('labels go to the box whose corner is nearest, whatever the order', () => {
    const rect = (x: number, y: number) => ({
      points: [
        { x, y },
        { x: x + 10, y },
        { x: x + 10, y: y + 10 },
        { x, y: y + 10 },
      ],
    });
    const boxes = annotationsToBoxes({
      points: [rect(0, 0), rect(100, 50)],
      texts: [
        { position: { x: 100, y: 48 }, text: '5 bus' },
        { position: { x: 0, y: -2 }, text: '4 car' },
      ],
    });
    expect(boxes.map((b) => b.trackId)).toEqual([4, 5]);
  });
  test('labels written as replay writes them (one per outline, 4 px above it) stay on their box where boxes overlap', () => {
    const rect = (x: number, y: number, w: number, h: number) => ({
      points: [
        { x, y },
        { x: x + w, y },
        { x: x + w, y: y + h },
        { x, y: y + h },
      ],
    });
    // Track 13's label (4 px above its own corner) is 1.4 px from track 34's corner, which is 1 px right and 3 px
    // above 13's: nearest-corner pairing gave 13's label to 34's box and 34's to 13's.
    const boxes = annotationsToBoxes({
      points: [rect(96, 104, 8, 20), rect(97, 101, 8, 20)],
      texts: [
        { position: { x: 96, y: 100 }, text: '#13 pedestrian 0.90' },
        { position: { x: 97, y: 97 }, text: '#34 pedestrian 0.88' },
      ],
    });
    expect(boxes.map((b) => [b.x1, b.trackId])).toEqual([
      [96, 13],
      [97, 34],
    ]);
  });
  test('cameras are laid out as a rig: the front row left to right, then the back row, then the others', () => {
    const ids = [
      'cam_back',
      'cam_front_right',
      'CAM_BACK_LEFT',
      'left',
      'cam_front',
      'cam_back_right',
      'cam_front_left',
    ];
    expect(ids.sort(compareRigOrder)).toEqual([
      'cam_front_left',
      'cam_front',
      'cam_front_right',
      'CAM_BACK_LEFT',
      'cam_back',
      'cam_back_right',
      'left',
    ]);
  });
  test("a box's colour is its outline_color (else its first outline_colors entry), null when it has none", () => {
    const pts = [
      { x: 0, y: 0 },
      { x: 10, y: 10 },
    ];
    const boxes = annotationsToBoxes({
      points: [
        { points: pts, outline_color: { r: 1, g: 0.5, b: 0, a: 0.8 } },
        { points: pts, outline_color: { r: 0, g: 0, b: 1 } },
        { points: pts, outline_colors: [{ r: 0, g: 1, b: 0, a: 1 }] },
        { points: pts },
        { points: pts, outline_color: { r: 'x' } },
      ],
    });
    expect(boxes.map((b) => b.color)).toEqual([
      { r: 1, g: 0.5, b: 0, a: 0.8 },
      { r: 0, g: 0, b: 1, a: 1 },
      { r: 0, g: 1, b: 0, a: 1 },
      null,
      null,
    ]);
  });
  test('SceneUpdate cubes become objects (fallback for files without /perception/objects)', () => {
    const half = Math.PI / 4;
    const objs = sceneUpdateToObjects({
      entities: [
        {
          id: 'object-42',
          frame_id: 'odom',
          cubes: [
            {
              pose: {
                position: { x: 1, y: 2, z: 0.5 },
                orientation: { x: 0, y: 0, z: Math.sin(half), w: Math.cos(half) },
              },
              size: { x: 4, y: 2, z: 1.5 },
            },
          ],
        },
      ],
    });
    expect(objs).toHaveLength(1);
    expect(objs[0]).toMatchObject({
      id: 42,
      frameId: 'odom',
      box: { center: [1, 2, 0.5], size: [4, 2, 1.5] },
    });
    expect(objs[0]!.box.yaw).toBeCloseTo(Math.PI / 2, 9);
    expect(objs[0]).not.toHaveProperty('color');
  });
  test("a SceneUpdate object keeps its cube's colour: viper's /perception/scene colour for the id", () => {
    const box = {
      center: [1, 2, 0.5] as [number, number, number],
      size: [4, 2, 1.5] as [number, number, number],
    };
    const world = [3, 11].map((id) => ({
      id,
      cls: 'car' as const,
      frameId: 'odom',
      box: { ...box, yaw: 0 },
      velocity: [0, 0, 0] as [number, number, number],
      positionCovariance: [0, 0, 0, 0] as [number, number, number, number],
      sources: [],
    }));
    const objs = sceneUpdateToObjects(
      JSON.parse(JSON.stringify(objectsToSceneUpdate(world, 1_000_000_000n))) as Record<string, unknown>,
    );
    expect(objs.map((o) => [o.id, o.color])).toEqual([
      [3, colorForId(3, 0.5)],
      [11, colorForId(11, 0.5)],
    ]);
  });
  test('undecodable channels are an Error, not a throw', () => {
    expect(makeDecoder('cdr', undefined)).toBeInstanceOf(Error);
    expect(
      makeDecoder('protobuf', { name: 'x.Y', encoding: 'protobuf', data: new Uint8Array([1, 2, 3]) }),
    ).toBeInstanceOf(Error);
  });
});
