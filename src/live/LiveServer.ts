/**
 * Live output over the Foxglove WebSocket protocol (https://github.com/foxglove/ws-protocol/blob/main/docs/spec.md):
 * Foxglove connects to ws://<host>:<port> with subprotocol `foxglove.websocket.v1`, sees the advertised channels
 * and shows messages as they are published.
 *
 * Publishing is fire-and-forget: `publish` never waits on a client. A client whose socket buffer is over
 * `maxBufferedBytes` misses messages (counted in `stats().dropped`) instead of slowing the replay or growing
 * memory. Timestamps are the caller's log time, so what a client sees is the run's time, not the wall clock.
 *
 * @example
 * const live = await LiveServer.start({ port: 8765 });
 * const ch = live.addChannel('/perception/objects', 'viper.Objects', 'json', JSON.stringify(jsonSchema));
 * live.publish(ch, tNs, new TextEncoder().encode(JSON.stringify(msg)));
 * await live.close();
 */
import { listenHint } from './listenHint.ts';
import type { AddressInfo } from 'node:net';
import * as wsProtocolModule from '@foxglove/ws-protocol';
import { WebSocketServer } from 'ws';
import { ConfigError } from '../contracts/errors.ts';
import { foxgloveSchemaData, foxgloveSchemaName } from '../io/index.ts';
import type { SchemaSpec } from '../io/types.ts';
import type { TimeNs } from '../contracts/time.ts';
import { ClientRequests } from './ClientRequests.ts';
import { SlowClientGuard } from './SlowClientGuard.ts';

export type LiveEncoding = 'protobuf' | 'json';

export interface LiveServerOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** TCP port; default 8765 (Foxglove's default). 0 picks a free port. */
  port?: number;
  /** Per-client send buffer above which message frames are dropped; default 16 MiB. */
  maxBufferedBytes?: number;
  /** Server name shown by Foxglove; default 'viper'. */
  name?: string;
  /** Clients connected at once; more are refused (close code 1013). Default 32. */
  maxClients?: number;
}

export interface LiveStats {
  /** Clients connected now. */
  clients: number;
  /** Message frames handed to client sockets (summed over clients). */
  sent: number;
  /** Message frames dropped because a client was too slow (summed over clients, including gone ones). */
  dropped: number;
  /** `publish` calls. */
  published: number;
}

const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;
// Each client may hold up to maxBufferedBytes of unsent frames: the cap on clients bounds the total.
const DEFAULT_MAX_CLIENTS = 32;
// Clients only send subscribe/unsubscribe (tens of bytes per channel); ws's default (100 MiB) let one frame
// be buffered and JSON-parsed on the replay's thread. Bigger frames close the connection with 1009.
const MAX_CLIENT_FRAME_BYTES = 1024 * 1024;

// The package is CommonJS for Node: its named exports are only on the default export under plain Node ESM.
type WsProtocol = typeof wsProtocolModule;
const wsProtocol = (wsProtocolModule as unknown as { default?: WsProtocol }).default ?? wsProtocolModule;
const { FoxgloveServer } = wsProtocol;
type FoxgloveServer = InstanceType<typeof FoxgloveServer>;

export class LiveServer {
  private readonly guards = new Set<SlowClientGuard>();
  private readonly channelIds = new Set<number>();
  private droppedByGone = 0;
  private sentByGone = 0;
  private published = 0;
  private closed = false;

  private constructor(
    private readonly fox: FoxgloveServer,
    private readonly wss: WebSocketServer,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Bind and start accepting clients. Rejects with ConfigError when the port is taken or the host is invalid. */
  static async start(options: LiveServerOptions = {}): Promise<LiveServer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 8765;
    const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    const fox = new FoxgloveServer({
      name: options.name ?? 'viper',
      supportedEncodings: ['protobuf', 'json'],
    });
    const wss = new WebSocketServer({
      host,
      port,
      maxPayload: MAX_CLIENT_FRAME_BYTES,
      handleProtocols: (protocols) => fox.handleProtocols(protocols),
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        wss.off('listening', onListening);
        reject(
          new ConfigError({
            what: `cannot listen on ${host}:${port}: ${err.message}`,
            where: 'live server',
            hint: listenHint(err, 'choose another port (--serve <port>) or stop the process using it'),
            cause: err,
          }),
        );
      };
      const onListening = () => {
        wss.off('error', onError);
        resolve();
      };
      wss.once('error', onError);
      wss.once('listening', onListening);
    });
    const bound = (wss.address() as AddressInfo).port;
    const server = new LiveServer(fox, wss, host, bound);
    wss.on('connection', (conn, req) => {
      // ws emits 'error' for frames that break the protocol (bad UTF-8, unmasked, oversized) and closes the
      // socket itself; without a listener that error was uncaught and ended the replay.
      conn.on('error', () => {});
      if (server.guards.size >= maxClients) {
        conn.close(1013, `too many clients (${maxClients})`);
        return;
      }
      const requests = new ClientRequests((id) => server.channelIds.has(id));
      const guard = new SlowClientGuard(conn, maxBuffered, requests);
      server.guards.add(guard);
      conn.on('close', () => {
        server.guards.delete(guard);
        server.droppedByGone += guard.dropped;
        server.sentByGone += guard.sent;
      });
      fox.handleConnection(guard, `${req.socket.remoteAddress}:${req.socket.remotePort}`);
    });
    // ClientRequests passes FoxgloveServer only requests it accepts (and tells the client about the rest); this
    // stays as a backstop so that nothing a client sends can take the run down.
    fox.on('error', () => {});
    return server;
  }

  /** ws:// URL clients connect to. */
  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `ws://${h}:${this.port}`;
  }

  /**
   * Advertise a channel. `schemaData` is the FileDescriptorSet (binary) for protobuf channels — sent base64 with
   * schemaEncoding `protobuf` — or the JSON Schema text for json channels (schemaEncoding `jsonschema`).
   * @returns the channel id to publish on.
   */
  addChannel(
    topic: string,
    schemaName: string,
    encoding: LiveEncoding,
    schemaData: Uint8Array | string,
  ): number {
    const id = this.advertise(topic, schemaName, encoding, schemaData);
    this.channelIds.add(id);
    return id;
  }

  private advertise(
    topic: string,
    schemaName: string,
    encoding: LiveEncoding,
    schemaData: Uint8Array | string,
  ): number {
    if (encoding === 'protobuf') {
      const bytes = typeof schemaData === 'string' ? new TextEncoder().encode(schemaData) : schemaData;
      return this.fox.addChannel({
        topic,
        encoding: 'protobuf',
        schemaName,
        schema: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
        schemaEncoding: 'protobuf',
      });
    }
    const text = typeof schemaData === 'string' ? schemaData : new TextDecoder().decode(schemaData);
    return this.fox.addChannel({
      topic,
      encoding: 'json',
      schemaName,
      schema: text,
      schemaEncoding: 'jsonschema',
    });
  }

  /**
   * Advertise a channel from the same schema spec the results writer uses (RecordingWriter.addChannel), so the
   * live stream and the file carry identical schemas and the same encoded bytes can go to both.
   */
  addSpecChannel(topic: string, spec: SchemaSpec): number {
    switch (spec.kind) {
      case 'foxglove':
        return this.addChannel(
          topic,
          foxgloveSchemaName(spec.name),
          'protobuf',
          foxgloveSchemaData(spec.name),
        );
      case 'json':
        return this.addChannel(topic, spec.name, 'json', JSON.stringify(spec.jsonSchema));
      case 'raw':
        if (spec.messageEncoding !== 'protobuf' && spec.messageEncoding !== 'json') {
          throw new ConfigError({
            what: `cannot stream ${topic}: message encoding ${spec.messageEncoding}`,
            where: 'live server',
            hint: 'only protobuf and json channels can be streamed to Foxglove',
          });
        }
        return this.addChannel(topic, spec.name, spec.messageEncoding, spec.data);
    }
  }

  /** Send one message to every client subscribed to the channel; returns at once (drops for slow clients). */
  publish(channelId: number, tNs: TimeNs, data: Uint8Array): void {
    if (this.closed) return;
    this.published++;
    this.fox.sendMessage(channelId, tNs, data);
  }

  stats(): LiveStats {
    let sent = this.sentByGone;
    let dropped = this.droppedByGone;
    for (const g of this.guards) {
      sent += g.sent;
      dropped += g.dropped;
    }
    return { clients: this.guards.size, sent, dropped, published: this.published };
  }

  /** Disconnect clients and stop listening. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
