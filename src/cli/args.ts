/**
 * Number options, parsed alike by every command: a value outside its range is one line naming the option and the
 * value (exit 2), never NaN passed on. Used as commander argument parsers or on the parsed strings.
 */
import { ConfigError } from '../contracts/errors.ts';
import { MAX_LOG_TIME_NS, MAX_LOG_TIME_S, secToNs, type TimeNs } from '../contracts/time.ts';

/**
 * A whole number from `min` (1 unless given) up to `max`: the upper bounds keep memory bounded (a batch or queue of
 * a billion frames, a lag of a day) and are far above any use (`--help` has the defaults).
 */
export function intArg(flag: string, v: string, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    const what = min === 1 ? 'a positive integer' : `a whole number ≥ ${min}`;
    throw new ConfigError({ what: `${flag} must be ${what}, got '${v}'`, where: flag });
  }
  if (n > max) throw new ConfigError({ what: `${flag} ${n} is more than ${max}`, where: flag });
  return n;
}

interface NumberRange {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
}

/** A finite number within `range`. */
export function numberArg(flag: string, v: string, range: NumberRange = {}): number {
  const x = Number(v);
  const { min, max, above } = range;
  const ok =
    v.trim() !== '' &&
    Number.isFinite(x) &&
    (min === undefined || x >= min) &&
    (max === undefined || x <= max) &&
    (above === undefined || x > above);
  if (!ok) throw new ConfigError({ what: `${flag} must be ${describe(range)}, got '${v}'`, where: flag });
  return x;
}

/**
 * A log time in seconds since 1970, to the nanosecond: a plain decimal ('1732900000.123456789') is read digit by
 * digit, since a float keeps only ~16 significant digits (its last ~20 ns would be rounded at today's epochs);
 * other number forms ('1.7e9') go through Number. Refuses negative times and sub-nanosecond digits.
 */
export function logTimeArg(flag: string, v: string): TimeNs {
  const m = /^\s*(\d+)(?:\.(\d*))?\s*$/.exec(v);
  if (m) {
    const frac = (m[2] ?? '').replace(/0+$/, '');
    if (frac.length > 9)
      throw new ConfigError({
        what: `${flag} ${v.trim()}: log times are whole nanoseconds (9 decimals at most)`,
        where: flag,
      });
    const ns = BigInt(m[1]!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
    if (ns > MAX_LOG_TIME_NS)
      throw new ConfigError({
        what: `${flag} ${v.trim()} is past the last log time MCAP can hold (${MAX_LOG_TIME_S} s)`,
        where: flag,
      });
    return ns;
  }
  return secToNs(numberArg(flag, v, { min: 0, max: MAX_LOG_TIME_S }));
}

/** A number in [0, 1] (a threshold, a fraction). */
export function unitArg(flag: string, v: string): number {
  return numberArg(flag, v, { min: 0, max: 1 });
}

/**
 * A /tf frame name as ROS writes them (`map`, `base_footprint`): tf2 strips one leading slash and refuses
 * whitespace, so `/map` is `map` and an empty or spaced name is refused here rather than never found.
 */
export function frameArg(flag: string, v: string): string {
  const name = v.startsWith('/') ? v.slice(1) : v;
  if (name === '' || /\s/.test(name))
    throw new ConfigError({
      what: `${flag} '${v}' is not a frame name`,
      where: flag,
      hint: "name a frame of the recording's /tf, e.g. map",
    });
  return name;
}

function describe({ min, max, above }: NumberRange): string {
  if (min !== undefined && max !== undefined) return `a number in [${min}, ${max}]`;
  if (above !== undefined && max !== undefined) return `a number in (${above}, ${max}]`;
  if (above !== undefined) return `a number > ${above}`;
  if (min !== undefined) return `a number ≥ ${min}`;
  if (max !== undefined) return `a number ≤ ${max}`;
  return 'a number';
}
