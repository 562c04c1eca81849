/**
 * Time inside Viper is log time as `bigint` nanoseconds (`tNs`). Foxglove's `{ sec, nsec }` only appears at the
 * edges (encoders/decoders). Nothing in Viper's logic reads the wall clock.
 */
export type TimeNs = bigint;

export const NS_PER_S = 1_000_000_000n;

export interface FoxgloveTime {
  sec: number;
  nsec: number;
}

export function toFoxgloveTime(tNs: TimeNs): FoxgloveTime {
  return { sec: Number(tNs / NS_PER_S), nsec: Number(tNs % NS_PER_S) };
}

/** The last whole second an MCAP log time (unsigned 64-bit nanoseconds) can hold: 2^64 ns ≈ year 2554. */
export const MAX_LOG_TIME_S = 18_446_744_073;
/** The last MCAP log time, ns. */
export const MAX_LOG_TIME_NS: TimeNs = 2n ** 64n - 1n;

/** Seconds (float) to nanoseconds, rounded to the nearest nanosecond. */
export function secToNs(s: number): TimeNs {
  return BigInt(Math.round(s * 1e9));
}

/** Exact decimal seconds of a log time ('1732900000.000000001'), trailing zeros dropped. */
export function formatNsExact(tNs: TimeNs): string {
  const frac = (tNs % NS_PER_S).toString().padStart(9, '0').replace(/0+$/, '');
  return `${tNs / NS_PER_S}${frac ? `.${frac}` : ''}`;
}

/** Nanoseconds to float seconds (for maths that needs dt). */
export function nsToSec(tNs: TimeNs): number {
  return Number(tNs) / 1e9;
}

/** Ascending comparator for nanosecond times, or any bigints (e.g. MCAP offsets), for `Array.prototype.sort`. */
export function compareNs(a: TimeNs, b: TimeNs): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
