/**
 * Replay's progress counts the work done (messages through the graph and written, rig frames whose results are
 * written), not the messages read, which run ahead of it by the queue: a bar on reads reached 100 % while the
 * detector still had the queued frames to do — most visibly with many feeds, each reading ahead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReplayProgress, replay } from '../../src/graph/replay.ts';
import { replayFeeds } from '../../src/graph/replayFeeds.ts';
import type { Stage } from '../../src/graph/stage.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay progress', () => {
  it('counts what is done: the stage holding a batch holds the count, while reading runs ahead', async () => {
    const input = join(dir, 'rig.mcap');
    await writeRigRecording(input, { frames: 30 });
    const reports: ReplayProgress[] = [];
    const seen: { rigsIn: number; last: ReplayProgress }[] = [];
    let rigsIn = 0;
    const slow: Stage = {
      name: 'slow',
      async process(batch) {
        // What the bar said when this batch's rig frames (and all after them) were not done yet.
        seen.push({ rigsIn, last: reports.at(-1)! });
        rigsIn += batch.length;
        await new Promise((r) => setTimeout(r, 20));
        return batch;
      },
    };
    const s = await replay({
      input,
      output: join(dir, 'rig.out.mcap'),
      stages: [slow],
      maxBatch: 2,
      onProgress: (p) => reports.push({ ...p }),
    });
    for (const { rigsIn: before, last } of seen) expect(last.rigFramesDone).toBeLessThanOrEqual(before);
    // Reading ran ahead of the work at some point (the queue), and the count followed the work, not the reads.
    expect(reports.some((p) => p.messagesRead > p.messagesDone + 10)).toBe(true);
    const end = reports.at(-1)!;
    expect([end.messagesDone, end.rigFramesDone]).toEqual([s.messagesRead, s.rigFrames]);
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i]!.messagesDone).toBeGreaterThanOrEqual(reports[i - 1]!.messagesDone);
      expect(reports[i]!.messagesDone).toBeLessThanOrEqual(reports[i]!.messagesRead);
    }
  });

  it('several feeds: the work done in all of them, ending at every message and rig frame', async () => {
    const inputs = ['a', 'b', 'c'].map((n) => join(dir, `${n}.mcap`));
    for (const [k, path] of inputs.entries()) await writeRigRecording(path, { frames: 8 + 4 * k });
    let total = 0;
    const reports: { messagesDone: number; rigFramesDone: number; feedsDone: number }[] = [];
    const { feeds } = await replayFeeds({
      inputs,
      outDir: join(dir, 'feeds'),
      stageOptions: { detector: 'none' },
      feedsAtOnce: 2,
      onStart: (t) => {
        total = t;
      },
      onProgress: (p) => reports.push({ ...p }),
    });
    const summaries = feeds.map((f) => {
      if (!('summary' in f)) throw new Error(`${f.input} did not finish`);
      return f.summary;
    });
    const rigFrames = summaries.reduce((n, s) => n + s.rigFrames, 0);
    expect(rigFrames).toBeGreaterThan(0);
    expect(reports.at(-1)).toEqual({
      messagesDone: total,
      rigFramesDone: rigFrames,
      feedsDone: 3,
      feedsFailed: 0,
    });
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i]!.messagesDone).toBeGreaterThanOrEqual(reports[i - 1]!.messagesDone);
      expect(reports[i]!.rigFramesDone).toBeGreaterThanOrEqual(reports[i - 1]!.rigFramesDone);
    }
  });
});
