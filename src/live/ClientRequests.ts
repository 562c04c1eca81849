/**
 * Checks what one client sends before FoxgloveServer sees it. FoxgloveServer trusts its input: a subscription id
 * that is not a number reaches `DataView.setUint32` in `sendMessage`, so one bad subscribe made every later
 * `publish` throw into the replay; ids like -1, 1.5 or 2^40 were accepted and went out wrapped (one client's
 * messages under the wrong id); unknown ops, bad JSON and binary frames were dropped without a word to the client;
 * and each unknown id in an unsubscribe got its own status reply (an amplifier for a client that never reads).
 *
 * Here only `subscribe` and `unsubscribe` with uint32 ids pass (this server's one capability, `time`, takes no
 * requests, so nothing else is valid), and they are checked against this client's own subscriptions, so FoxgloveServer gets only requests it
 * accepts. Everything refused is reported in one status per client frame (level error for malformed input,
 * warning for well-formed requests the state refuses, as FoxgloveServer has them).
 */

const UINT32_MAX = 0xffff_ffff;
/** Reasons quoted in one status; the rest are counted. */
const MAX_REASONS = 5;

interface CheckResult {
  /** JSON text for FoxgloveServer with only the accepted part; undefined when nothing is accepted. */
  forward?: string;
  /** One line for the client (status op); undefined when everything was accepted. */
  error?: string;
  /**
   * 'warning' when every refusal was a well-formed request the state refused (a channel not advertised, an id in
   * use or unknown: FoxgloveServer's own level for these, which the Foxglove app does not show as a broken
   * connection); 'error' (the default) for malformed input.
   */
  level?: 'warning' | 'error';
  /** The subscriptions accepted (forwarded), so their channels' latest messages can follow. */
  subscribed?: { id: number; channelId: number }[];
}

const isId = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= UINT32_MAX;

/** Short, printable rendering of a client value for a status message (client values can be huge). */
function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export class ClientRequests {
  /** subscription id → channel id, as FoxgloveServer holds them for this client. */
  private readonly subs = new Map<number, number>();
  private readonly subscribedChannels = new Set<number>();

  constructor(private readonly hasChannel: (channelId: number) => boolean) {}

  check(data: unknown): CheckResult {
    if (typeof data !== 'string') {
      return {
        error:
          'binary client messages are not supported: this server offers no clientPublish or services capability',
      };
    }
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return { error: `not JSON: ${show(data)}` };
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return { error: `expected a JSON object with an "op", got ${show(msg)}` };
    }
    const op = (msg as { op?: unknown }).op;
    if (op === 'subscribe') return this.subscribe((msg as { subscriptions?: unknown }).subscriptions);
    if (op === 'unsubscribe') return this.unsubscribe((msg as { subscriptionIds?: unknown }).subscriptionIds);
    return {
      error: `unsupported op ${show(op)}: clients may only subscribe and unsubscribe (the server offers no clientPublish, services or parameters)`,
    };
  }

  private subscribe(list: unknown): CheckResult {
    if (!Array.isArray(list))
      return { error: `subscribe: "subscriptions" must be an array, got ${show(list)}` };
    const ok: { id: number; channelId: number }[] = [];
    const reasons: string[] = [];
    let malformed = false;
    for (const s of list) {
      const { id, channelId } = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
      if (!isId(id) || !isId(channelId)) {
        malformed = true;
        reasons.push(
          isId(id) ? `channel id ${show(channelId)} is not a uint32` : `id ${show(id)} is not a uint32`,
        );
      } else if (!this.hasChannel(channelId)) reasons.push(`channel ${show(channelId)} is not advertised`);
      else if (this.subs.has(id)) reasons.push(`subscription id ${id} is already in use`);
      else if (this.subscribedChannels.has(channelId))
        reasons.push(`channel ${channelId} is already subscribed`);
      else {
        this.subs.set(id, channelId);
        this.subscribedChannels.add(channelId);
        ok.push({ id, channelId });
      }
    }
    return {
      forward: ok.length > 0 ? JSON.stringify({ op: 'subscribe', subscriptions: ok }) : undefined,
      subscribed: ok,
      error: summary('subscribe', reasons, list.length),
      level: malformed ? 'error' : 'warning',
    };
  }

  private unsubscribe(list: unknown): CheckResult {
    if (!Array.isArray(list))
      return { error: `unsubscribe: "subscriptionIds" must be an array, got ${show(list)}` };
    const ok: number[] = [];
    const reasons: string[] = [];
    let malformed = false;
    for (const id of list) {
      if (!isId(id)) {
        malformed = true;
        reasons.push(`subscription id ${show(id)} is not a uint32`);
        continue;
      }
      const channelId = this.subs.get(id);
      if (channelId === undefined) {
        reasons.push(`subscription id ${id} does not exist`);
        continue;
      }
      this.subs.delete(id as number);
      this.subscribedChannels.delete(channelId);
      ok.push(id as number);
    }
    return {
      forward: ok.length > 0 ? JSON.stringify({ op: 'unsubscribe', subscriptionIds: ok }) : undefined,
      error: summary('unsubscribe', reasons, list.length),
      level: malformed ? 'error' : 'warning',
    };
  }
}

function summary(op: string, reasons: string[], total: number): string | undefined {
  if (reasons.length === 0) return undefined;
  const more = reasons.length > MAX_REASONS ? `; and ${reasons.length - MAX_REASONS} more` : '';
  return `${op}: ${reasons.length} of ${total} refused: ${reasons.slice(0, MAX_REASONS).join('; ')}${more}`;
}
