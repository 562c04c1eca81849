/**
 * Which recording a results-only file was made from: `replay --results-only` leaves the images out, so the results
 * carry a fingerprint of them instead (the `viper` record's `imagesFingerprint`), and whoever pairs the results with
 * a recording again (`viper view --images`, the viewer given both files) checks the recording's images give the
 * same. Every scenario's recording starts at the same log time with the same cameras, so the log times and names a
 * wrong pairing shares are no check; the pictures are.
 *
 * What is hashed, per image topic: its FINGERPRINT_IMAGES earliest messages by log time (ties by the SHA-256 of
 * their bytes), each as its log time, length and SHA-256: a few reads through a recording's index, whatever its
 * size, and only digests kept (four raw 6 MB frames per topic held for a whole replay would not be small).
 * No node or DOM imports: replay (node) and the viewer (browser) share it, both hashing with Web Crypto.
 */
export const FINGERPRINT_IMAGES = 4;

interface Image {
  logTimeNs: bigint;
  length: number;
  /** SHA-256 of its bytes, hex. */
  sha256: string;
}

export class ImagesFingerprint {
  private readonly byTopic = new Map<string, Image[]>();

  /** Offer an image message; only the topic's earliest few are kept, as digests. */
  async add(topic: string, logTimeNs: bigint, data: Uint8Array): Promise<void> {
    let kept = this.byTopic.get(topic);
    if (!kept) {
      kept = [];
      this.byTopic.set(topic, kept);
    }
    const last = kept[FINGERPRINT_IMAGES - 1];
    if (last && logTimeNs > last.logTimeNs) return; // later than every kept one: no digest needed
    const image = { logTimeNs, length: data.length, sha256: await sha256Hex(data) };
    if (last && !before(image, last)) return;
    kept.push(image);
    kept.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    if (kept.length > FINGERPRINT_IMAGES) kept.pop();
  }

  /**
   * Whether a reader going through `topic` in log-time order can stop at a message logged at `logTimeNs`: the topic
   * has its few images and this one is later than all of them (one at the same time may still displace the last).
   */
  done(topic: string, logTimeNs: bigint): boolean {
    const last = this.byTopic.get(topic)?.[FINGERPRINT_IMAGES - 1];
    return last !== undefined && logTimeNs > last.logTimeNs;
  }

  /**
   * Per image topic (sorted), 32 hex digits (SHA-256 over its kept images' lines, first 128 bits): per topic, so a
   * recording holding only some of the cameras pairs with their results too. Empty when no image was offered.
   */
  async digests(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const topic of [...this.byTopic.keys()].sort()) {
      const lines = this.byTopic
        .get(topic)!
        .map((m) => `${topic}\0${m.logTimeNs}\0${m.length}\0${m.sha256}\n`);
      out[topic] = (await sha256Hex(new TextEncoder().encode(lines.join('')))).slice(0, 32);
    }
    return out;
  }
}

/**
 * The fingerprint of a recording's `topics`, each read through `read` in log-time order and left at the first
 * message `done` says is past what counts: the one reading rule of `view --images` (node) and the viewer (browser).
 */
export async function fingerprintTopics(
  topics: Iterable<string>,
  read: (topic: string) => AsyncIterable<{ logTimeNs: bigint; data: Uint8Array }>,
): Promise<Record<string, string>> {
  const fp = new ImagesFingerprint();
  for (const topic of topics) {
    for await (const m of read(topic)) {
      if (fp.done(topic, m.logTimeNs)) break;
      await fp.add(topic, m.logTimeNs, m.data);
    }
  }
  return fp.digests();
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

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Web Crypto takes a plain ArrayBuffer view: a slice of a larger (or shared) buffer is copied to one.
  const plain =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', plain));
  return [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Earlier log time, then smaller digest (so the choice does not depend on the order messages are offered in). */
function before(a: Image, b: Image): boolean {
  if (a.logTimeNs !== b.logTimeNs) return a.logTimeNs < b.logTimeNs;
  return a.sha256 < b.sha256;
}
