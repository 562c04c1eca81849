/**
 * A pull-driven source: reads an async iterable only while the downstream has room. The source waits on a
 * `Gate` whose condition the graph owns (items queued for writing below the queue size, unless a partly filled
 * batch still needs input to close). Replay therefore reads only as fast as the graph consumes, and memory is
 * bounded by the limit and the batch size, not by the file.
 */
import { Observable } from 'rxjs';

export class Gate {
  private waiters: (() => void)[] = [];

  /** `open()` says whether the source may read one more message now. */
  constructor(private readonly open: () => boolean) {}

  /** Call whenever something that `open()` reads has changed (a write finished, a batch closed). */
  notify(): void {
    if (this.waiters.length === 0 || !this.open()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** Resolves once the downstream has room. */
  wait(): Promise<void> {
    if (this.open()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface PullControl {
  /** Set to stop reading at the next message boundary (Ctrl-C); the stream then completes normally. */
  stopped: boolean;
}

/**
 * @param pace optional wait before each item is emitted (playback speed for live viewing); it may only delay,
 *   never change what is emitted, so output stays identical at any speed.
 */
export function pullSource<T>(
  iterable: AsyncIterable<T>,
  gate: Gate,
  control: PullControl,
  pace?: (item: T) => Promise<void>,
  /** Called when `control.stopped` ended the reading before the iterable did (the input was cut short). */
  onCut?: () => void,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let cancelled = false;
    let done = false;
    const iterator = iterable[Symbol.asyncIterator]();
    (async () => {
      while (!cancelled && !control.stopped) {
        await gate.wait();
        if (cancelled || control.stopped) break;
        const r = await iterator.next();
        if (r.done) {
          done = true;
          break;
        }
        if (pace) {
          await pace(r.value);
          if (cancelled || control.stopped) break; // stopped while waiting for this one's time
        }
        subscriber.next(r.value);
      }
      if (!done && !cancelled && control.stopped) onCut?.();
      await iterator.return?.();
      subscriber.complete();
    })().catch((err: unknown) => subscriber.error(err));
    return () => {
      cancelled = true;
    };
  });
}
