import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logTimeArg } from '../../src/cli/args.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { formatNsExact, MAX_LOG_TIME_NS } from '../../src/contracts/time.ts';

describe('logTimeArg', () => {
  it('reads every 64-bit log time written as decimal seconds back to the nanosecond', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_LOG_TIME_NS }), (ns) => {
        expect(logTimeArg('--start', formatNsExact(ns))).toBe(ns);
      }),
    );
  });

  it('takes other number forms through Number, and refuses what is not a log time', () => {
    expect(logTimeArg('--start', '1.5e9')).toBe(1_500_000_000_000_000_000n);
    expect(logTimeArg('--start', '12.')).toBe(12_000_000_000n);
    expect(logTimeArg('--start', '0.1000000000')).toBe(100_000_000n); // trailing zeros are not precision
    for (const bad of ['-1', '', 'abc', '1.0000000001', '18446744073.709551616', '1e20'])
      expect(() => logTimeArg('--start', bad), bad).toThrow(ConfigError);
  });
});
