/**
 * Writes the results file in an order that depends only on the input: every input message in read order, and
 * each rig frame's outputs right after the inputs that were read before the rig frame closed. Rig results are
 * reserved as slots when the rig frame closes and filled when its batch finishes, so batch size and queue
 * depth change when things are written, never what or in which order.
 */
type WriteItem<M, R> = { kind: 'message'; message: M } | { kind: 'rig'; slot: Slot<R> };

export class Slot<R> {
  value: R | undefined;
  filled = false;
  fill(value: R): void {
    this.value = value;
    this.filled = true;
  }
}

export class OrderedWriter<M, R> {
  /** Written items are cleared (undefined) at once, so their payloads can be freed before the queue compacts. */
  private readonly queue: (WriteItem<M, R> | undefined)[] = [];
  private head = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly writeMessage: (m: M) => Promise<void>,
    private readonly writeRig: (r: R) => Promise<void>,
    /** Called after each item is written (and counted out of `pending`), and once when a write fails. */
    private readonly onWritten: () => void = () => undefined,
  ) {}

  message(m: M): void {
    this.queue.push({ kind: 'message', message: m });
    this.drain();
  }

  reserve(): Slot<R> {
    const slot = new Slot<R>();
    this.queue.push({ kind: 'rig', slot });
    return slot;
  }

  /** Call after filling slots: writes everything that is ready, in order. */
  drain(): void {
    this.chain = this.chain
      .then(() => this.flushReady())
      .catch((err: unknown) => {
        const first = this.failure === undefined;
        this.failure ??= err;
        // Nothing more will be written, so `pending` stops falling: a reader waiting for room must be woken
        // to see `failed` and stop, or it would wait for ever.
        if (first) this.onWritten();
      });
  }

  /** A write has failed: nothing more is written; `settled()` rejects with that error. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Resolves when everything ready so far is written; rejects with the first write error. */
  async settled(): Promise<void> {
    await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Number of queued items not yet written (bounded by the graph's gate). */
  get pending(): number {
    return this.queue.length - this.head;
  }

  private async flushReady(): Promise<void> {
    if (this.failure) return;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if (item.kind === 'rig') {
        if (!item.slot.filled) return;
        await this.writeRig(item.slot.value as R);
      } else {
        await this.writeMessage(item.message);
      }
      this.queue[this.head] = undefined;
      this.head++;
      this.onWritten();
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}
