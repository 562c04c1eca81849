/**
 * Canonical message order (DESIGN.md): log time, then topic, then sequence, then channel id, then file order.
 * Indexed reads merge chunks through a heap in this order; streamed reads arrive in file order and go through a
 * bounded reorder heap.
 */
import type { RecordedMessage } from '../types.ts';

interface Ordered {
  msg: RecordedMessage;
  /** Arrival index, the last tie-breaker, so the order is total and stable. */
  ordinal: number;
}

function compareMessages(a: Ordered, b: Ordered): number {
  if (a.msg.logTimeNs !== b.msg.logTimeNs) return a.msg.logTimeNs < b.msg.logTimeNs ? -1 : 1;
  const ta = a.msg.channel.topic;
  const tb = b.msg.channel.topic;
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.msg.sequence !== b.msg.sequence) return a.msg.sequence - b.msg.sequence;
  if (a.msg.channel.id !== b.msg.channel.id) return a.msg.channel.id - b.msg.channel.id;
  return a.ordinal - b.ordinal;
}

/** Limits of the streaming reorder window: whichever is hit first releases the earliest message. */
const REORDER_LIMITS = { maxMessages: 4096, maxBytes: 32 * 1024 * 1024 };

/**
 * Sorts a file-order stream with a bounded min-heap: exact whenever no message is more than the window out of
 * place (true for every writer that writes in roughly time order), memory capped by `REORDER_LIMITS`.
 */
export async function* reorder(source: AsyncIterable<RecordedMessage>): AsyncGenerator<RecordedMessage> {
  const heap = new MinHeap();
  let bytes = 0;
  let ordinal = 0;
  for await (const msg of source) {
    heap.push({ msg, ordinal: ordinal++ });
    bytes += msg.data.byteLength;
    while (heap.size > REORDER_LIMITS.maxMessages || bytes > REORDER_LIMITS.maxBytes) {
      const out = heap.pop() as Ordered;
      bytes -= out.msg.data.byteLength;
      yield out.msg;
    }
  }
  while (heap.size > 0) yield (heap.pop() as Ordered).msg;
}

/** Binary min-heap in canonical message order. */
export class MinHeap {
  readonly #a: Ordered[] = [];

  get size(): number {
    return this.#a.length;
  }

  peek(): Ordered | undefined {
    return this.#a[0];
  }

  push(v: Ordered): void {
    const a = this.#a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (compareMessages(a[p] as Ordered, a[i] as Ordered) <= 0) break;
      [a[p], a[i]] = [a[i] as Ordered, a[p] as Ordered];
      i = p;
    }
  }

  pop(): Ordered | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && compareMessages(a[l] as Ordered, a[m] as Ordered) < 0) m = l;
        if (r < a.length && compareMessages(a[r] as Ordered, a[m] as Ordered) < 0) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i] as Ordered, a[m] as Ordered];
        i = m;
      }
    }
    return top;
  }
}
