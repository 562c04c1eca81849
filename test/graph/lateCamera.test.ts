/**
 * A camera received late: on a real rig log time is when a frame arrived, not when it was captured. Frames wait in
 * a LagBuffer to be put back in stamp order, so a camera received up to `maxCameraLagNs` after the others still
 * joins its rig frames (one open rig frame at a time used to split every rig frame in two).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LagBuffer } from '../../src/graph/LagBuffer.ts';
import { replay } from '../../src/graph/replay.ts';
import { writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-late-camera-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LagBuffer', () => {
  it('leaves in arrival order when keys come in order (a simulator recording), only later', () => {
    const b = new LagBuffer<number>(300n);
    const out: number[] = [];
    for (let i = 0; i < 50; i++) {
      b.push(i, BigInt(i * 100), BigInt(i * 100));
      out.push(...b.release(BigInt(i * 100)));
    }
    expect(out).toEqual(Array.from({ length: 47 }, (_, i) => i)); // the last 300 ns still held
    expect([...out, ...b.flush()]).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('puts items received up to the lag late back in key order, and holds at most twice the lag', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ key: fc.integer({ min: 0, max: 10_000 }), late: fc.integer({ min: 0, max: 300 }) }),
          {
            maxLength: 60,
          },
        ),
        (items) => {
          // Each item arrives at log time key + late; arrivals in log-time order.
          const arrivals = items
            .map((x, i) => ({ ...x, i, log: x.key + x.late }))
            .sort((a, b) => a.log - b.log || a.i - b.i);
          const b = new LagBuffer<(typeof arrivals)[number]>(300n);
          const out: (typeof arrivals)[number][] = [];
          const held = new Set<(typeof arrivals)[number]>();
          for (const a of arrivals) {
            b.push(a, BigInt(a.key), BigInt(a.log));
            held.add(a);
            for (const r of b.release(BigInt(a.log))) {
              held.delete(r);
              out.push(r);
            }
            // Bounded: nothing is still held that was read more than twice the lag ago.
            for (const h of held) expect(a.log - h.log).toBeLessThanOrEqual(600);
          }
          out.push(...b.flush());
          expect(out.map((x) => x.key)).toEqual(arrivals.map((x) => x.key).sort((p, q) => p - q));
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('replay with a camera received late', () => {
  const stats = async (name: string, logLagMs: number, maxCameraLagNs?: bigint) => {
    const input = join(dir, `${name}.mcap`);
    await writeRigRecording(input, {
      cameras: ['cam_front', 'cam_back'],
      frames: 10,
      logLagMs: { cam_back: logLagMs },
    });
    return replay({ input, output: join(dir, `${name}.out.mcap`), stages: [], maxCameraLagNs });
  };

  it('150 ms late at 10 Hz: one rig frame per stamp, nothing missing', async () => {
    const s = await stats('late150', 150);
    expect([s.rigFrames, s.cameraFrames, s.missing]).toEqual([10, 20, {}]);
  });

  it('without the wait (maxCameraLagNs 0) every rig frame splits, as it used to', async () => {
    const s = await stats('late150-nowait', 150, 0n);
    expect(s.rigFrames).toBe(20);
    expect(s.missing).toEqual({ cam_back: 10, cam_front: 10 });
  });

  it('on time: the same rig frames either way', async () => {
    const s = await stats('ontime', 0);
    expect([s.rigFrames, s.missing]).toEqual([10, {}]);
  });
});
