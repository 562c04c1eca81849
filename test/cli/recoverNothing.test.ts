/**
 * `replay --recover` of a file whose channels survive the damage but none of its messages: nothing was replayed,
 * so it is bad input (exit 2, one line), not a success with an empty copy; the copy written is still finalized.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { viper } from '../testing/cli.ts';
import { flatCopy, writeRigRecording } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-recover-nothing-'));

it('a file whose damage leaves channels and no message exits 2, its copy finalized', async () => {
  const good = join(dir, 'good.mcap');
  await writeRigRecording(good, { frames: 4, width: 96, height: 64 });
  const flat = await flatCopy(good, join(dir, 'flat.mcap'));
  // The first cut that leaves a channel and no message.
  const cutFile = join(dir, 'cut.mcap');
  let found = false;
  for (let n = 50; n < flat.length && !found; n += 25) {
    writeFileSync(cutFile, flat.subarray(0, n));
    const r = await RecordingReader.open(cutFile, { recover: true });
    let messages = 0;
    for await (const _ of r.messages()) messages++;
    found = r.channels().length > 0 && messages === 0;
    await r.close();
  }
  expect(found).toBe(true);
  const out = join(dir, 'out.mcap');
  const r = viper(['replay', cutFile, '-o', out, '--recover', '--detector', 'none', '--no-progress']);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(
      /^error: recording: nothing intact to replay before the damage \(.*\) \(.*cut\.mcap\) — the damage starts before the first message, so nothing in this file can be recovered: copy it again from its source; what was written is in .*out\.mcap, finalized and marked failed$/,
    ),
  ]);
  const copy = await RecordingReader.open(out);
  expect(copy.summary().indexed).toBe(true);
  // Marked failed, as every failed replay's results are (it had read as a whole, empty run).
  const meta = (await copy.metadata()).find((m) => m.name === 'viper')?.metadata;
  expect(meta).toMatchObject({
    interrupted: 'true',
    failed: expect.stringMatching(/^recording: nothing intact to replay/),
  });
  await copy.close();
});
