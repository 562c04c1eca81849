/** The fingerprint of a recording's images that results-only files carry (src/contracts/imagesFingerprint.ts). */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FINGERPRINT_IMAGES,
  fingerprintJson,
  fingerprintTopics,
  ImagesFingerprint,
  parseFingerprint,
} from '../../src/contracts/imagesFingerprint.ts';

interface Msg {
  topic: string;
  t: bigint;
  data: Uint8Array;
}

/** Every message offered, as replay offers what it leaves out. */
const of = async (msgs: Msg[]) => {
  const fp = new ImagesFingerprint();
  for (const m of msgs) await fp.add(m.topic, m.t, m.data);
  return fp.digests();
};

/** As `view --images` and the viewer read a recording (`fingerprintTopics`): per topic in log-time order. */
const read = (msgs: Msg[]) =>
  fingerprintTopics([...new Set(msgs.map((m) => m.topic))], async function* (topic) {
    const inOrder = msgs
      .filter((m) => m.topic === topic)
      .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    for (const m of inOrder) yield { logTimeNs: m.t, data: m.data };
  });

const msg = fc.record({
  topic: fc.constantFrom('/a/image', '/b/image', '/c/image'),
  t: fc.bigInt({ min: 0n, max: 8n }),
  data: fc.uint8Array({ minLength: 0, maxLength: 4 }),
});

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('ImagesFingerprint', () => {
  it('is, per topic, the SHA-256 of its earliest images’ time, length and SHA-256 (a closed form)', async () => {
    const d = (s: string) => new TextEncoder().encode(s);
    const msgs: Msg[] = [
      { topic: '/b/image', t: 5n, data: d('B5') },
      { topic: '/a/image', t: 2n, data: d('A2') },
      ...[9n, 3n, 7n, 1n, 4n].map((t) => ({ topic: '/a/image', t, data: d(`A${t}`) })),
    ];
    // /a keeps its four earliest (1, 2, 3, 4), /b its one.
    const hex = (topic: string, ts: bigint[], p: string) =>
      sha(ts.map((t) => `${topic}\0${t}\0${`${p}${t}`.length}\0${sha(`${p}${t}`)}\n`).join('')).slice(0, 32);
    expect(FINGERPRINT_IMAGES).toBe(4);
    expect(await of(msgs)).toEqual({
      '/a/image': hex('/a/image', [1n, 2n, 3n, 4n], 'A'),
      '/b/image': hex('/b/image', [5n], 'B'),
    });
  });

  it('does not depend on the order the images are offered in', async () => {
    const permuted = fc
      .array(msg, { maxLength: 30 })
      .chain((msgs) =>
        fc.tuple(
          fc.constant(msgs),
          fc.shuffledSubarray(msgs, { minLength: msgs.length, maxLength: msgs.length }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(permuted, async ([msgs, shuffled]) => {
        expect(await of(shuffled)).toEqual(await of(msgs));
      }),
      { numRuns: 200 },
    );
  });

  it('a reader that stops as `done` says gets what seeing every image gives, ties at the last kept time too', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(msg, { maxLength: 30 }), async (msgs) => {
        expect(await read(msgs)).toEqual(await of(msgs));
      }),
      { numRuns: 300 },
    );
    // The case a review found: two images at the fourth log time, the second with other bytes (and the smaller
    // digest, so it is the one kept: a reader stopping after four messages kept the first).
    const tie = [1n, 2n, 3n, 4n, 4n, 5n].map((t, i) => ({
      topic: '/a/image',
      t,
      data: new Uint8Array([i === 4 ? 9 : 0]),
    }));
    expect(await read(tie)).toEqual(await of(tie));
  });

  it('changes with any byte, time or topic of a kept image, and not with a later image', async () => {
    const base: Msg[] = [0n, 1n, 2n, 3n].map((t) => ({
      topic: '/a/image',
      t,
      data: new Uint8Array([1, 2, 3]),
    }));
    const a = async (msgs: Msg[]) => (await of(msgs))['/a/image'];
    const ref = await a(base);
    expect(await a([...base, { topic: '/a/image', t: 9n, data: new Uint8Array([9]) }])).toBe(ref);
    expect(await a(base.map((m, i) => (i === 2 ? { ...m, data: new Uint8Array([1, 2, 4]) } : m)))).not.toBe(
      ref,
    );
    expect(await a(base.map((m, i) => (i === 2 ? { ...m, t: 5n } : m)))).not.toBe(ref);
    expect(await a(base.map((m, i) => (i === 2 ? { ...m, topic: '/b/image' } : m)))).not.toBe(ref);
    // Another topic's images leave this topic's digest as it was: a recording of some cameras pairs too.
    expect(await a([...base, { topic: '/b/image', t: 0n, data: new Uint8Array([7]) }])).toBe(ref);
  });

  it('hashes an image when offered: a reader reusing its buffer does not change what was kept', async () => {
    const buf = new Uint8Array([1, 2, 3]);
    const fp = new ImagesFingerprint();
    await fp.add('/a/image', 0n, buf);
    const before = await fp.digests();
    buf[0] = 9;
    expect(await fp.digests()).toEqual(before);
  });

  it('is written as JSON (none without images) and read back; anything else reads as none', async () => {
    expect(await of([])).toEqual({});
    expect(await fingerprintJson(new ImagesFingerprint())).toBeUndefined();
    const fp = new ImagesFingerprint();
    await fp.add('/a/image', 1n, new Uint8Array([1]));
    const json = (await fingerprintJson(fp))!;
    expect(parseFingerprint(json)).toEqual(await fp.digests());
    for (const bad of [undefined, 'not json', '"x"', '[1]', '{"a":1}', 'null'])
      expect(parseFingerprint(bad)).toBeUndefined();
  });
});
