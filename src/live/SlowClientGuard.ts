/**
 * Wraps one client's WebSocket so that publishing never blocks and never grows memory without bound: binary
 * frames (message data, time) are dropped while the socket's send buffer is above a limit (message frames
 * counted), and once it has room again the client gets a warning status saying how many it missed.
 * JSON control frames (serverInfo, advertise) always go through: a client that misses an advertisement could not
 * decode anything afterwards. Status frames are dropped over the limit too: they answer the client's own requests,
 * so a client that sends requests and never reads would otherwise grow the buffer without bound.
 *
 * It is also the one object between FoxgloveServer and the socket, so what the client sends is checked here
 * (ClientRequests) and only the accepted part reaches FoxgloveServer; refusals go back as one error status.
 *
 * `send` takes one argument on purpose: FoxgloveServer then writes each message as a single frame (header +
 * payload) instead of two fragments, so a drop can never leave half a message on the wire.
 */
import type { IWebSocket } from '@foxglove/ws-protocol';
import type { WebSocket } from 'ws';
import type { ClientRequests } from './ClientRequests.ts';

/** JSON.stringify of FoxgloveServer's and our status objects starts with this (op is their first key). */
const STATUS_PREFIX = '{"op":"status"';
const SERVER_INFO_PREFIX = '{"op":"serverInfo"';
const STATUS_LEVEL = { warning: 1, error: 2 } as const;

export class SlowClientGuard implements IWebSocket {
  /** Binary frames not sent because the client's buffer was full. */
  dropped = 0;
  /** Binary frames sent. */
  sent = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly requests: ClientRequests,
    /** Called with the subscriptions FoxgloveServer has just been given (to send them their latest message). */
    private readonly onSubscribed?: (subs: readonly { id: number; channelId: number }[]) => void,
    /** The server's current time, sent right after serverInfo so a client never sees an advertisement first. */
    private readonly currentTime?: () => bigint | undefined,
  ) {}

  /** Drops since the client was last told about them (a status goes out once its buffer has room again). */
  private untold = 0;

  get binaryType(): string {
    return this.ws.binaryType;
  }
  set binaryType(v: string) {
    this.ws.binaryType = v as WebSocket['binaryType'];
  }
  get protocol(): string {
    return this.ws.protocol;
  }
  get onerror(): IWebSocket['onerror'] {
    return this.ws.onerror as IWebSocket['onerror'];
  }
  set onerror(f: IWebSocket['onerror']) {
    this.ws.onerror = f ?? null;
  }
  get onopen(): IWebSocket['onopen'] {
    return this.ws.onopen as IWebSocket['onopen'];
  }
  set onopen(f: IWebSocket['onopen']) {
    this.ws.onopen = f ?? null;
  }
  get onclose(): IWebSocket['onclose'] {
    return this.ws.onclose as IWebSocket['onclose'];
  }
  set onclose(f: IWebSocket['onclose']) {
    this.ws.onclose = f ?? null;
  }
  get onmessage(): IWebSocket['onmessage'] {
    return this.handler ?? null;
  }
  set onmessage(f: IWebSocket['onmessage']) {
    this.handler = f ?? undefined;
    this.ws.onmessage = f ? (event) => this.receive(event.data) : null;
  }
  private handler: ((event: { data: unknown }) => void) | undefined;

  private receive(data: unknown): void {
    const { forward, error, level, subscribed } = this.requests.check(data);
    if (forward !== undefined) this.handler?.({ data: forward });
    if (subscribed !== undefined && subscribed.length > 0) this.onSubscribed?.(subscribed);
    if (error !== undefined) {
      this.send(JSON.stringify({ op: 'status', level: STATUS_LEVEL[level ?? 'error'], message: error }));
    }
  }

  close(): void {
    this.ws.close();
  }

  /** Foxglove shows warnings: say what the client missed, as foxglove_bridge does when its buffer is full. */
  private tellDrops(): void {
    if (this.untold === 0 || this.ws.readyState !== this.ws.OPEN) return;
    const limit =
      this.maxBufferedBytes >= 1 << 20
        ? `${Math.round(this.maxBufferedBytes / (1 << 20))} MiB`
        : `${Math.round(this.maxBufferedBytes / 1024)} KiB`;
    this.ws.send(
      JSON.stringify({
        op: 'status',
        level: STATUS_LEVEL.warning,
        message: `${this.untold} messages dropped: this client read more slowly than the replay sent (send buffer over ${limit})`,
      }),
    );
    this.untold = 0;
  }

  /**
   * The end of the run: up to `ms` for the client to receive what is queued (polled), the count of what it missed,
   * then a close with 1001; a client still not done by then is cut off.
   */
  async finish(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount > 0 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > 0) {
      this.ws.terminate();
      return;
    }
    this.tellDrops();
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 1000);
      this.ws.once('close', () => {
        clearTimeout(cut);
        resolve();
      });
      this.ws.close(1001, 'replay finished');
    });
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (typeof data === 'string') {
      if (data.startsWith(STATUS_PREFIX) && this.ws.bufferedAmount > this.maxBufferedBytes) return;
      if (data.startsWith(SERVER_INFO_PREFIX)) {
        this.ws.send(data);
        const t = this.currentTime?.();
        if (t !== undefined) this.ws.send(timeFrame(t));
        return;
      }
    } else {
      // Only message frames (opcode 1) are counted: time frames (2) go or are dropped alike, uncounted.
      const isMessage = firstByte(data) === 1;
      if (this.ws.bufferedAmount > this.maxBufferedBytes) {
        if (isMessage) {
          this.dropped++;
          this.untold++;
        }
        return;
      }
      this.tellDrops();
      if (isMessage) this.sent++;
    }
    this.ws.send(data);
  }
}

function firstByte(data: ArrayBuffer | ArrayBufferView): number | undefined {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, Math.min(1, data.byteLength))[0]
    : new Uint8Array(data, 0, Math.min(1, data.byteLength))[0];
}

/** A TIME frame (ws-protocol binary opcode 2): the server's clock. */
function timeFrame(tNs: bigint): Uint8Array {
  const frame = new Uint8Array(9);
  const view = new DataView(frame.buffer);
  view.setUint8(0, 2);
  view.setBigUint64(1, tNs, true);
  return frame;
}
