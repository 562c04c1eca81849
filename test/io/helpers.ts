/** Builders for io tests: small generated recordings, temp folders, and reading everything back. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll } from 'vitest';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';
import type { OpenOptions, RecordedMessage, WriterOptions } from '../../src/io/index.ts';

/** A temp folder removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `viper-io-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Deterministic PRNG (mulberry32) for tests that need arbitrary but repeatable data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SampleOptions extends WriterOptions {
  frames?: number;
  imageBytes?: number;
}

/**
 * A small camera recording: per frame a CompressedImage on two cameras, a calibration, a FrameTransforms and a JSON
 * ground-truth message, all at the same log time (so topic tie-breaking matters), 50 ms apart.
 */
export async function writeSample(path: string, opts: SampleOptions = {}): Promise<void> {
  const frames = opts.frames ?? 40;
  const imageBytes = opts.imageBytes ?? 2000;
  const w = await RecordingWriter.create(path, opts);
  const camB = await w.addChannel('/cam_b/image', { kind: 'foxglove', name: 'CompressedImage' });
  const camA = await w.addChannel('/cam_a/image', { kind: 'foxglove', name: 'CompressedImage' });
  const cal = await w.addChannel('/cam_a/calibration', { kind: 'foxglove', name: 'CameraCalibration' });
  const tf = await w.addChannel('/tf', { kind: 'foxglove', name: 'FrameTransforms' });
  const gt = await w.addChannel('/ground_truth/objects', {
    kind: 'json',
    name: 'viper.GroundTruth',
    jsonSchema: { type: 'object' },
  });
  const next = rng(7);
  for (let i = 0; i < frames; i++) {
    const tNs = 1_700_000_000_000_000_000n + BigInt(i) * 50_000_000n;
    const timestamp = { sec: Number(tNs / 1_000_000_000n), nsec: Number(tNs % 1_000_000_000n) };
    for (const [ch, frame] of [
      [camB, 'cam_b'],
      [camA, 'cam_a'],
    ] as const) {
      const data = new Uint8Array(imageBytes);
      for (let k = 0; k < data.length; k++) data[k] = k % 7 === 0 ? Math.floor(next() * 256) : (i + k) & 0xff;
      void w.writeObject(ch, tNs, { timestamp, frame_id: frame, format: 'jpeg', data });
    }
    void w.writeObject(cal, tNs, {
      timestamp,
      frame_id: 'cam_a',
      width: 640,
      height: 480,
      distortion_model: 'plumb_bob',
      D: [0.1, -0.2, 0, 0, 0.01],
      K: [500, 0, 320, 0, 500, 240, 0, 0, 1],
      R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      P: [500, 0, 320, 0, 0, 500, 240, 0, 0, 0, 1, 0],
    });
    void w.writeObject(tf, tNs, {
      transforms: [
        {
          timestamp,
          parent_frame_id: 'odom',
          child_frame_id: 'base_link',
          translation: { x: i * 0.5, y: 0, z: 0 },
          rotation: { x: 0, y: 0, z: 0, w: 1 },
        },
      ],
    });
    void w.writeObject(gt, tNs, { tNs, actors: [{ id: i % 3, x: next() }] });
  }
  await w.close();
}

export interface Flat {
  topic: string;
  logTimeNs: bigint;
  sequence: number;
  data: Uint8Array;
}

function flat(m: RecordedMessage): Flat {
  return { topic: m.channel.topic, logTimeNs: m.logTimeNs, sequence: m.sequence, data: m.data.slice() };
}

/** Opens, reads every message, closes. */
export async function readAll(
  path: string,
  opts: OpenOptions = {},
): Promise<{ messages: Flat[]; reader: RecordingReader }> {
  const reader = await RecordingReader.open(path, opts);
  const messages: Flat[] = [];
  try {
    for await (const m of reader.messages()) messages.push(flat(m));
  } finally {
    await reader.close();
  }
  return { messages, reader };
}

/** Byte arrays with long repeats (compressible) as well as noise. */
export const bytesWithRepeats = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.record({ byte: fc.integer({ min: 0, max: 255 }), n: fc.integer({ min: 1, max: 600 }) }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => {
    const out: number[] = [];
    for (const p of parts) {
      if (p instanceof Uint8Array) out.push(...p);
      else
        for (let i = 0; i < p.n; i++)
          out.push(out.length > 8 && i % 5 === 0 ? (out[out.length - 7] as number) : p.byte);
    }
    return Uint8Array.from(out);
  });
