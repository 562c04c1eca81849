/**
 * A damaged recording through the CLI: each command that refuses it says how to read its intact part (replay and
 * inspect `--recover`, eval `--recover`), and following that hint works, down to a file with nothing intact. Split
 * from test/cli/badInput.test.ts; in-process (`viperInProcess`).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { expectInputRefused as expectOneLineExit2, viperInProcess } from '../testing/cli.ts';
import { copyRecording, viperMetadata, writeRigRecording } from '../testing/recordings.ts';
import { simulateSmall } from '../testing/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-damaged-'));
const good = join(dir, 'good.mcap');
let bytes: Buffer;

beforeAll(async () => {
  await writeRigRecording(good, { frames: 12, width: 96, height: 64 });
  bytes = readFileSync(good);
});

/** A copy of the good recording, changed by `mutate`. */
function variant(name: string, mutate: (b: Buffer) => Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, mutate(Buffer.from(bytes)));
  return p;
}

describe('a damaged file: each command names its own way to read the intact part', () => {
  const apiWording = /open option|recover: true/;

  it('replay and inspect: rerun with --recover', async () => {
    const p = variant('trunc-hint.mcap', (b) => b.subarray(0, Math.floor(b.length * 0.6)));
    const replayed = await expectOneLineExit2(['replay', p, '-o', join(dir, 'o-hint.mcap')], /cut short/);
    expect(replayed).toMatch(/rerun with --recover to replay the intact messages/);
    expect(replayed).not.toMatch(apiWording);
    const inspected = await expectOneLineExit2(['inspect', p], /rerun with --recover to read/);
    expect(inspected).not.toMatch(apiWording);
    expect((await viperInProcess(['inspect', p, '--recover'])).code).toBe(0);
  });

  it('inspect --recover of a file with no intact message fails with one line, not an empty report', async () => {
    const p = variant('trunc-head.mcap', (b) => b.subarray(0, 300));
    const line = await expectOneLineExit2(
      ['inspect', p, '--recover'],
      /no intact message to recover: truncated/,
    );
    expect(line).toMatch(/trunc-head\.mcap/);
  });

  it('inspect --recover of an indexed file with a damaged last chunk: span and rates of what was read', async () => {
    // Three uncompressed 4 MiB chunks; a byte of the last one's data flipped (its CRC then fails).
    const big = join(dir, 'chunks.mcap');
    await writeRigRecording(big, { frames: 100, padBytes: 60_000, compression: 'none' });
    const b = readFileSync(big);
    let off = 8;
    const chunks: number[] = [];
    while (b[off] !== 0x0f && off < b.length) {
      if (b[off] === 0x06) chunks.push(off);
      off += 1 + 8 + Number(b.readBigUInt64LE(off + 1));
    }
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    const damaged = join(dir, 'chunks-damaged.mcap');
    const at = chunks.at(-1)! + 200;
    b[at] = b[at]! ^ 0xff;
    writeFileSync(damaged, b);
    const whole = JSON.parse((await viperInProcess(['inspect', big, '--json'])).stdout);
    const part = JSON.parse((await viperInProcess(['inspect', damaged, '--recover', '--json'])).stdout);
    expect(part.recovery.damaged).toBe(true);
    // What recovery skipped is kept across the reads inspect makes after it (each camera's first frame).
    expect(part.recovery.reason).toMatch(/; 1 damaged chunk skipped, the chunks after read$/);
    expect(part.recovery.bytesLost).toBeLessThan(5 * 2 ** 20);
    expect(part.durationS).toBeLessThan(whole.durationS);
    // Counts are of what was read, not what the index says the lost chunk held.
    expect(part.messageCount).toBeLessThan(whole.messageCount);
    expect(part.topics.reduce((n: number, t: { count: number }) => n + t.count, 0)).toBe(part.messageCount);
    // The summary's 9.9 s over the frames recovered read about a third of the camera's 10 Hz.
    expect(part.cameras[0].rateHz).toBeCloseTo(whole.cameras[0].rateHz, 6);
  }, 60_000);

  it('eval: rerun with --recover, which scores the intact part and says what was lost', async () => {
    const rec = join(dir, 'sim.mcap');
    await simulateSmall('pedestrian_crossing', rec, { duration: 3.5, width: 160, height: 90 });
    const results = join(dir, 'sim.results.mcap');
    const r0 = await viperInProcess(['replay', rec, '-o', results, '--detector', 'oracle', '--no-progress']);
    expect(r0.code, r0.stderr).toBe(0);
    const small = join(dir, 'sim.results.small.mcap');
    // Small chunks: cutting the file short leaves whole chunks to recover.
    await copyRecording(results, small, 32 * 1024);
    const whole = readFileSync(small);
    const cut = join(dir, 'sim.results.cut.mcap');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    // The oracle reads its ground truth through the same recovery (it refused the damaged file before).
    const simCut = join(dir, 'sim.cut.mcap');
    const simSmall = join(dir, 'sim.small.mcap');
    await copyRecording(rec, simSmall, 32 * 1024);
    const simWhole = readFileSync(simSmall);
    writeFileSync(simCut, simWhole.subarray(0, Math.floor(simWhole.length * 0.6)));
    const rOracle = await viperInProcess([
      'replay',
      simCut,
      '-o',
      join(dir, 'sim.cut.results.mcap'),
      '--detector',
      'oracle',
      '--recover',
      '--json',
    ]);
    expect(rOracle.code, rOracle.stderr).toBe(0);
    expect(JSON.parse(rOracle.stdout).stages['detect-oracle'].frames).toBeGreaterThan(0);
    const line = await expectOneLineExit2(['eval', cut], /rerun with --recover to score the intact messages/);
    expect(line).not.toMatch(apiWording);
    // Following the hint works (eval had no --recover: "unknown option").
    for (const args of [
      ['eval', cut, '--recover', '--json'],
      ['eval', cut, '--gt', rec, '--recover', '--json'],
    ]) {
      const r = await viperInProcess(args);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.tracking.overall.HOTA.HOTA).toBeGreaterThan(0);
      expect(report.notes.join('\n')).toMatch(/sim\.results\.cut\.mcap is damaged .* bytes lost/);
      expect(report.notes.join('\n')).toMatch(/scored \d+ stamps/);
    }
    // Cut before any result: the damage is named, not a missing topic or a missing replay.
    const early = join(dir, 'sim.results.early.mcap');
    writeFileSync(early, whole.subarray(0, 3000));
    await expectOneLineExit2(['eval', early, '--recover'], /nothing intact to score before the damage/);
    // An intact file is scored as before: no notes about damage.
    const r = await viperInProcess(['eval', small, '--recover', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).notes.join('\n')).not.toMatch(/damaged/);
  });
});

describe('recover', () => {
  it('a file with nothing intact before the damage says so, not that it has no cameras', async () => {
    const p = variant('trunc-early.mcap', (b) => b.subarray(0, 200));
    for (const detector of ['oracle', 'none']) {
      const out = join(dir, `early-${detector}.mcap`);
      const line = await expectOneLineExit2(
        ['replay', p, '-o', out, '--recover', '--detector', detector],
        /^error: recording: nothing intact to replay before the damage \(truncated: .*\) \(.*trunc-early\.mcap\) — .*nothing in this file can be recovered/,
      );
      expect(line).not.toMatch(/no camera images/);
      expect(existsSync(out)).toBe(false);
    }
  });
  it('replays the intact part of a truncated file and says how much was lost', async () => {
    const p = variant('trunc-recover.mcap', (b) => b.subarray(0, Math.floor(b.length * 0.6)));
    const out = join(dir, 'recovered.mcap');
    const r = await viperInProcess([
      'replay',
      p,
      '-o',
      out,
      '--recover',
      '--detector',
      'none',
      '--json',
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.recovery.damaged).toBe(true);
    expect(s.recovery.bytesLost).toBeGreaterThan(0);
    expect(s.messagesRead).toBeGreaterThan(0);
    const reader = await RecordingReader.open(out);
    expect(reader.summary().messageCount).toBe(s.messagesWritten);
    await reader.close();
  });
});

describe('a replay that meets damage halfway', () => {
  it('says where its results so far are, finalized and marked so that whole-run commands refuse them', async () => {
    // Uncompressed 4 MiB chunks; the last one's data damaged, so the replay fails after writing results.
    const rec = join(dir, 'late-damage.mcap');
    await writeRigRecording(rec, { frames: 100, padBytes: 60_000, compression: 'none' });
    const b = readFileSync(rec);
    let off = 8;
    let last = 0;
    while (b[off] !== 0x0f && off < b.length) {
      if (b[off] === 0x06) last = off;
      off += 1 + 8 + Number(b.readBigUInt64LE(off + 1));
    }
    b[last + 200] = b[last + 200]! ^ 0xff;
    writeFileSync(rec, b);
    const out = join(dir, 'late-damage.results.mcap');
    writeFileSync(out, 'an earlier run');
    const line = await expectOneLineExit2(['replay', rec, '-o', out, '--no-progress'], /chunk CRC mismatch/);
    expect(line).toMatch(
      /rerun with --recover to replay the intact messages before the damage; what was written is in .*late-damage\.results\.mcap, finalized and marked failed$/,
    );
    const reader = await RecordingReader.open(out);
    expect(reader.summary().messageCount).toBeGreaterThan(0);
    await reader.close();
    const meta = await viperMetadata(out);
    expect(meta.interrupted).toBe('true');
    expect(meta.failed).toMatch(/^recording: chunk CRC mismatch .* \(.*late-damage\.mcap\)$/);
    await expectOneLineExit2(
      ['compare', out, out],
      /A is a replay that failed \(recording: chunk CRC mismatch .*\): it is not a whole run of its recording/,
    );
    // Damage met before the output exists names no results.
    const early = variant('trunc-open.mcap', (x) => x.subarray(0, Math.floor(x.length * 0.6)));
    const before = await expectOneLineExit2(['replay', early, '-o', join(dir, 'none.mcap')], /cut short/);
    expect(before).not.toMatch(/what was written/);
  }, 60_000);
});
