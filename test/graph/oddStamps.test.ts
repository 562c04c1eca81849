/**
 * Image stamps replay must cope with: a ROS 2 header stamp before 1970 (its `sec` is signed) ended the whole
 * replay with an error about the results file; a frame recorded twice on one topic at one log time gave two
 * annotations at one stamp (refused by `viper eval`), while a frozen camera clock (one stamp, the log time moving
 * on) must still have every frame perceived. And pacing (`--speed`) over a long gap in the log time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { printSummary } from '../../src/cli/replaySummary.ts';
import { toFoxgloveTime } from '../../src/contracts/time.ts';
import { replay } from '../../src/graph/replay.ts';
import { oneBoxStage } from '../testing/stages.ts';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';
import { cdr, header, rosChannel } from '../io/rosFixtures.ts';
import { testJpeg } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-stamps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000_000_000n;
const STEP = 100_000_000n;

async function annotationTimes(path: string, topic: string): Promise<bigint[]> {
  const reader = await RecordingReader.open(path);
  const out: bigint[] = [];
  for await (const m of reader.messages({ topics: [topic] })) out.push(m.logTimeNs);
  await reader.close();
  return out;
}

/** Foxglove images of camera `cam`: per entry its log time and stamp (several entries may share either). */
async function foxgloveRecording(path: string, frames: { logNs: bigint; stampNs: bigint }[]): Promise<void> {
  const w = await RecordingWriter.create(path);
  const ch = await w.addChannel('/cam/image', { kind: 'foxglove', name: 'foxglove.CompressedImage' });
  for (const [i, f] of frames.entries()) {
    const data = await testJpeg(i, 64, 48);
    await w.writeObject(ch, f.logNs, {
      timestamp: toFoxgloveTime(f.stampNs),
      frame_id: 'cam',
      format: 'jpeg',
      data,
    });
  }
  await w.close();
}

describe('replay: image stamps', () => {
  it('skips a ROS 2 image stamped before 1970 as a bad message, naming it, and replays the rest', async () => {
    const input = join(dir, 'negative.mcap');
    const w = await RecordingWriter.create(input);
    const type = 'sensor_msgs/msg/Image';
    const ch = await rosChannel(w, '/cam/image_raw', type);
    for (let i = 0; i < 4; i++) {
      const sec = i === 1 ? -5 : 1_700_000_000 + i;
      const data = new Uint8Array(8 * 6 * 3).fill(90);
      const msg = {
        header: header(sec, 0, 'cam'),
        height: 6,
        width: 8,
        encoding: 'rgb8',
        is_bigendian: 0,
        step: 24,
        data,
      };
      await w.write(ch, T0 + BigInt(i) * STEP, cdr(type, msg));
    }
    await w.close();
    const output = join(dir, 'negative.out.mcap');
    const s = await replay({ input, output, stages: [oneBoxStage] });
    expect(s.cameraFrames).toBe(3);
    expect(s.issueKinds).toEqual({ 'bad-message': 1 });
    expect(s.badMessages).toHaveLength(1);
    expect(s.badMessages[0]).toContain('/cam/image_raw at log time 1700000000100000000');
    expect(s.badMessages[0]).toContain('negative');
    expect(await annotationTimes(output, '/perception/cam/annotations')).toHaveLength(3);
    // The printed summary says what the bad message was, not only how many there were.
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((x: string | Uint8Array) => {
      printed.push(String(x));
      return true;
    });
    try {
      printSummary(s);
    } finally {
      spy.mockRestore();
    }
    expect(printed.join('')).toMatch(
      /non-fatal issues: 1 bad-message\n {4}recording: .*negative.*\/cam\/image_raw/,
    );
  });

  it('perceives a frame recorded twice at one log time once', async () => {
    const input = join(dir, 'twice.mcap');
    const frames = [0n, 1n, 2n].flatMap((i) => {
      const t = T0 + i * STEP;
      return [
        { logNs: t, stampNs: t },
        { logNs: t, stampNs: t },
      ];
    });
    await foxgloveRecording(input, frames);
    const output = join(dir, 'twice.out.mcap');
    const s = await replay({ input, output, stages: [oneBoxStage] });
    expect(s.messagesRead).toBe(6);
    expect(s.cameraFrames).toBe(3);
    expect(s.issueKinds).toEqual({ 'duplicate-frame': 3 });
    expect(await annotationTimes(output, '/perception/cam/annotations')).toEqual([
      T0,
      T0 + STEP,
      T0 + 2n * STEP,
    ]);
  });

  it('places images stamped on another clock (a sim-time bag) at their log times, as their transforms, and says so', async () => {
    const input = join(dir, 'simtime.mcap');
    const SIM0 = 100_000_000_000n; // 100 s of simulated time; the log is at 2023
    await foxgloveRecording(
      input,
      [0n, 1n, 2n].map((i) => ({ logNs: T0 + i * STEP, stampNs: SIM0 + i * STEP })),
    );
    const output = join(dir, 'simtime.out.mcap');
    const s = await replay({ input, output, stages: [oneBoxStage] });
    expect(s.cameraFrames).toBe(3);
    expect(s.otherClockCameras).toEqual(['cam']);
    // The results on the inputs' timeline: they had been logged at 100 s, 53 years before the images.
    expect(await annotationTimes(output, '/perception/cam/annotations')).toEqual([
      T0,
      T0 + STEP,
      T0 + 2n * STEP,
    ]);
    const printed = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      printSummary(s);
      expect(printed.mock.calls.map((c) => String(c[0])).join('')).toContain(
        'header stamps on another clock (over 10 s from log time), frames placed at their log times: cam',
      );
    } finally {
      printed.mockRestore();
    }
  });

  it('keeps a camera on one clock when its stamps hover about 10 s off the log (decided once, not per frame)', async () => {
    const input = join(dir, 'hover.mcap');
    const TEN = 10_000_000_000n;
    // 9.97 s, 10.03 s, 9.97 s … behind the log: per frame, the rule had flipped between stamp and log time.
    await foxgloveRecording(
      input,
      [0n, 1n, 2n, 3n, 4n, 5n].map((i) => ({
        logNs: T0 + i * STEP,
        stampNs: T0 + i * STEP - TEN + (i % 2n === 0n ? 30_000_000n : -30_000_000n),
      })),
    );
    const output = join(dir, 'hover.out.mcap');
    const s = await replay({ input, output, stages: [oneBoxStage] });
    expect(s.cameraFrames).toBe(6);
    const times = await annotationTimes(output, '/perception/cam/annotations');
    expect(times).toHaveLength(6);
    // One timeline: the first stamp (9.97 s off) put the camera on its stamps, and every frame followed.
    expect(times.every((t, k) => k === 0 || t > times[k - 1]!)).toBe(true);
    expect(times.at(-1)! - times[0]!).toBeLessThan(1_000_000_000n);
  });

  it('a first stamp an hour off does not move the camera to log time (a glitch decides nothing)', async () => {
    const input = join(dir, 'glitch.mcap');
    const HOUR = 3_600_000_000_000n;
    const LAG = 40_000_000n; // the rest stamped 40 ms before they were logged
    await foxgloveRecording(
      input,
      [0n, 1n, 2n, 3n].map((i) => ({
        logNs: T0 + i * STEP,
        stampNs: i === 0n ? T0 + HOUR : T0 + i * STEP - LAG,
      })),
    );
    const output = join(dir, 'glitch.out.mcap');
    const s = await replay({ input, output, stages: [oneBoxStage] });
    expect(s.otherClockCameras).toBeUndefined();
    expect(await annotationTimes(output, '/perception/cam/annotations')).toEqual([
      T0,
      T0 + STEP - LAG,
      T0 + 2n * STEP - LAG,
      T0 + 3n * STEP - LAG,
    ]);
  });

  it('still perceives every frame of a camera whose clock is stuck (one stamp, log times moving on)', async () => {
    const input = join(dir, 'stuck.mcap');
    await foxgloveRecording(
      input,
      [0n, 1n, 2n].map((i) => ({ logNs: T0 + i * STEP, stampNs: T0 })),
    );
    const s = await replay({ input, output: join(dir, 'stuck.out.mcap'), stages: [oneBoxStage] });
    expect(s.cameraFrames).toBe(3);
    expect(s.rigFrames).toBe(3);
    expect(s.issueKinds).toEqual({});
  });
});

describe('replay: pacing (--speed)', () => {
  it('a gap of 25 days in the log ends at Ctrl-C, not after 25 days (nor after 1 ms: setTimeout overflow)', async () => {
    const input = join(dir, 'gap.mcap');
    const HOUR = 3_600_000_000_000n; // ns
    await foxgloveRecording(input, [
      { logNs: T0, stampNs: T0 },
      { logNs: T0 + STEP, stampNs: T0 + STEP },
      { logNs: T0 + 600n * HOUR, stampNs: T0 + 600n * HOUR }, // 25 days: past setTimeout's 2^31 ms
    ]);
    const control = { stopped: false };
    const stop = setTimeout(() => {
      control.stopped = true;
    }, 300);
    try {
      const s = await replay({
        input,
        output: join(dir, 'gap.out.mcap'),
        stages: [oneBoxStage],
        speed: 1,
        control,
      });
      expect(s.interrupted).toBe(true);
      expect(s.cameraFrames).toBe(2); // the frame after the gap was never reached
    } finally {
      clearTimeout(stop);
    }
  });
});
