/**
 * Which recording a results-only file was made from: `replay --results-only` leaves the images out, so the results
 * carry a fingerprint of them instead (the `viper` record's `imagesFingerprint`), and whoever pairs the results with
 * a recording again (`viper view --images`, the viewer given both files) checks the recording's images give the
 * same. Every scenario's recording starts at the same log time with the same cameras, so the log times and names a
 * wrong pairing shares are no check; the pictures are.
 *
 * What is hashed, per image topic: its FINGERPRINT_IMAGES earliest messages by log time (ties by their bytes), each
 * as topic, log time, length and bytes: a few reads through a recording's index, whatever its size.
 * No node or DOM imports: replay (node) and the viewer (browser) share it, both hashing with Web Crypto.
 */
export const FINGERPRINT_IMAGES = 4;

interface Image {
  logTimeNs: bigint;
  data: Uint8Array;
}

export class ImagesFingerprint {
  private readonly byTopic = new Map<string, Image[]>();

  /** Offer an image message; only the topic's earliest few are kept (copied: a reader may reuse its buffers). */
  add(topic: string, logTimeNs: bigint, data: Uint8Array): void {
    let kept = this.byTopic.get(topic);
    if (!kept) {
      kept = [];
      this.byTopic.set(topic, kept);
    }
    if (kept.length === FINGERPRINT_IMAGES && !before({ logTimeNs, data }, kept[kept.length - 1]!)) return;
    kept.push({ logTimeNs, data: data.slice() });
    kept.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    if (kept.length > FINGERPRINT_IMAGES) kept.pop();
  }

  /** Whether `topic` has its few images (a reader in log-time order can stop reading it). */
  full(topic: string): boolean {
    return (this.byTopic.get(topic)?.length ?? 0) >= FINGERPRINT_IMAGES;
  }

  /**
   * Per image topic (sorted), 32 hex digits (SHA-256 of its kept images, first 128 bits): per topic, so a recording
   * holding only some of the cameras pairs with their results too. Empty when no image was offered.
   */
  async digests(): Promise<Record<string, string>> {
    const text = new TextEncoder();
    const out: Record<string, string> = {};
    for (const topic of [...this.byTopic.keys()].sort()) {
      const parts: Uint8Array[] = [];
      for (const m of this.byTopic.get(topic)!)
        parts.push(text.encode(`${topic}\0${m.logTimeNs}\0${m.data.length}\0`), m.data);
      out[topic] = await sha256Hex(concat(parts));
    }
    return out;
  }
}

/** The `viper` record's `imagesFingerprint`: the digests as JSON; undefined when there were no images. */
export async function fingerprintJson(fp: ImagesFingerprint): Promise<string | undefined> {
  const d = await fp.digests();
  return Object.keys(d).length === 0 ? undefined : JSON.stringify(d);
}

/** A record's `imagesFingerprint` read back; undefined when absent or not a topic → digest map. */
export function parseFingerprint(json: string | undefined): Record<string, string> | undefined {
  if (json === undefined) return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.every(([, d]) => typeof d === 'string')
      ? (Object.fromEntries(entries) as Record<string, string>)
      : undefined;
  } catch {
    return undefined;
  }
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  return [...hash.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Earlier log time, then smaller bytes (so the choice does not depend on the order messages are offered in). */
function before(a: Image, b: Image): boolean {
  if (a.logTimeNs !== b.logTimeNs) return a.logTimeNs < b.logTimeNs;
  const n = Math.min(a.data.length, b.data.length);
  for (let i = 0; i < n; i++) if (a.data[i] !== b.data[i]) return a.data[i]! < b.data[i]!;
  return a.data.length < b.data.length;
}
