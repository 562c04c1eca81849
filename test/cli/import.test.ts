import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeShared, shared } from '../shared.ts';
import { viper, viperInProcess } from '../testing/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-import-'));

describeShared('import + inspect of a real image sequence (../shared/data/vtest)', () => {
  it('gives 200 frames over 19.9 s with a calibration', async () => {
    const out = join(dir, 'vtest.mcap');
    const imp = viper(['import', shared('data/vtest'), '-o', out, '--rate', '10', '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ frames: 200, width: 768, height: 576, format: 'jpeg' });
    const text = await viperInProcess(['inspect', out]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/200 frames/);
    expect(text.stdout).toMatch(/over 19\.90 s/);
    // JPEG chunks do not shrink, so the writer stores them as they are: said in words, not as 'none'.
    expect(text.stdout).toMatch(/chunks: uncompressed\n/);
    const r = JSON.parse((await viperInProcess(['inspect', out, '--json'])).stdout);
    expect(r.durationS).toBeCloseTo(19.9, 6);
    expect(r.cameras).toHaveLength(1);
    expect(r.cameras[0]).toMatchObject({ cameraId: 'cam0', frames: 200, encoding: 'jpeg' });
    expect(r.cameras[0].rateHz).toBeCloseTo(10, 6);
    expect(r.cameras[0].calibration).toMatchObject({ width: 768, height: 576 });
  });

  it('shows a progress bar, which --no-progress turns off', () => {
    const bar = viper(['import', shared('data/vtest'), '-o', join(dir, 'bar.mcap')]);
    expect(bar.stderr).toMatch(/import .*200\/200 frames/);
    const quiet = viper(['import', shared('data/vtest'), '-o', join(dir, 'quiet.mcap'), '--no-progress']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/imported 200 jpeg frames/);
  });
});

it('refuses a folder with no images, and mixed sizes, with one line each', async () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'notes.txt'), 'x');
  const r = await viperInProcess(['import', empty, '-o', join(dir, 'x.mcap')]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/no \.jpg/);
});
