import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batchRigs } from '../../src/graph/batchRigs.ts';

const s = 1_000_000_000n;

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('batchRigs', () => {
  it('closes on count and at completion, whatever the timing of arrivals', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('a 9ms b c d e |', { a: 0n, b: 1n, c: 2n, d: 3n, e: 4n });
      const out = src.pipe(batchRigs({ maxBatch: 3, windowNs: 100n * s }, (t) => t));
      expectObservable(out).toBe('11ms x 2ms (y|)', { x: [0n, 1n, 2n], y: [3n, 4n] });
      expectSubscriptions(src.subscriptions).toBe('^ 13ms !');
    });
  });

  it('closes when the next item lies beyond the log-time window', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a b c |', { a: 0n, b: s / 2n, c: 2n * s });
      const out = src.pipe(batchRigs({ maxBatch: 10, windowNs: s }, (t) => t));
      expectObservable(out).toBe('--x(y|)', { x: [0n, s / 2n], y: [2n * s] });
    });
  });

  it('treats maxBatch < 1 as 1', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('a b|', { a: 1n, b: 2n }).pipe(batchRigs({ maxBatch: 0, windowNs: s }, (t) => t));
      expectObservable(out).toBe('x y|', { x: [1n], y: [2n] });
    });
  });
});
