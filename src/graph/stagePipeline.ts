/**
 * Batches through the stages as a pipeline rather than one batch at a time: while batch k is in the tracker,
 * batch k+1 can already be in the detector, and a `concurrent` stage (the detector) may hold both (it decodes
 * k+1's frames while k's inference runs). A stateful stage still takes its batches one at a time, in the order
 * they were submitted, so outputs do not depend on timing. How many batches are in flight at once is the
 * caller's bound (the graph's mergeMap concurrency).
 */
import type { RigResult, Stage } from '../contracts/stage.ts';

export class StagePipeline {
  /** Per stage: settles when the last batch submitted to it has left it (stateful stages only wait on it). */
  private readonly tails: Promise<unknown>[];
  /** Batches submitted and not yet through (or failed out of) the stages. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly stages: readonly Stage[]) {
    this.tails = stages.map(() => Promise.resolve());
  }

  /** Submit a batch; resolves with its results once every stage has processed it. Call in batch order. */
  run(batch: RigResult[]): Promise<RigResult[]> {
    let results: Promise<RigResult[]> = Promise.resolve(batch);
    this.stages.forEach((stage, i) => {
      const before = this.tails[i] as Promise<unknown>;
      const input = results;
      results = (stage.concurrent ? input : before.then(() => input)).then(async (r) => {
        const next = await stage.process(r);
        if (next.length !== r.length) {
          throw new Error(`stage ${stage.name} returned ${next.length} results for a batch of ${r.length}`);
        }
        return next;
      });
      // The next batch may enter a stateful stage once this one has left it, whether it succeeded or not
      // (a failure fails the whole replay anyway).
      this.tails[i] = results.catch(() => undefined);
    });
    const done = results.catch(() => undefined);
    this.inFlight.add(done);
    void done.then(() => this.inFlight.delete(done));
    return results;
  }

  /** Settles once every batch submitted so far has left the stages (succeeded or failed). */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
