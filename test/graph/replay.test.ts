import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { detectionsToImageAnnotations } from '../../src/detect/annotations.ts';
import { DetectStopped } from '../../src/detect/shared.ts';
import { replay } from '../../src/graph/replay.ts';
import { ResultsSink } from '../../src/graph/ResultsSink.ts';
import type { Stage } from '../../src/graph/stage.ts';
import { RecordingReader, unfinishedOutputs } from '../../src/io/index.ts';
import { viperMetadata, writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-replay-'));
const input = join(dir, 'rig.mcap');

/** The graph's identity element: changes nothing. */
const passThroughStage: Stage = { name: 'pass-through', process: async (batch) => batch };

/** A stage whose output depends only on each frame (one fake detection per camera frame, from its stamp). */
const fakeDetect: Stage = {
  name: 'fake-detect',
  async process(batch) {
    for (const r of batch) {
      for (const f of r.rig.frames) {
        const x = Number(f.tNs % 1000n);
        r.detections.set(f.cameraId, [
          { cameraId: f.cameraId, box: { x1: x, y1: 1, x2: x + 5, y2: 9 }, score: 0.9, cls: 'car' },
        ]);
      }
    }
    return batch;
  },
};

beforeAll(async () => {
  await writeRigRecording(input, {
    cameras: ['cam_front', 'cam_left', 'cam_right'],
    frames: 30,
    offsetsMs: { cam_left: 3, cam_right: -4 },
  });
});

describe('replay', () => {
  it('passes every input through and writes per-rig outputs', async () => {
    const out = join(dir, 'a.mcap');
    const s = await replay({ input, output: out, stages: [fakeDetect] });
    expect(s.messagesRead).toBe(30 * 4 + 3);
    expect(s.rigFrames).toBe(30);
    expect(s.cameraFrames).toBe(90);
    expect(s.missing).toEqual({});
    const reader = await RecordingReader.open(out);
    const counts = new Map(reader.channels().map((c) => [c.topic, c.messageCount]));
    expect(counts.get('/cam_left/image')).toBe(30);
    expect(counts.get('/perception/cam_left/annotations')).toBe(30);
    expect(counts.get('/perception/metrics')).toBe(30);
    const ann = reader.channels().find((c) => c.topic === '/perception/cam_front/annotations')!;
    for await (const m of reader.messages({ topics: [ann.topic] })) {
      const decoded = reader.decoder(ann.id)(m.data) as { points: unknown[] };
      expect(decoded.points).toHaveLength(detectionsToImageAnnotations([], 0n, 'x').points.length + 1);
      break;
    }
    await reader.close();
  });

  it("replaying a results file leaves the earlier run's outputs out: one channel per topic, as replaying its input", async () => {
    const first = join(dir, 'r1.mcap');
    await replay({ input, output: first, stages: [fakeDetect] });
    const again = join(dir, 'r2.mcap');
    const s = await replay({ input: first, output: again, stages: [fakeDetect] });
    expect(s.earlierResultsDropped).toBe(30 * 3 + 30);
    const reader = await RecordingReader.open(again);
    const byTopic = new Map<string, (number | undefined)[]>();
    for (const c of reader.channels())
      byTopic.set(c.topic, [...(byTopic.get(c.topic) ?? []), c.messageCount]);
    await reader.close();
    expect(byTopic.get('/perception/metrics')).toEqual([30]);
    expect(byTopic.get('/perception/cam_left/annotations')).toEqual([30]);
    expect([...byTopic.values()].every((n) => n.length === 1)).toBe(true);
    // A pass-through run (no stages) keeps the earlier results as they are, metrics included: a faithful copy.
    const copy = join(dir, 'r3.mcap');
    const c = await replay({ input: first, output: copy, stages: [] });
    expect(c.earlierResultsDropped).toBe(0);
    const copied = await RecordingReader.open(copy);
    const topicsOf = (r: RecordingReader) =>
      r
        .channels()
        .map((ch) => `${ch.topic} ${ch.messageCount}`)
        .sort();
    const original = await RecordingReader.open(first);
    expect(topicsOf(copied)).toEqual(topicsOf(original));
    await copied.close();
    await original.close();
  });

  it('gives byte-identical output run to run and for any queue and batch size', async () => {
    const configs = [
      { queueSize: 64, maxBatch: 6 },
      { queueSize: 64, maxBatch: 6 },
      { queueSize: 1, maxBatch: 1 },
      { queueSize: 3, maxBatch: 7, batchWindowNs: 150_000_000n },
      { queueSize: 1000, maxBatch: 64 },
    ];
    const digests: string[] = [];
    for (const [i, c] of configs.entries()) {
      const out = join(dir, `det-${i}.mcap`);
      await replay({ input, output: out, stages: [fakeDetect, passThroughStage], ...c });
      digests.push(readFileSync(out).toString('base64'));
    }
    for (const d of digests) expect(d === digests[0]).toBe(true);
  });

  it('lists a camera that drops out as missing and marks uncalibrated cameras', async () => {
    const gap = join(dir, 'gap.mcap');
    await writeRigRecording(gap, {
      cameras: ['cam_a', 'cam_b'],
      frames: 5,
      uncalibrated: ['cam_b'],
      offsetsMs: { cam_b: 60 },
    });
    const s = await replay({ input: gap, output: join(dir, 'gap-out.mcap'), stages: [] });
    expect(s.uncalibratedCameras).toEqual(['cam_b']);
    expect(s.rigFrames).toBe(10);
    expect(s.missing).toEqual({ cam_a: 5, cam_b: 5 });
  });

  it('gives each camera frame the transforms at its own stamp, though /tf at that time is read after the images', async () => {
    const seen: number[] = [];
    const capture: Stage = {
      name: 'capture',
      async process(batch) {
        for (const r of batch) {
          const ego = r.rig.frames[0]!.transforms.find((t) => t.child === 'base_link');
          seen.push(ego ? ego.translation[0] : Number.NaN);
        }
        return batch;
      },
    };
    await replay({ input, output: join(dir, 'tf.mcap'), stages: [capture], maxBatch: 4 });
    // writeRigRecording moves the ego 0.5 m per frame; frame i must see x = 0.5 i, not the previous frame's pose.
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i * 0.5));
  });

  it('a stop that comes once the input is read whole is no interruption: summary and metadata agree', async () => {
    // Many feeds share one control: Ctrl-C sets it while a feed that has read everything is finalizing its file.
    const out = join(dir, 'late-stop.mcap');
    const control = { stopped: false };
    const close = ResultsSink.prototype.close;
    const spy = vi.spyOn(ResultsSink.prototype, 'close').mockImplementation(function (
      this: ResultsSink,
      ...a
    ) {
      control.stopped = true;
      return close.apply(this, a);
    });
    try {
      const s = await replay({ input, output: out, stages: [fakeDetect], control });
      expect(s.interrupted).toBe(false);
    } finally {
      spy.mockRestore();
    }
    expect((await viperMetadata(out)).interrupted).toBe('false');
  });

  it('frames a stopped shared detector did not detect end the results there: interrupted, not failed', async () => {
    const out = join(dir, 'detect-stopped.mcap');
    let batches = 0;
    const stopsAtThird: Stage = {
      name: 'detect',
      async process(batch) {
        if (++batches >= 3) throw new DetectStopped();
        return fakeDetect.process(batch);
      },
    };
    const s = await replay({ input, output: out, stages: [stopsAtThird], maxBatch: 4 });
    expect(s.interrupted).toBe(true);
    // The two batches detected are written (8 rig frames), nothing after the first one without results.
    expect(s.perception?.detections).toBe(8 * 3);
    expect(s.rigFrames).toBe(8);
    const reader = await RecordingReader.open(out);
    expect(reader.summary().indexed).toBe(true);
    await reader.close();
    expect((await viperMetadata(out)).interrupted).toBe('true');
  });

  it('stops early on request and still finalizes a readable file', async () => {
    const out = join(dir, 'stopped.mcap');
    const control = { stopped: false };
    const s = await replay({
      input,
      output: out,
      stages: [fakeDetect],
      control,
      onProgress: (p) => {
        if (p.messagesRead === 40) control.stopped = true;
      },
    });
    expect(s.interrupted).toBe(true);
    const reader = await RecordingReader.open(out);
    expect(reader.summary().indexed).toBe(true);
    expect(reader.summary().messageCount).toBeGreaterThan(30);
    await reader.close();
  });

  it('a write that fails stops the replay with that error (it waited for room for ever) and finalizes the file', async () => {
    const out = join(dir, 'write-failed.mcap');
    let published = 0;
    // A live mirror that breaks after 20 messages: the write path fails while the reader waits for room.
    const live = {
      addSpecChannel: () => 1,
      advance: () => {},
      publish: () => {
        if (++published > 20) throw new Error('mirror gone');
      },
    };
    const run = replay({ input, output: out, stages: [fakeDetect], queueSize: 4, live });
    const outcome = await Promise.race([
      run.then(
        () => 'finished',
        (err: Error) => err.message,
      ),
      new Promise<string>((r) => setTimeout(() => r('hung'), 10_000)),
    ]);
    expect(outcome).toBe('mirror gone');
    const reader = await RecordingReader.open(out);
    expect(reader.summary().indexed).toBe(true);
    await reader.close();
  });

  it.skipIf(process.platform !== 'linux')(
    'a full disk fails the replay on one line naming the file (/dev/full)',
    async () => {
      await expect(
        replay({ input, output: '/dev/full', stages: [fakeDetect], queueSize: 4 }),
      ).rejects.toThrow(
        /^recording: cannot write the file: no space left on device \(ENOSPC\) \(\/dev\/full\)/,
      );
      // The failed output was released, not left for a later Ctrl-C to name as unfinished.
      expect(unfinishedOutputs()).not.toContain('/dev/full');
    },
  );
});
