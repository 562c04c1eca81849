/**
 * Whether results were replayed from the recording given as their ground truth. A results file passes its
 * input's `/ground_truth/objects` through, so the two copies must agree stamp by stamp (compared as decoded JSON).
 * `scenarios score` and `eval --gt` both ask; each says in its own words what it found. Each stamp's copy is held
 * as a SHA-1 digest of its JSON, not the text: a long recording's ground truth is not kept.
 */
import { createHash } from 'node:crypto';

const digest = (msg: unknown) => createHash('sha1').update(JSON.stringify(msg)).digest('base64');

export class GroundTruthMatch {
  readonly #held = new Map<bigint, string>();
  /** Stamps compared, and those whose ground truth differs. */
  compared = 0;
  differs = 0;

  /** The ground truth the side read first holds at `stampNs`. */
  hold(stampNs: bigint, msg: unknown): void {
    this.#held.set(stampNs, digest(msg));
  }

  /** Stamps held. */
  get size(): number {
    return this.#held.size;
  }

  has(stampNs: bigint): boolean {
    return this.#held.has(stampNs);
  }

  /** The other side's ground truth at `stampNs`; a stamp not held counts as differing. */
  compare(stampNs: bigint, msg: unknown): void {
    this.compared++;
    if (this.#held.get(stampNs) !== digest(msg)) this.differs++;
  }
}
