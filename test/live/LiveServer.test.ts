import { FoxgloveClient } from '@foxglove/ws-protocol';
import type { Channel } from '@foxglove/ws-protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { LiveServer } from '../../src/live/LiveServer.ts';
import { encodeFoxglove, foxgloveSchemaData } from '../../src/io/index.ts';
import { z } from 'zod';
import { ObjectsMessage } from '../../src/contracts/index.ts';
import { foxgloveJsonSchemaProblems } from '../testing/foxgloveJsonSchema.ts';
import { decodeWithSchema } from '../viewer/foxgloveProto.ts';

const stamp = (tNs: bigint) => ({ sec: Number(tNs / 1_000_000_000n), nsec: Number(tNs % 1_000_000_000n) });

const T0 = 1_700_000_000_000_000_000n;
const objectsSchema = JSON.stringify(z.toJSONSchema(ObjectsMessage));

interface Received {
  channel: Channel;
  timestamp: bigint;
  decoded: Record<string, unknown>;
}

/** Connect, subscribe to every advertised channel, decode each message with the advertised schema. */
function connect(url: string, expectChannels: number) {
  const client = new FoxgloveClient({
    ws: new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]) as never,
  });
  const bySub = new Map<number, Channel>();
  const received: Received[] = [];
  const ready = new Promise<Channel[]>((resolve) => {
    const all: Channel[] = [];
    client.on('advertise', (channels) => {
      for (const ch of channels) {
        bySub.set(client.subscribe(ch.id), ch);
        all.push(ch);
      }
      if (all.length >= expectChannels) setTimeout(() => resolve(all), 50);
    });
  });
  client.on('message', ({ subscriptionId, timestamp, data }) => {
    const channel = bySub.get(subscriptionId)!;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let decoded: Record<string, unknown>;
    if (channel.encoding === 'protobuf') {
      expect(channel.schemaEncoding).toBe('protobuf');
      decoded = decodeWithSchema(
        channel.schemaName,
        new Uint8Array(Buffer.from(channel.schema, 'base64')),
        bytes,
      );
    } else {
      expect(channel.encoding).toBe('json');
      expect(channel.schemaEncoding).toBe('jsonschema');
      // Advertised as Foxglove's JSON Schema parser reads it (zod's own tuples it refused).
      expect(foxgloveJsonSchemaProblems(JSON.parse(channel.schema) as object)).toEqual([]);
      decoded = JSON.parse(new TextDecoder().decode(bytes));
    }
    received.push({ channel, timestamp, decoded });
  });
  return { client, ready, received };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let server: LiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('LiveServer', () => {
  test('a ws-protocol client subscribes to every channel and decodes each with its schema', async () => {
    server = await LiveServer.start({ port: 0 });
    expect(server.host).toBe('127.0.0.1');
    const chImg = server.addChannel(
      '/cam_front/image',
      'foxglove.CompressedImage',
      'protobuf',
      foxgloveSchemaData('CompressedImage'),
    );
    const chAnn = server.addChannel(
      '/perception/cam_front/annotations',
      'foxglove.ImageAnnotations',
      'protobuf',
      foxgloveSchemaData('ImageAnnotations'),
    );
    const chTf = server.addChannel(
      '/tf',
      'foxglove.FrameTransforms',
      'protobuf',
      foxgloveSchemaData('FrameTransforms'),
    );
    const chObj = server.addSpecChannel('/perception/objects', {
      kind: 'json',
      name: 'viper.Objects',
      jsonSchema: JSON.parse(objectsSchema),
    });

    const { client, ready, received } = connect(server.url, 4);
    const channels = await ready;
    expect(channels.map((c) => c.topic).sort()).toEqual(
      ['/cam_front/image', '/perception/cam_front/annotations', '/perception/objects', '/tf'].sort(),
    );

    const frames = 3;
    for (let i = 0; i < frames; i++) {
      const t = T0 + BigInt(i) * 100_000_000n;
      server.publish(
        chImg,
        t,
        encodeFoxglove('CompressedImage', {
          timestamp: stamp(t),
          frame_id: 'cam_front',
          format: 'jpeg',
          data: new Uint8Array([0xff, 0xd8, i]),
        }),
      );
      server.publish(
        chAnn,
        t,
        encodeFoxglove('ImageAnnotations', {
          points: [
            {
              timestamp: stamp(t),
              type: 2,
              points: [
                { x: 10, y: 20 },
                { x: 50, y: 20 },
                { x: 50, y: 60 },
                { x: 10, y: 60 },
              ],
              thickness: 2,
            },
          ],
          texts: [{ timestamp: stamp(t), position: { x: 10, y: 18 }, text: `${i} car`, font_size: 12 }],
        }),
      );
      server.publish(
        chTf,
        t,
        encodeFoxglove('FrameTransforms', {
          transforms: [
            {
              timestamp: stamp(t),
              parent_frame_id: 'odom',
              child_frame_id: 'base_link',
              translation: { x: i, y: 0, z: 0 },
              rotation: { x: 0, y: 0, z: 0, w: 1 },
            },
          ],
        }),
      );
      server.publish(
        chObj,
        t,
        new TextEncoder().encode(JSON.stringify({ stampNs: t.toString(), objects: [{ id: i }] })),
      );
    }
    await until(() => received.length === frames * 4);
    client.close();

    for (const topic of [
      '/cam_front/image',
      '/perception/cam_front/annotations',
      '/tf',
      '/perception/objects',
    ]) {
      const msgs = received.filter((r) => r.channel.topic === topic);
      expect(msgs.map((m) => m.timestamp)).toEqual([T0, T0 + 100_000_000n, T0 + 200_000_000n]);
    }
    const lastAnn = received.filter((r) => r.channel.topic === '/perception/cam_front/annotations')[2]!
      .decoded;
    expect((lastAnn.texts as { text: string }[])[0]!.text).toBe('2 car');
    expect((lastAnn.points as { points: unknown[] }[])[0]!.points.length).toBe(4);
    const lastImg = received.filter((r) => r.channel.topic === '/cam_front/image')[2]!.decoded;
    expect(lastImg.frame_id).toBe('cam_front');
    expect([...(lastImg.data as Uint8Array)]).toEqual([0xff, 0xd8, 2]);
    const tfMsg = received.filter((r) => r.channel.topic === '/tf')[1]!.decoded;
    expect((tfMsg.transforms as { child_frame_id: string; translation: { x: number } }[])[0]).toMatchObject({
      child_frame_id: 'base_link',
      translation: { x: 1 },
    });
    expect(received.filter((r) => r.channel.topic === '/perception/objects')[2]!.decoded).toEqual({
      stampNs: (T0 + 200_000_000n).toString(),
      objects: [{ id: 2 }],
    });
    expect(server.stats()).toMatchObject({ sent: 12, dropped: 0, published: 12 });
  });

  test('a client that does not read loses messages (counted); publish never blocks', async () => {
    server = await LiveServer.start({ port: 0, maxBufferedBytes: 64 * 1024 });
    const ch = server.addChannel('/blob', 'viper.Blob', 'json', '{"type":"object","properties":{}}');
    const { client, ready } = connect(server.url, 1);
    await ready;
    const sockets = [...(server as unknown as { wss: { clients: Set<WebSocket> } }).wss.clients];
    const payload = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(256 * 1024) }));
    // Each server-side socket gets a 256 KiB frame per publish; with a 64 KiB limit most are dropped at once.
    // Most are dropped at once (below) rather than queued for a reader that does not read.
    for (let i = 0; i < 200; i++) server.publish(ch, T0 + BigInt(i), payload);
    const stats = server.stats();
    expect(sockets.length).toBe(1);
    expect(stats.published).toBe(200);
    expect(stats.sent + stats.dropped).toBe(200);
    expect(stats.dropped).toBeGreaterThan(150);
    client.close();
  });

  test('raw specs stream protobuf, json and ROS 2 cdr (advertised as foxglove_bridge does); others are refused', async () => {
    server = await LiveServer.start({ port: 0 });
    const raw = {
      kind: 'raw',
      name: 'sensor_msgs/msg/Image',
      encoding: 'ros2msg',
      data: new TextEncoder().encode('uint32 height\nuint32 width\n'),
      messageEncoding: 'cdr',
    } as const;
    server.addSpecChannel('/ros/image', raw);
    const { client, ready } = connect(server.url, 1);
    const [ch] = await ready;
    expect(ch).toMatchObject({
      topic: '/ros/image',
      encoding: 'cdr',
      schemaEncoding: 'ros2msg',
      schemaName: 'sensor_msgs/msg/Image',
      schema: 'uint32 height\nuint32 width\n',
    });
    client.close();
    expect(() =>
      server!.addSpecChannel('/ros1', { ...raw, encoding: 'ros1msg', messageEncoding: 'ros1' }),
    ).toThrow(/message encoding ros1.*protobuf, json and ROS 2 cdr/);
  });

  test('port in use is a ConfigError with a hint', async () => {
    server = await LiveServer.start({ port: 0 });
    await expect(LiveServer.start({ port: server.port })).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1:\d+.*choose another port/,
    );
  });
});
