/**
 * What a Foxglove client needs to see the whole run: the last message of a channel when it subscribes (a one-shot
 * calibration would otherwise never reach it: channels are advertised on their first message), the run's log
 * time as its clock, and at the end whatever was queued for it, then a clean close.
 */
import { afterEach, expect, test } from 'vitest';
import { type RawData, WebSocket } from 'ws';
import { LiveServer } from '../../src/live/LiveServer.ts';

const T0 = 1_700_000_000_000_000_000n;
const SUBPROTOCOL = 'foxglove.websocket.v1';
const bytes = (s: string) => new TextEncoder().encode(s);

interface Frame {
  op: number;
  sub?: number;
  tNs: bigint;
  text?: string;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function client(url: string, protocols: string[] = [SUBPROTOCOL]) {
  const ws = new WebSocket(url, protocols);
  const frames: Frame[] = [];
  const json: {
    op: string;
    channels?: { id: number; topic: string }[];
    capabilities?: string[];
    level?: number;
    message?: string;
  }[] = [];
  /** Everything received, in order: an op name, or `<opcode>@<log time>` for binary frames. */
  const order: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data: RawData, isBinary) => {
    const b = data as Buffer;
    if (!isBinary) {
      json.push(JSON.parse(b.toString()));
      order.push(json[json.length - 1]!.op);
    } else order.push(`${b[0]}@${b[0] === 1 ? b.readBigUInt64LE(5) : b.readBigUInt64LE(1)}`);
    if (!isBinary) return;
    if (b[0] === 1)
      frames.push({
        op: 1,
        sub: b.readUInt32LE(1),
        tNs: b.readBigUInt64LE(5),
        text: b.subarray(13).toString(),
      });
    else frames.push({ op: b[0]!, tNs: b.readBigUInt64LE(1) });
  });
  ws.on('error', () => {});
  return { ws, frames, json, order, closed };
}

/** Wait for the advertisement, subscribe to `channelId` as subscription 0, and give the server a moment. */
async function subscribe(c: ReturnType<typeof client>, channelId: number): Promise<void> {
  await until(() => c.json.some((m) => m.op === 'advertise'));
  c.ws.send(JSON.stringify({ op: 'subscribe', subscriptions: [{ id: 0, channelId }] }));
  await new Promise((r) => setTimeout(r, 50));
}

let server: LiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('a subscriber gets the channel last message at once, then the run goes on', async () => {
  server = await LiveServer.start({ port: 0 });
  const calib = server.addChannel('/cam/calibration', 'x.Calibration', 'json', '{}');
  const image = server.addChannel('/cam/image', 'x.Image', 'json', '{}');
  // Published before anyone could subscribe: a one-shot calibration and the first two images.
  server.publish(calib, T0, bytes('{"k":1}'));
  server.publish(image, T0, bytes('{"i":0}'));
  server.publish(image, T0 + 100n, bytes('{"i":1}'));
  const c = client(server.url);
  await until(() => c.json.some((m) => m.op === 'advertise'));
  c.ws.send(
    JSON.stringify({
      op: 'subscribe',
      subscriptions: [
        { id: 7, channelId: calib },
        { id: 8, channelId: image },
      ],
    }),
  );
  await until(() => c.frames.filter((f) => f.op === 1).length === 2);
  server.publish(image, T0 + 200n, bytes('{"i":2}'));
  await until(() => c.frames.filter((f) => f.op === 1).length === 3);
  expect(c.frames.filter((f) => f.op === 1)).toEqual([
    { op: 1, sub: 7, tNs: T0, text: '{"k":1}' },
    { op: 1, sub: 8, tNs: T0 + 100n, text: '{"i":1}' },
    { op: 1, sub: 8, tNs: T0 + 200n, text: '{"i":2}' },
  ]);
  c.ws.close();
});

test('the server declares the time capability and sends each newer log time before its messages', async () => {
  server = await LiveServer.start({ port: 0 });
  const ch = server.addChannel('/t', 'x.T', 'json', '{}');
  const c = client(server.url);
  await until(() => c.json.some((m) => m.op === 'advertise'));
  expect(c.json[0]).toMatchObject({ op: 'serverInfo', capabilities: ['time'] });
  c.ws.send(JSON.stringify({ op: 'subscribe', subscriptions: [{ id: 0, channelId: ch }] }));
  await new Promise((r) => setTimeout(r, 50));
  for (const dt of [0n, 0n, 50n, 40n, 100n]) server.publish(ch, T0 + dt, bytes('{}'));
  await until(() => c.frames.filter((f) => f.op === 1).length === 5);
  // Time (op 2) only moves forward: an older message (T0+40) sends no time of its own.
  expect(c.frames.map((f) => `${f.op}@${f.tNs - T0}`)).toEqual([
    '2@0',
    '1@0',
    '1@0',
    '2@50',
    '1@50',
    '1@40',
    '2@100',
    '1@100',
  ]);
  c.ws.close();
});

test('close delivers what is queued, then closes each client with 1001', async () => {
  server = await LiveServer.start({ port: 0 });
  const ch = server.addChannel('/blob', 'x.Blob', 'json', '{}');
  const c = client(server.url);
  await subscribe(c, ch);
  const payload = bytes(JSON.stringify({ pad: 'x'.repeat(512 * 1024) }));
  for (let i = 0; i < 20; i++) server.publish(ch, T0 + BigInt(i), payload);
  await server.close();
  const { code, reason } = await c.closed;
  expect(code).toBe(1001);
  expect(reason).toBe('replay finished');
  expect(c.frames.filter((f) => f.op === 1)).toHaveLength(20);
  server = undefined;
});

test('a client that offers no foxglove.websocket.v1 subprotocol is refused with 1002', async () => {
  server = await LiveServer.start({ port: 0 });
  const c = client(server.url, []);
  const { code, reason } = await c.closed;
  expect(code).toBe(1002);
  expect(reason).toMatch(/subprotocol foxglove\.websocket\.v1 required/);
  expect(c.json).toEqual([]);
});

test('a client connecting mid-run gets the time before any advertisement or latched message', async () => {
  server = await LiveServer.start({ port: 0 });
  const ch = server.addChannel('/cam/calibration', 'x.Calibration', 'json', '{}');
  server.publish(ch, T0, bytes('{}'));
  server.advance(T0 + 500n); // a later channel is about to be advertised at this time
  const c = client(server.url);
  await until(() => c.json.some((m) => m.op === 'advertise'));
  c.ws.send(JSON.stringify({ op: 'subscribe', subscriptions: [{ id: 3, channelId: ch }] }));
  await until(() => c.frames.some((f) => f.op === 1));
  // Foxglove stamps a message with the last time it got: with none yet, the latched calibration fell in 1970.
  expect(c.order).toEqual(['serverInfo', `2@${T0 + 500n}`, 'advertise', `1@${T0}`]);
  c.ws.close();
});

test('a client that missed messages is told how many before the end of the run closes it', async () => {
  server = await LiveServer.start({ port: 0, maxBufferedBytes: 64 * 1024 });
  const ch = server.addChannel('/blob', 'x.Blob', 'json', '{}');
  const c = client(server.url);
  await subscribe(c, ch);
  const payload = bytes(JSON.stringify({ pad: 'x'.repeat(512 * 1024) }));
  for (let i = 0; i < 10; i++) server.publish(ch, T0 + BigInt(i), payload);
  const { dropped } = server.stats();
  expect(dropped).toBeGreaterThan(0);
  await server.close();
  expect((await c.closed).code).toBe(1001);
  const warning = c.json.find((m) => m.op === 'status');
  expect(warning).toMatchObject({
    level: 1,
    message: expect.stringMatching(new RegExp(`^${dropped} messages dropped.*over 64 KiB`)),
  });
  server = undefined;
});

test('a client connected before a channel is advertised gets every message from its first, however late it subscribes', async () => {
  server = await LiveServer.start({ port: 0 });
  // replay --wait-for-client: the client is there first, channels come with their first messages.
  const early = client(server.url);
  await until(() => early.json.some((m) => m.op === 'serverInfo'));
  const tf = server.addChannel('/tf', 'x.Tf', 'json', '{}');
  const objects = server.addChannel('/perception/objects', 'x.Objects', 'json', '{}');
  // Published before the client's subscribe could come back (the advertise round trip).
  for (let i = 0; i < 3; i++) {
    server.publish(tf, T0 + BigInt(i), bytes(`{"tf":${i}}`));
    server.publish(objects, T0 + BigInt(i), bytes(`{"o":${i}}`));
  }
  // A client that comes later gets each channel's latest message only, as before.
  const late = client(server.url);
  await until(() => late.json.some((m) => m.op === 'advertise'));
  await until(() => early.json.filter((m) => m.op === 'advertise').length === 2);
  for (const c of [early, late])
    c.ws.send(
      JSON.stringify({
        op: 'subscribe',
        subscriptions: [
          { id: 1, channelId: tf },
          { id: 2, channelId: objects },
        ],
      }),
    );
  await until(() => early.frames.filter((f) => f.op === 1).length === 6);
  await until(() => late.frames.filter((f) => f.op === 1).length === 2);
  server.publish(tf, T0 + 3n, bytes('{"tf":3}'));
  await until(() => early.frames.filter((f) => f.op === 1).length === 7);
  await until(() => late.frames.filter((f) => f.op === 1).length === 3);
  const texts = (c: ReturnType<typeof client>, sub: number) =>
    c.frames.filter((f) => f.op === 1 && f.sub === sub).map((f) => f.text);
  expect(texts(early, 1)).toEqual(['{"tf":0}', '{"tf":1}', '{"tf":2}', '{"tf":3}']);
  expect(texts(early, 2)).toEqual(['{"o":0}', '{"o":1}', '{"o":2}']);
  expect(texts(late, 1)).toEqual(['{"tf":2}', '{"tf":3}']);
  expect(texts(late, 2)).toEqual(['{"o":2}']);
  early.ws.close();
  late.ws.close();
});

test('what is kept for a client that has not subscribed yet is bounded: past it, it gets the latest message', async () => {
  server = await LiveServer.start({ port: 0, maxBufferedBytes: 4096 });
  const c = client(server.url);
  await until(() => c.json.some((m) => m.op === 'serverInfo'));
  const small = server.addChannel('/small', 'x.S', 'json', '{}');
  const big = server.addChannel('/big', 'x.B', 'json', '{}');
  const slow = server.addChannel('/slow', 'x.L', 'json', '{}');
  server.publish(small, T0, bytes('{"s":0}'));
  server.publish(small, T0 + 1n, bytes('{"s":1}'));
  // Over maxBufferedBytes in all: the largest backlog ends first, the small one is kept.
  const pad = JSON.stringify({ pad: 'x'.repeat(3000) });
  server.publish(big, T0, bytes(pad));
  server.publish(big, T0 + 1n, bytes(pad));
  // Over 10 s of log time since the channel's first message.
  server.publish(slow, T0, bytes('{"l":0}'));
  server.publish(slow, T0 + 11_000_000_000n, bytes('{"l":1}'));
  await until(() => c.json.filter((m) => m.op === 'advertise').length === 3);
  c.ws.send(
    JSON.stringify({
      op: 'subscribe',
      subscriptions: [
        { id: 1, channelId: small },
        { id: 2, channelId: big },
        { id: 3, channelId: slow },
      ],
    }),
  );
  await until(() => c.frames.filter((f) => f.op === 1).length === 4);
  await new Promise((r) => setTimeout(r, 50));
  const got = c.frames.filter((f) => f.op === 1).map((f) => `${f.sub}@${f.tNs - T0}`);
  expect(got).toEqual(['1@0', '1@1', '2@1', '3@11000000000']);
  c.ws.close();
});
