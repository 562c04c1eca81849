/** Playback pacing for `replay --speed` (watching a replay live): display only, never in the output. */
import type { RecordedMessage } from '../io/types.ts';
import type { PullControl } from './pullSource.ts';

/**
 * Waits so that log time advances at `speed` × wall time (display pacing only; wall time never enters the output).
 * A long wait (a gap in the log, a very low speed) is slept in slices, so Ctrl-C (`control.stopped`) ends it and
 * no timer exceeds what setTimeout can hold (2³¹ − 1 ms; beyond it Node fires after 1 ms).
 */
export function createPacer(speed: number, control: PullControl): (m: RecordedMessage) => Promise<void> {
  let first: { logNs: bigint; wallMs: number } | undefined;
  return async (m) => {
    if (!first) {
      first = { logNs: m.logTimeNs, wallMs: performance.now() };
      return;
    }
    const dueMs = first.wallMs + Number(m.logTimeNs - first.logNs) / 1e6 / speed;
    for (let now = performance.now(); dueMs > now && !control.stopped; now = performance.now()) {
      await new Promise((r) => setTimeout(r, Math.min(dueMs - now, PACE_SLICE_MS)));
    }
  };
}

const PACE_SLICE_MS = 250;
