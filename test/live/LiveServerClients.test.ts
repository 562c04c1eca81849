/**
 * LiveServer against clients that misbehave: whatever a client sends, the server (and the replay that publishes
 * through it) keeps running, other clients keep their messages, and the offender gets an error status or a close.
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type RawData, WebSocket } from 'ws';
import { LiveServer } from '../../src/live/LiveServer.ts';
import { SlowClientGuard } from '../../src/live/SlowClientGuard.ts';
import { ClientRequests } from '../../src/live/ClientRequests.ts';

const T0 = 1_700_000_000_000_000_000n;
const SUBPROTOCOL = 'foxglove.websocket.v1';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Client {
  ws: WebSocket;
  json: { op: string; level?: number; message?: string; channels?: { id: number }[] }[];
  /** Message frames (opcode 1). */
  binary: Buffer[];
  /** Log times sent as the clients' time (opcode 2). */
  times: bigint[];
  closed: Promise<number>;
}

async function client(url: string): Promise<Client> {
  const ws = new WebSocket(url, [SUBPROTOCOL]);
  const c: Client = {
    ws,
    json: [],
    binary: [],
    times: [],
    closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))),
  };
  ws.on('message', (data: RawData, isBinary) => {
    const b = data as Buffer;
    if (isBinary && b[0] === 2) c.times.push(b.readBigUInt64LE(1));
    else if (isBinary) c.binary.push(b);
    else c.json.push(JSON.parse(data.toString()));
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve()); // serverInfo: the server has taken the client on
    ws.once('close', (code) => reject(new Error(`closed ${code}`)));
  });
  return c;
}

const statuses = (c: Client) => c.json.filter((m) => m.op === 'status');

/** A TCP socket that has done the WebSocket handshake, for frames a conforming client library cannot send. */
async function rawSocket(port: number): Promise<Socket> {
  const s = tcpConnect(port, '127.0.0.1');
  s.on('error', () => {});
  s.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: ${SUBPROTOCOL}\r\n\r\n`,
  );
  await new Promise<void>((resolve) => s.once('data', () => resolve()));
  return s;
}

/** One masked text frame (as a client must send it). */
function textFrame(text: string | Buffer, masked = true): Buffer {
  const p = Buffer.from(text);
  const len = p.length < 126 ? Buffer.from([p.length]) : Buffer.alloc(9);
  if (p.length >= 126) {
    len[0] = 127;
    len.writeBigUInt64BE(BigInt(p.length), 1);
  }
  if (!masked) return Buffer.concat([Buffer.from([0x81]), len, p]);
  len[0]! |= 0x80;
  const mask = randomBytes(4);
  const m = Buffer.from(p.map((b, i) => b ^ mask[i & 3]!));
  return Buffer.concat([Buffer.from([0x81]), len, mask, m]);
}

let server: LiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serverWithChannels(n: number, opts: { maxBufferedBytes?: number; maxClients?: number } = {}) {
  server = await LiveServer.start({ port: 0, ...opts });
  const ids = Array.from({ length: n }, (_, i) => server!.addChannel(`/t${i}`, 'x.T', 'json', '{}'));
  return { live: server, ids };
}

describe('LiveServer with misbehaving clients', () => {
  test.each([
    ['invalid UTF-8 in a text frame', textFrame(Buffer.from([0xff, 0xfe, 0xfd]))],
    ['an unmasked frame', textFrame('{"op":"subscribe"}', false)],
  ])('%s closes that client, not the server', async (_, frame) => {
    const { live, ids } = await serverWithChannels(1);
    const bad = await rawSocket(live.port);
    const gone = new Promise<void>((resolve) => bad.on('close', () => resolve()));
    bad.write(frame);
    await gone;
    const good = await client(live.url);
    good.ws.send(JSON.stringify({ op: 'subscribe', subscriptions: [{ id: 0, channelId: ids[0] }] }));
    await until(() => live.stats().clients === 1);
    await new Promise((r) => setTimeout(r, 50));
    live.publish(ids[0]!, T0, new TextEncoder().encode('{}'));
    await until(() => good.binary.length === 1);
    good.ws.close();
  });

  test('subscription ids that are not uint32 are refused; publish keeps working for everyone', async () => {
    const { live, ids } = await serverWithChannels(6);
    const bad = await client(live.url);
    const good = await client(live.url);
    // {valueOf, toString} that are not functions: Number() of it throws (it reached DataView.setUint32).
    bad.ws.send(
      `{"op":"subscribe","subscriptions":[{"id":{"valueOf":1,"toString":1},"channelId":${ids[0]}},` +
        `{"id":-1,"channelId":${ids[1]}},{"id":1.5,"channelId":${ids[2]}},` +
        `{"id":${2 ** 40},"channelId":${ids[3]}},{"id":"7","channelId":${ids[4]}},null]}`,
    );
    good.ws.send(
      JSON.stringify({ op: 'subscribe', subscriptions: ids.map((channelId, id) => ({ id, channelId })) }),
    );
    await until(() => statuses(bad).length === 1);
    expect(statuses(bad)[0]).toMatchObject({
      level: 2,
      message: expect.stringMatching(/^subscribe: 6 of 6 refused/),
    });
    await new Promise((r) => setTimeout(r, 50));
    for (const id of ids) expect(() => live.publish(id, T0, new TextEncoder().encode('{}'))).not.toThrow();
    await until(() => good.binary.length === ids.length);
    expect(bad.binary).toHaveLength(0);
    expect(statuses(good)).toHaveLength(0);
    bad.ws.close();
    good.ws.close();
  });

  test('subscribe/unsubscribe are checked against the client own subscriptions; valid entries still apply', async () => {
    const { live, ids } = await serverWithChannels(2);
    const c = await client(live.url);
    c.ws.send(
      JSON.stringify({
        op: 'subscribe',
        subscriptions: [
          { id: 1, channelId: ids[0] },
          { id: 1, channelId: ids[1] }, // id reused
          { id: 2, channelId: ids[0] }, // channel twice
          { id: 3, channelId: 99_999 }, // not advertised
        ],
      }),
    );
    await until(() => statuses(c).length === 1);
    expect(statuses(c)[0]!.message).toMatch(
      /subscribe: 3 of 4 refused: subscription id 1 is already in use; channel \d+ is already subscribed; channel 99999 is not advertised/,
    );
    // Well-formed requests the state refuses are warnings, as FoxgloveServer reports them.
    expect(statuses(c)[0]!.level).toBe(1);
    c.ws.send(JSON.stringify({ op: 'unsubscribe', subscriptionIds: [1, 1, 42] }));
    await until(() => statuses(c).length === 2);
    expect(statuses(c)[1]!).toMatchObject({
      level: 1,
      message:
        'unsubscribe: 2 of 3 refused: subscription id 1 does not exist; subscription id 42 does not exist',
    });
    // The id is free again and the channel can be subscribed again.
    c.ws.send(JSON.stringify({ op: 'subscribe', subscriptions: [{ id: 1, channelId: ids[1] }] }));
    await new Promise((r) => setTimeout(r, 50));
    live.publish(ids[0]!, T0, new TextEncoder().encode('{}'));
    live.publish(ids[1]!, T0 + 1n, new TextEncoder().encode('{}'));
    await until(() => c.binary.length === 1);
    expect(c.binary[0]!.readUInt32LE(1)).toBe(1);
    expect(c.binary[0]!.readBigUInt64LE(5)).toBe(T0 + 1n);
    expect(statuses(c)).toHaveLength(2);
    c.ws.close();
  });

  test('bad JSON, unsupported ops and binary frames each get one error status', async () => {
    const { live } = await serverWithChannels(1);
    const c = await client(live.url);
    const sent: [string | Buffer, RegExp][] = [
      ['{not json', /^not JSON/],
      ['null', /expected a JSON object/],
      ['{"op":"advertise","channels":[]}', /unsupported op "advertise"/],
      ['{"op":"nope"}', /unsupported op "nope"/],
      ['{"op":"subscribe","subscriptions":5}', /"subscriptions" must be an array/],
      [Buffer.from([1, 0, 0, 0, 0, 9]), /binary client messages are not supported/],
      [Buffer.alloc(0), /binary client messages are not supported/],
    ];
    for (const [data] of sent) c.ws.send(data);
    await until(() => statuses(c).length === sent.length);
    statuses(c).forEach((s, i) => {
      expect(s.level).toBe(2);
      expect(s.message).toMatch(sent[i]![1]);
    });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
  });

  test('a client that sends requests and never reads does not grow the server send buffer', async () => {
    const { live } = await serverWithChannels(1, { maxBufferedBytes: 64 * 1024 });
    const s = await rawSocket(live.port);
    s.pause(); // never read what the server sends
    // Each unknown id used to get its own status (~90 bytes) from FoxgloveServer: 40 × 20 000 of them here.
    const frame = textFrame(
      JSON.stringify({ op: 'unsubscribe', subscriptionIds: Array.from({ length: 20_000 }, (_, i) => i + 1) }),
    );
    for (let i = 0; i < 40; i++) s.write(frame);
    // And 100 000 frames that are not JSON, one status each (~60 bytes: 6 MB in all, more than the socket
    // buffers hold): only dropping statuses over the limit keeps these out of the buffer.
    const junk = textFrame('x');
    for (let i = 0; i < 100_000; i++) s.write(junk);
    const [conn] = [...(live as unknown as { wss: { clients: Set<WebSocket> } }).wss.clients];
    const socket = (conn as unknown as { _socket: Socket })._socket;
    // A wait, not a timing check: ~6 MB of frames take ~1 s alone and several under a loaded CI machine.
    await until(() => socket.bytesRead >= 40 * frame.length + 100_000 * junk.length, 60_000);
    expect(conn!.bufferedAmount).toBeLessThan(64 * 1024 + 4096);
    s.destroy();
  }, 90_000);

  test('a frame over 1 MiB closes that client with 1009', { timeout: 10_000 }, async () => {
    const { live } = await serverWithChannels(1);
    const c = await client(live.url);
    c.ws.send(`{"op":"subscribe","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    expect(await c.closed).toBe(1009);
    const next = await client(live.url);
    next.ws.close();
  });

  test('connections over maxClients are refused with 1013', async () => {
    const { live } = await serverWithChannels(1, { maxClients: 2 });
    const a = await client(live.url);
    const b = await client(live.url);
    await expect(client(live.url)).rejects.toThrow(/closed 1013/);
    a.ws.close();
    await until(() => live.stats().clients === 1);
    const c = await client(live.url);
    b.ws.close();
    c.ws.close();
  });

  test('status frames are dropped while the client buffer is over the limit; advertisements are not', () => {
    const sent: unknown[] = [];
    const ws = { readyState: 1, OPEN: 1, bufferedAmount: 2048, send: (d: unknown) => sent.push(d) };
    const guard = new SlowClientGuard(ws as unknown as WebSocket, 1024, new ClientRequests(() => true));
    guard.send(JSON.stringify({ op: 'status', level: 2, message: 'x' }));
    guard.send(JSON.stringify({ op: 'advertise', channels: [] }));
    guard.send(new Uint8Array([1, 0, 0, 0])); // a message frame: dropped and counted
    guard.send(new Uint8Array([2, 0, 0, 0])); // a time frame: dropped, not counted
    expect(sent).toEqual([JSON.stringify({ op: 'advertise', channels: [] })]);
    expect(guard.dropped).toBe(1);
    // Room again: the client is told what it missed before the next message.
    ws.bufferedAmount = 0;
    guard.send(new Uint8Array([1, 0, 0, 0]));
    expect(JSON.parse(sent[1] as string)).toMatchObject({
      op: 'status',
      level: 1,
      message: expect.stringMatching(/^1 messages dropped/),
    });
    expect(sent).toHaveLength(3);
    expect(guard.sent).toBe(1);
  });
});
