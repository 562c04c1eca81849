/**
 * `viper replay --serve`: a @foxglove/ws-protocol client connects to the live server of a real replay (child
 * process), subscribes to every advertised channel and decodes messages of each with the advertised schema.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Channel, FoxgloveClient } from '@foxglove/ws-protocol';
import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeWithSchema } from '../viewer/foxgloveProto.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { viperSpawn } from '../testing/cli.ts';
import { writeRigRecording } from '../testing/recordings.ts';
import { simulateSmall } from '../testing/sim.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

it('streams a replay live to a Foxglove ws-protocol client', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-serve-'));
  const rec = join(dir, 'ped.mcap');
  await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
  const port = await freePort();
  const child = viperSpawn([
    'replay',
    rec,
    '-o',
    join(dir, 'out.mcap'),
    '--detector',
    'oracle',
    '--serve',
    String(port),
    '--speed',
    '1',
    '--no-progress',
  ]);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /live: Foxglove WebSocket server at (ws:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`replay exited before serving: ${stderr}`)));
  });
  expect(url).toBe(`ws://127.0.0.1:${port}`);
  const client = new FoxgloveClient({
    ws: new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]) as never,
  });
  const channels = new Map<number, Channel>();
  const decodedTopics = new Map<string, number>();
  client.on('advertise', (list) => {
    for (const ch of list) channels.set(client.subscribe(ch.id), ch);
  });
  let timeFrames = 0;
  client.on('time', () => timeFrames++);
  client.on('message', ({ subscriptionId, data }) => {
    const ch = channels.get(subscriptionId)!;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const decoded =
      ch.encoding === 'protobuf'
        ? decodeWithSchema(ch.schemaName, new Uint8Array(Buffer.from(ch.schema, 'base64')), bytes)
        : JSON.parse(new TextDecoder().decode(bytes));
    expect(decoded).toBeTypeOf('object');
    decodedTopics.set(ch.topic, (decodedTopics.get(ch.topic) ?? 0) + 1);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  client.close();
  expect(code, stderr).toBe(0);
  const advertised = [...new Set([...channels.values()].map((c) => c.topic))].sort();
  for (const t of [
    '/cam_front/image',
    '/tf',
    '/perception/cam_front/annotations',
    '/perception/objects',
    '/perception/scene',
    '/perception/metrics',
    '/ground_truth/objects',
  ]) {
    expect(advertised).toContain(t);
  }
  // Every advertised channel delivered decodable messages: the one-shot calibrations too (a subscriber gets a
  // channel's last message, and channels are advertised on their first).
  for (const t of advertised) expect(decodedTopics.get(t) ?? 0, t).toBeGreaterThan(0);
  expect(timeFrames, "the server sends log time as the clients' clock").toBeGreaterThan(0);
  expect(stdout).toMatch(/live: 1 client served, \d+ messages sent\n/);
}, 120_000);

/** `replay --serve 0 --wait-for-client` (no detector) of a one-camera 2 Hz rig recording of `frames` frames. */
async function waitingReplay(tag: string, frames: number, extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), `viper-serve-${tag}-`));
  const rec = join(dir, 'rig.mcap');
  await writeRigRecording(rec, { cameras: ['cam_a'], frames, rateHz: 2, width: 96, height: 64 });
  const out = join(dir, 'out.mcap');
  const args = [
    'replay',
    rec,
    '-o',
    out,
    '--detector',
    'none',
    '--serve',
    '0',
    '--wait-for-client',
    ...extra,
  ];
  return { rec, out, child: viperSpawn(args) };
}

it('--wait-for-client holds the replay until a client connects, which then gets every message of every channel', async () => {
  const { rec, out, child } = await waitingReplay('wait', 5, ['--speed', '1']);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /live: Foxglove WebSocket server at (ws:\/\/\S+)/.exec(stderr);
      if (m && stderr.includes('waiting for a client')) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`replay exited before waiting: ${stderr}`)));
  });
  // Nothing is replayed while no one watches.
  await new Promise((r) => setTimeout(r, 500));
  expect(child.exitCode).toBeNull();
  const client = new FoxgloveClient({
    ws: new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]) as never,
  });
  const channels = new Map<number, Channel>();
  const stamps = new Map<string, bigint[]>();
  // A client slower than the replay (Foxglove subscribes once its panels have seen the advertisement): each
  // channel is subscribed 700 ms after its advertisement, when it has had a second message (2 Hz). That second
  // message used to replace the first, which was lost.
  client.on('advertise', (list) => {
    setTimeout(() => {
      for (const ch of list) channels.set(client.subscribe(ch.id), ch);
    }, 700);
  });
  client.on('message', ({ subscriptionId, timestamp }) => {
    const topic = channels.get(subscriptionId)!.topic;
    stamps.set(topic, [...(stamps.get(topic) ?? []), timestamp]);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  client.close();
  expect(code, stderr).toBe(0);
  const written = new Map<string, bigint[]>();
  const results = await RecordingReader.open(out);
  for await (const m of results.messages())
    written.set(m.channel.topic, [...(written.get(m.channel.topic) ?? []), m.logTimeNs]);
  await results.close();
  const input = await RecordingReader.open(rec);
  const t0 = input.summary().startNs;
  await input.close();
  expect(written.get('/cam_a/image')).toEqual([0n, 1n, 2n, 3n, 4n].map((i) => t0 + i * 500_000_000n));
  // Every message of every channel, the first included, as the results file has them.
  expect(Object.fromEntries(stamps)).toEqual(Object.fromEntries(written));
}, 60_000);

it('Ctrl-C while waiting for a client finalizes an empty results file and says nothing was replayed', async () => {
  const { out, child } = await waitingReplay('wait-int', 2);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('waiting for a client')) resolve();
    });
    child.on('exit', () => reject(new Error(`replay exited before waiting: ${stderr}`)));
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, stderr).toBe(130);
  expect(stderr).toContain(
    `live: stopped before a client connected: nothing was replayed; ${out} is finalized`,
  );
  const results = await RecordingReader.open(out);
  expect(results.summary().messageCount).toBe(0);
  await results.close();
}, 60_000);
