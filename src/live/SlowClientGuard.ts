/**
 * Wraps one client's WebSocket so that publishing never blocks and never grows memory without bound: binary
 * frames (message data, time) are dropped — and counted — while the socket's send buffer is above a limit.
 * JSON control frames (serverInfo, advertise, status) always go through: a client that misses an advertisement
 * could not decode anything afterwards.
 *
 * `send` takes one argument on purpose: FoxgloveServer then writes each message as a single frame (header +
 * payload) instead of two fragments, so a drop can never leave half a message on the wire.
 */
import type { IWebSocket } from '@foxglove/ws-protocol';
import type { WebSocket } from 'ws';

export class SlowClientGuard implements IWebSocket {
  /** Binary frames not sent because the client's buffer was full. */
  dropped = 0;
  /** Binary frames sent. */
  sent = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
  ) {}

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
    return this.ws.onmessage as IWebSocket['onmessage'];
  }
  set onmessage(f: IWebSocket['onmessage']) {
    this.ws.onmessage = f ?? null;
  }

  close(): void {
    this.ws.close();
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (typeof data !== 'string') {
      if (this.ws.bufferedAmount > this.maxBufferedBytes) {
        this.dropped++;
        return;
      }
      this.sent++;
    }
    this.ws.send(data);
  }
}
