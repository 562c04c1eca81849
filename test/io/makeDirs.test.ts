/** makeDirs: mkdir -p that refuses, on one line, what Node's recursive mkdir loops on or reports obscurely. */
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/io/makeDirs.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-makedirs-'));

describe('makeDirs', () => {
  it('creates a folder and its missing parents, and accepts one that exists', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await makeDirs(deep);
  });

  it('names a file in the way', async () => {
    const file = join(dir, 'f.mcap');
    writeFileSync(file, 'x');
    await expect(makeDirs(join(file, 'plots'), '--out')).rejects.toThrow(/f\.mcap is a file.*\(--out\)/);
  });

  it.skipIf(!existsSync('/proc/self'))(
    'fails under /proc instead of looping (Node recursive mkdir spins there)',
    async () => {
      await expect(makeDirs('/proc/viper-x/y', '-o')).rejects.toThrow(
        /cannot create the folder \/proc\/viper-x\/y \(ENOENT\)/,
      );
    },
  );
});
