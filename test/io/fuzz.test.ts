/**
 * Seeded corruption fuzz: truncate / flip / overwrite bytes at seeded offsets of small generated recordings
 * (zstd, lz4, uncompressed). Every outcome must be either a correct read or a RecordingError — never another
 * exception, a hang, an unhandled rejection or silently wrong data — and recover mode must salvage an intact prefix.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import type { Flat } from './helpers.ts';
import { readAll, rng, tempDir, writeSample } from './helpers.ts';

const CASES = 240;
/** Fixed seed for CI; set VIPER_FUZZ_SEED to explore others. */
const SEED = Number(process.env.VIPER_FUZZ_SEED ?? 20261129);
const dir = tempDir('fuzz');
const originals: { bytes: Buffer; messages: Flat[] }[] = [];
let unhandled = 0;
const onUnhandled = () => {
  unhandled++;
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  for (const compression of ['zstd', 'lz4', 'none'] as const) {
    const p = join(dir, `orig-${compression}.mcap`);
    await writeSample(p, { compression, frames: 10, imageBytes: 300, chunkSize: 1500 });
    originals.push({ bytes: readFileSync(p), messages: (await readAll(p)).messages });
  }
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

function corrupt(src: Buffer, next: () => number): { bytes: Uint8Array; what: string } {
  const op = Math.floor(next() * 3);
  const at = Math.floor(next() * src.length);
  if (op === 0) return { bytes: src.subarray(0, at), what: `truncate@${at}` };
  const bytes = Uint8Array.from(src);
  if (op === 1) {
    bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(next() * 8));
    return { bytes, what: `flip@${at}` };
  }
  const n = 1 + Math.floor(next() * 16);
  for (let i = at; i < Math.min(bytes.length, at + n); i++) bytes[i] = Math.floor(next() * 256);
  return { bytes, what: `overwrite${n}@${at}` };
}

function key(m: Flat): string {
  return `${m.topic}|${m.logTimeNs}|${m.sequence}|${Buffer.from(m.data).toString('base64')}`;
}

describe('corruption fuzz', () => {
  it(`${CASES} seeded corruptions: RecordingError or correct data, never anything else`, async () => {
    const next = rng(SEED);
    const outcomes = { ok: 0, refused: 0, recovered: 0 };
    for (let i = 0; i < CASES; i++) {
      const orig = originals[i % originals.length] as (typeof originals)[number];
      const { bytes, what } = corrupt(orig.bytes, next);
      const p = join(dir, `case-${i}.mcap`);
      writeFileSync(p, bytes);
      const all = orig.messages.map(key);

      // Plain read: the whole, exact message sequence, or a RecordingError.
      try {
        const { messages } = await readAll(p);
        expect(messages.map(key), what).toEqual(all);
        outcomes.ok++;
      } catch (err) {
        if (!(err instanceof RecordingError)) throw new Error(`${what}: ${String(err)}`, { cause: err });
        expect((err as Error).message, what).not.toContain('\n');
        outcomes.refused++;
      }

      // Recover mode: an in-order subset of the original.
      try {
        const { messages, reader } = await readAll(p, { recover: true });
        const got = messages.map(key);
        let j = 0;
        for (const k of got) {
          while (j < all.length && all[j] !== k) j++;
          expect(j, `${what}: recovered a message not in the original order`).toBeLessThan(all.length);
          j++;
        }
        const rep = reader.recovery();
        // No holes before the last stamp, but for the log-time ranges of chunks skipped as damaged (a CRC-checked
        // index lets recovery read past one): every message outside them up to the last one read is there.
        const last = messages.at(-1)?.logTimeNs ?? -1n;
        const inGap = (t: bigint) => (rep.gaps ?? []).some((g) => t >= g.startNs && t <= g.endNs);
        const have = new Set(got);
        const missing = orig.messages.filter(
          (m) => m.logTimeNs < last && !inGap(m.logTimeNs) && !have.has(key(m)),
        );
        expect(missing.length, what).toBe(0);
        expect(rep.gaps === undefined || /damaged chunks? skipped/.test(rep.reason ?? ''), what).toBe(true);
        expect(rep.messagesRead, what).toBe(messages.length);
        if (rep.damaged) {
          expect(rep.reason, what).toBeTruthy();
          // A cut exactly between records leaves nothing unreadable behind: 0 bytes skipped.
          if (!/without a footer/.test(rep.reason ?? '')) expect(rep.bytesLost, what).toBeGreaterThan(0);
          outcomes.recovered++;
        } else {
          expect(got, what).toEqual(all);
        }
      } catch (err) {
        // Only files that are not MCAP at all (magic destroyed, emptied) may still be refused.
        if (!(err instanceof RecordingError))
          throw new Error(`${what} (recover): ${String(err)}`, { cause: err });
        expect((err as Error).message, what).toMatch(/not an MCAP file|empty file/);
      }
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(unhandled).toBe(0);
    // The seeds must exercise every path, not only the harmless ones.
    expect(outcomes.refused).toBeGreaterThan(CASES / 4);
    expect(outcomes.recovered).toBeGreaterThan(CASES / 4);
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});
