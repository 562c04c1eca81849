import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, systemFailure } from '../../src/contracts/errors.ts';

const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e);

describe('systemFailure', () => {
  it('names a refused write in words with its code', async () => {
    expect(systemFailure(await failure(writeFile('/nonexistent-viper-dir/x', 'a')))).toBe(
      'no such file or directory (ENOENT)',
    );
  });

  it.skipIf(process.platform !== 'linux')('a full disk (/dev/full)', async () => {
    expect(systemFailure(await failure(writeFile('/dev/full', 'a')))).toBe(
      'no space left on device (ENOSPC)',
    );
  });

  it('leaves faults and Viper errors alone', () => {
    expect(systemFailure(new TypeError('x is not a function'))).toBeUndefined();
    expect(systemFailure(Object.assign(new Error('bad'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeUndefined();
    expect(systemFailure(new ConfigError({ what: 'x' }))).toBeUndefined();
    expect(systemFailure(undefined)).toBeUndefined();
  });
});
