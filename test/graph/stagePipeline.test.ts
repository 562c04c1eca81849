import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RigFrame } from '../../src/contracts/camera.ts';
import type { RigResult, Stage } from '../../src/contracts/stage.ts';
import { emptyResult } from '../../src/graph/stage.ts';
import { StagePipeline } from '../../src/graph/stagePipeline.ts';

const rig = (seq: number): RigFrame => ({ feedId: 'f', seq, tNs: BigInt(seq), frames: [], missing: [] });
const seqs = (batch: RigResult[]) => batch.map((r) => r.rig.seq);
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stage that takes `delays[k]` ms over its k-th call and logs when each batch enters and leaves. */
function stage(name: string, concurrent: boolean, delays: number[], log: string[]): Stage {
  let calls = 0;
  return {
    name,
    concurrent,
    async process(batch) {
      const first = seqs(batch)[0];
      log.push(`${name}>${first}`);
      await tick(delays[calls++ % delays.length] ?? 0);
      log.push(`${name}<${first}`);
      return batch;
    },
  };
}

describe('StagePipeline', () => {
  it('gives a stateful stage its batches one at a time, in submission order, whatever the timing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 }),
        async (detectDelays, trackDelays) => {
          const log: string[] = [];
          const pipeline = new StagePipeline([
            stage('detect', true, detectDelays, log),
            stage('track', false, trackDelays, log),
          ]);
          const batches = [0, 1, 2, 3].map((k) => [emptyResult(rig(2 * k)), emptyResult(rig(2 * k + 1))]);
          // Two in flight at a time, as the graph's mergeMap does.
          const done = await Promise.all([
            pipeline.run(batches[0] as RigResult[]).then(() => pipeline.run(batches[2] as RigResult[])),
            pipeline.run(batches[1] as RigResult[]).then(() => pipeline.run(batches[3] as RigResult[])),
          ]);
          expect(done.length).toBe(2);
          const track = log.filter((l) => l.startsWith('track'));
          expect(track).toEqual([
            'track>0',
            'track<0',
            'track>2',
            'track<2',
            'track>4',
            'track<4',
            'track>6',
            'track<6',
          ]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('lets a concurrent stage take the next batch before the previous one has left it', async () => {
    const log: string[] = [];
    const pipeline = new StagePipeline([stage('detect', true, [20, 0], log)]);
    const a = pipeline.run([emptyResult(rig(0))]);
    const b = pipeline.run([emptyResult(rig(1))]);
    await Promise.all([a, b]);
    expect(log).toEqual(['detect>0', 'detect>1', 'detect<1', 'detect<0']);
  });

  it('fails a batch whose stage drops results, and lets the next batch through the stage', async () => {
    let calls = 0;
    const lossy: Stage = {
      name: 'lossy',
      process: async (batch) => (calls++ === 0 ? batch.slice(1) : batch),
    };
    const pipeline = new StagePipeline([lossy]);
    const first = pipeline.run([emptyResult(rig(0)), emptyResult(rig(1))]);
    const second = pipeline.run([emptyResult(rig(2))]);
    await expect(first).rejects.toThrow('stage lossy returned 1 results for a batch of 2');
    expect(seqs(await second)).toEqual([2]);
  });

  it('settles once every submitted batch has left the stages, a failed one included', async () => {
    const log: string[] = [];
    let calls = 0;
    const flaky: Stage = {
      name: 'flaky',
      concurrent: true,
      async process(batch) {
        if (calls++ === 0) throw new Error('boom');
        await tick(20);
        log.push('slow batch done');
        return batch;
      },
    };
    const pipeline = new StagePipeline([flaky]);
    const failed = pipeline.run([emptyResult(rig(0))]);
    void pipeline.run([emptyResult(rig(1))]);
    await expect(failed).rejects.toThrow('boom');
    expect(log).toEqual([]);
    await pipeline.settled();
    expect(log).toEqual(['slow batch done']);
  });
});
