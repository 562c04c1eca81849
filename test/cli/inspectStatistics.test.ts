/**
 * `viper inspect` on a file whose summary statistics contradict its chunks (a message count its bytes cannot
 * hold, a time span that ends before it starts): the index is not trusted and the messages are counted by a scan.
 */
import { mkdtempSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { describe, expect, it } from 'vitest';
import { viper } from '../testing/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-inspect-stats-'));
const FRAME = 100_000_000n;

/** Three JSON messages on one channel; `lie` rewrites the statistics the writer puts in the summary. */
async function write(name: string, lie: (s: NonNullable<McapWriter['statistics']>, ch: number) => void) {
  const path = join(dir, name);
  const fh = await open(path, 'w');
  const w = new McapWriter({ writable: new FileHandleWritable(fh) });
  await w.start({ profile: '', library: 'inspectStatistics.test' });
  const schemaId = await w.registerSchema({
    name: 'viper.Probe',
    encoding: 'jsonschema',
    data: new TextEncoder().encode('{}'),
  });
  const ch = await w.registerChannel({
    topic: '/probe',
    schemaId,
    messageEncoding: 'json',
    metadata: new Map(),
  });
  for (let i = 0; i < 3; i++) {
    const t = BigInt(i) * FRAME;
    await w.addMessage({
      channelId: ch,
      sequence: i,
      logTime: t,
      publishTime: t,
      data: new TextEncoder().encode('{}'),
    });
  }
  lie(w.statistics!, ch);
  await w.end();
  await fh.close();
  return path;
}

function inspectJson(path: string): { messageCount: number; durationS: number; topics: { count: number }[] } {
  const r = viper(['inspect', path, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('viper inspect: statistics that contradict the file', () => {
  it('a message count far beyond what the chunks hold is not believed', async () => {
    const path = await write('huge-count.mcap', (s, ch) => {
      s.messageCount = 2n ** 63n;
      s.channelMessageCounts.set(ch, 2n ** 63n);
    });
    const r = inspectJson(path);
    expect(r.messageCount).toBe(3);
    expect(r.topics.map((t) => t.count)).toEqual([3]);
  });

  it('a time span that ends before it starts is not believed', async () => {
    const path = await write('backwards.mcap', (s) => {
      s.messageStartTime = 5n * FRAME;
      s.messageEndTime = FRAME;
    });
    const r = inspectJson(path);
    expect(r.durationS).toBeCloseTo(0.2, 9);
  });

  it('a channel counting more messages than the file is not believed', async () => {
    const path = await write('channel-count.mcap', (s, ch) => s.channelMessageCounts.set(ch, 7n));
    expect(inspectJson(path).topics.map((t) => t.count)).toEqual([3]);
  });
});
