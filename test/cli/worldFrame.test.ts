/**
 * Fusion's frames from the command line: a recording whose fixed frame is not `odom` (a ROS bag's `map`) had every
 * world object placed as if the vehicle never moved, said only by an issue count. `--world-frame` names it; without
 * it the summary says what happened and which flag fixes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../src/contracts/topics.ts';
import type { ObjectsMessage } from '../../src/contracts/perception.ts';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';
import { viperInProcess } from '../testing/cli.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-world-frame-'));
const rec = join(dir, 'odom.mcap');
const site = join(dir, 'site.mcap');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of `src` whose /tf names its fixed frame `site` instead of `odom` (same length: the protobuf stays valid). */
async function renameOdom(src: string, dst: string): Promise<void> {
  const reader = await RecordingReader.open(src);
  const writer = await RecordingWriter.create(dst);
  const ids = new Map<number, number>();
  const from = Buffer.from('odom');
  for await (const m of reader.messages()) {
    let id = ids.get(m.channel.id);
    if (id === undefined) {
      const s = reader.schemaOf(m.channel.id);
      const raw = { kind: 'raw' as const, name: s.name, encoding: s.encoding, data: s.data };
      id = await writer.addChannel(m.channel.topic, { ...raw, messageEncoding: m.channel.messageEncoding });
      ids.set(m.channel.id, id);
    }
    let data = m.data;
    if (m.channel.topic === topics.tf) {
      const b = Buffer.from(data);
      for (let at = b.indexOf(from); at >= 0; at = b.indexOf(from, at + 4)) b.write('site', at);
      data = b;
    }
    await writer.write(id, m.logTimeNs, data, m.publishTimeNs);
  }
  await writer.close();
  await reader.close();
}

/** The payloads of every 2D track message (`/perception/<camera>/annotations`) of a results file, in order. */
async function annotations(path: string): Promise<string[]> {
  const r = await RecordingReader.open(path);
  const out: string[] = [];
  try {
    for await (const m of r.messages())
      if (/^\/perception\/.*\/annotations$/.test(m.channel.topic))
        out.push(`${m.channel.topic} ${Buffer.from(m.data).toString('base64')}`);
  } finally {
    await r.close();
  }
  return out;
}

/** The world objects of a results file, frame by frame: [x, y] of each (rounded to the millimetre) and its frame. */
async function objects(path: string): Promise<{ xy: number[][][]; frames: Set<string> }> {
  const r = await RecordingReader.open(path);
  const xy: number[][][] = [];
  const frames = new Set<string>();
  try {
    for await (const m of r.messages({ topics: [topics.objects] })) {
      const msg = r.decoder(m.channel.id)(m.data) as unknown as ObjectsMessage;
      xy.push(msg.objects.map((o) => [Math.round(o.box.center[0] * 1e3), Math.round(o.box.center[1] * 1e3)]));
      for (const o of msg.objects) frames.add(o.frameId);
    }
  } finally {
    await r.close();
  }
  return { xy, frames };
}

async function replayJson(
  input: string,
  out: string,
  ...more: string[]
): Promise<{ notes: string[]; stages: Record<string, Record<string, unknown>> }> {
  const r = await viperInProcess(['replay', input, '-o', out, '--detector', 'oracle', '--json', ...more]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  // The ego drives: objects placed as if it stood still land elsewhere.
  await simulateSmall('pedestrian_crossing', rec, { duration: 3.5 });
  await renameOdom(rec, site);
}, 120_000);

describe('fusion frames', () => {
  it('a recording whose fixed frame is not odom: the summary says so and names --world-frame', async () => {
    const base = await replayJson(rec, join(dir, 'odom.results.mcap'));
    expect(base.notes.join('\n')).not.toMatch(/no transform/);
    const s = await replayJson(site, join(dir, 'site.results.mcap'));
    expect(s.notes.join('\n')).toMatch(
      /^\d+ camera frames had no transform odom → base_link in \/tf: their world objects were placed as if the vehicle stood at the origin \(in base_link while no pose had been found\); the recording's \/tf has base_link under site: pass --world-frame site$/m,
    );
    // The 2D tracker's ground gate had no poses either, and says so.
    expect(s.stages['track-bytetrack']!.groundGateOffFrames).toBeGreaterThan(0);
    expect(base.stages['track-bytetrack']!.groundGateOffFrames).toBeUndefined();
    const wrong = await objects(join(dir, 'site.results.mcap'));
    const right = await objects(join(dir, 'odom.results.mcap'));
    expect(wrong.xy).not.toEqual(right.xy);
    // Placed about the vehicle, and labelled so: an odom frame the results' /tf lacks places nothing in Foxglove.
    expect([...wrong.frames]).toEqual(['base_link']);
  }, 60_000);

  it('--world-frame site fuses as odom did, in that frame', async () => {
    const s = await replayJson(site, join(dir, 'named.results.mcap'), '--world-frame', '/site');
    expect(s.notes.join('\n')).not.toMatch(/no transform/);
    expect(s.stages['track-bytetrack']!.groundGateOffFrames).toBeUndefined();
    const named = await objects(join(dir, 'named.results.mcap'));
    const base = await objects(join(dir, 'odom.results.mcap'));
    expect(named.xy).toEqual(base.xy);
    expect(named.xy.flat().length).toBeGreaterThan(0);
    expect([...named.frames]).toEqual(['site']);
    expect([...base.frames]).toEqual(['odom']);
    // The 2D tracker's ground gate reads the same frames: its tracks are the odom run's, byte for byte.
    const tracks = await annotations(join(dir, 'named.results.mcap'));
    expect(tracks.length).toBeGreaterThan(0);
    expect(tracks).toEqual(await annotations(join(dir, 'odom.results.mcap')));
  }, 60_000);

  it('a frame name that cannot be one is refused on one line', async () => {
    const r = await viperInProcess(['replay', rec, '-o', join(dir, 'x.mcap'), '--world-frame', 'my map']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: config: --world-frame 'my map' is not a frame name \(--world-frame\)/);
    // The vehicle's own frame: every lookup would succeed and objects move with it.
    const same = await viperInProcess([
      'replay',
      rec,
      '-o',
      join(dir, 'x.mcap'),
      '--world-frame',
      'base_link',
    ]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(
      /^error: config: --world-frame base_link is the vehicle's frame \(the default --ego-frame\)/,
    );
  });
});
