/**
 * Puts camera frames back in stamp order before they are aligned into rig frames. A recording is read in log-time
 * order, and on a real rig log time is when a frame was received, not when it was captured: a camera received
 * later than the others by more than a frame period would reach the aligner after the rig frame of its stamp had
 * closed, and split every rig frame in two. So what the graph does with each message (a frame to align, an input
 * to pass through) waits here until the log time has moved `lagNs` past the message's own log time, and leaves in
 * (key, arrival) order: a frame's key is its stamp (its log time if the stamp is later: a camera clock ahead is no
 * reason to wait), anything else's its log time. A recording whose log time is its stamps (the simulator's) leaves
 * in the order it came, only later, so its output is the same. Pure and synchronous; holds about `lagNs` of log
 * time (at most twice that).
 */
import type { TimeNs } from '../contracts/time.ts';

interface Held<T> {
  item: T;
  key: TimeNs;
  logNs: TimeNs;
}

export class LagBuffer<T> {
  private readonly held: Held<T>[] = [];

  constructor(private readonly lagNs: TimeNs) {}

  /** Hold `item`, read at log time `logNs`, to leave in `key` order (ties in arrival order). */
  push(item: T, key: TimeNs, logNs: TimeNs): void {
    // Mostly in order already: search from the end.
    let i = this.held.length;
    while (i > 0 && this.held[i - 1]!.key > key) i--;
    this.held.splice(i, 0, { item, key, logNs });
  }

  /**
   * What may leave at log time `logNs`: from the front, while the front has waited `lagNs` (an item that has not
   * waited long enough holds back the ones after it, so the order holds).
   */
  release(logNs: TimeNs): T[] {
    let n = 0;
    while (n < this.held.length && this.held[n]!.logNs + this.lagNs <= logNs) n++;
    return this.held.splice(0, n).map((h) => h.item);
  }

  /** Everything still held, in order (end of the recording, or a stop). */
  flush(): T[] {
    return this.held.splice(0).map((h) => h.item);
  }
}
