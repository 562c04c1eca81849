/**
 * Whether results were replayed from the recording given as their ground truth. A results file passes its
 * input's `/ground_truth/objects` through, so the two copies must agree stamp by stamp (compared as decoded JSON).
 * `scenarios score` and `eval --gt` both ask; each says in its own words what it found.
 */
export class GroundTruthMatch {
  readonly #held = new Map<bigint, string>();
  /** Stamps compared, and those whose ground truth differs. */
  compared = 0;
  differs = 0;

  /** The ground truth the side read first holds at `stampNs`. */
  hold(stampNs: bigint, msg: unknown): void {
    this.#held.set(stampNs, JSON.stringify(msg));
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
    if (this.#held.get(stampNs) !== JSON.stringify(msg)) this.differs++;
  }
}
