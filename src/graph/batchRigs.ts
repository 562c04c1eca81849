/**
 * `batchRigs`: groups rig frames into batches for the stages. A batch closes on count (`maxBatch`) or when the
 * next rig frame lies outside the log-time window opened by the batch's first frame, never on wall time, so
 * batch boundaries depend only on the input. Stages must give the same outputs whatever the boundaries.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { TimeNs } from '../contracts/time.ts';

interface BatchOptions {
  /** Most rig frames in one batch (≥ 1). */
  maxBatch: number;
  /** Log-time window: a batch never spans more than this from its first frame. */
  windowNs: TimeNs;
}

export function batchRigs<T>(opts: BatchOptions, stampOf: (item: T) => TimeNs): OperatorFunction<T, T[]> {
  const maxBatch = Math.max(1, Math.floor(opts.maxBatch));
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let t0: TimeNs = 0n;
      const emit = () => {
        if (batch.length === 0) return;
        const out = batch;
        batch = [];
        subscriber.next(out);
      };
      return source.subscribe({
        next(item) {
          const t = stampOf(item);
          if (batch.length > 0 && t - t0 > opts.windowNs) emit();
          if (batch.length === 0) t0 = t;
          batch.push(item);
          if (batch.length >= maxBatch) emit();
        },
        error: (err) => subscriber.error(err),
        complete() {
          emit();
          subscriber.complete();
        },
      });
    });
}
