import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroundTruthMessage } from '../../src/contracts/perception.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { recordScenario } from '../../src/sim/record.ts';
import { loadScenario, scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { repoRoot } from '../shared.ts';
import { tinyScenario } from './testing.ts';

const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

describe('recording', () => {
  const dropout = () =>
    scenarioFromValue(
      tinyScenario({ duration: 2, dropouts: [{ camera: 'cam_back', start: 0.4, end: 1.2 }] }),
      'tiny',
    ).world;

  it('writes the DESIGN.md topics, drops images inside a dropout window and reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-rec-'));
    const out = join(dir, 'rec.mcap');
    const r = await recordScenario(dropout(), out);
    expect(r.frames).toBe(10);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const reader = await RecordingReader.open(out);
    try {
      const topics = reader
        .channels()
        .map((c) => c.topic)
        .sort();
      expect(topics).toEqual(
        [
          '/cam_back/calibration',
          '/cam_back/image',
          '/cam_front/calibration',
          '/cam_front/image',
          '/ground_truth/objects',
          '/ground_truth/scene',
          '/tf',
        ].sort(),
      );
      const counts = new Map<string, number>();
      let gtFrames = 0;
      for await (const m of reader.messages()) {
        counts.set(m.channel.topic, (counts.get(m.channel.topic) ?? 0) + 1);
        const msg = reader.decoder(m.channel.id)(m.data);
        if (m.channel.topic === '/ground_truth/objects') {
          const gt = GroundTruthMessage.parse(msg);
          expect(BigInt(gt.stampNs)).toBe(m.logTimeNs);
          expect(gt.actors.map((a) => a.id).sort()).toEqual(['C1', 'P1']);
          // No ground-truth views from a camera in dropout.
          const t = Number(m.logTimeNs - 1_767_225_600_000_000_000n) / 1e9;
          if (t >= 0.4 && t < 1.2)
            for (const a of gt.actors) expect(a.cameras.map((c) => c.cameraId)).not.toContain('cam_back');
          gtFrames++;
        }
        if (m.channel.topic === '/tf') {
          const tf = msg as { transforms: { parent_frame_id: string; child_frame_id: string }[] };
          expect(tf.transforms.map((x) => `${x.parent_frame_id}>${x.child_frame_id}`)).toEqual([
            'odom>base_link',
            'base_link>cam_front',
            'base_link>cam_back',
          ]);
        }
        if (m.channel.topic === '/cam_front/image') {
          const img = msg as { format: string; frame_id: string; data: Uint8Array };
          expect(img.format).toBe('jpeg');
          expect(img.frame_id).toBe('cam_front');
          expect([img.data[0], img.data[1]]).toEqual([0xff, 0xd8]);
        }
      }
      expect(gtFrames).toBe(10);
      expect(counts.get('/cam_front/image')).toBe(10);
      expect(counts.get('/cam_back/image')).toBe(6); // frames at 0.4, 0.6, 0.8, 1.0 dropped
      expect(counts.get('/cam_back/calibration')).toBe(10);
    } finally {
      await reader.close();
    }
  });

  it('same scenario and seed → byte-identical recording; another seed → different', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-rec-'));
    const a = await recordScenario(dropout(), join(dir, 'a.mcap'));
    const b = await recordScenario(dropout(), join(dir, 'b.mcap'));
    expect(await sha(join(dir, 'a.mcap'))).toBe(await sha(join(dir, 'b.mcap')));
    expect(a.sha256).toBe(b.sha256);
    expect(a.rawSha256).toBe(b.rawSha256);
    const other = scenarioFromValue(
      tinyScenario({ duration: 2, seed: 4, dropouts: [{ camera: 'cam_back', start: 0.4, end: 1.2 }] }),
      'tiny',
    ).world;
    const c = await recordScenario(other, join(dir, 'c.mcap'));
    expect(c.rawSha256).not.toBe(a.rawSha256);
  });

  it('an interrupted run is finalized with the frames so far; a failed one leaves no file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-rec-'));
    let n = 0;
    const r = await recordScenario(dropout(), join(dir, 'stop.mcap'), { shouldStop: () => ++n > 3 });
    expect(r.frames).toBe(3);
    const reader = await RecordingReader.open(join(dir, 'stop.mcap'));
    expect(reader.summary().messageCount).toBeGreaterThan(0);
    await reader.close();
    await expect(recordScenario(dropout(), join(dir, 'missing', 'x.mcap'))).rejects.toThrow(/cannot create/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  // Full check of every bundled scenario: VIPER_SIM_ALL_DIGESTS=1 (about 10 s per scenario on one core).
  const all = process.env.VIPER_SIM_ALL_DIGESTS === '1';
  const picks = all
    ? Object.keys(JSON.parse(readFileSync(join(repoRoot, 'scenarios', 'digests.json'), 'utf8')))
    : ['camera_dropout'];
  it.each(picks)('%s matches the digest committed in scenarios/digests.json', async (name) => {
    const digests = JSON.parse(await readFile(join(repoRoot, 'scenarios', 'digests.json'), 'utf8'));
    const { world } = await loadScenario(join(repoRoot, 'scenarios', `${name}.yaml`));
    const dir = await mkdtemp(join(tmpdir(), 'viper-rec-'));
    const r = await recordScenario(world, join(dir, `${name}.mcap`));
    // Raw pixels + ground truth first: independent of the JPEG and zstd libraries.
    expect(r.rawSha256, 'raw pixels or ground truth changed').toBe(digests[name].rawSha256);
    expect(
      r.sha256,
      'MCAP bytes changed (JPEG or io writer?): regenerate with viper simulate scenarios/*.yaml --digests scenarios/digests.json',
    ).toBe(digests[name].sha256);
  });

  it('a render that cannot fit on its disk stops after its first frames, keeping nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-rec-'));
    const out = join(dir, 'rec.mcap');
    const world = scenarioFromValue(tinyScenario({ duration: 4 }), 'tiny').world; // 20 frames
    let frames = 0;
    let askedFor = '';
    const err = await recordScenario(world, out, {
      onProgress: (d) => {
        frames = d;
      },
      freeBytes: async (d) => {
        askedFor = d;
        return 1000;
      },
    }).catch((e: Error) => e);
    expect(String(err)).toMatch(/would need about .* more for its 20 frames .*; 1 kB are free/);
    expect(frames).toBe(10); // stopped at the check, not at the end
    expect(askedFor).toBe(dir);
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
    // With room enough it records every frame.
    const r = await recordScenario(world, out, { freeBytes: async () => 1e12 });
    expect(r.frames).toBe(20);
  });
});
