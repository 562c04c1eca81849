/**
 * Live output over the Foxglove WebSocket protocol (https://github.com/foxglove/ws-protocol/blob/main/docs/spec.md):
 * Foxglove connects to ws://<host>:<port> with subprotocol `foxglove.websocket.v1`, sees the advertised channels
 * and shows messages as they are published.
 *
 * Publishing is fire-and-forget: `publish` never waits on a client. A client whose socket buffer is over
 * `maxBufferedBytes` misses messages (counted in `stats().dropped`) instead of slowing the replay or growing
 * memory. Timestamps are the caller's log time, and the server declares the `time` capability and sends that
 * time before each newer message, so Foxglove's timeline is the run's time, not the wall clock.
 *
 * The last message of every channel is kept and sent to a client when it subscribes (as foxglove_bridge does for
 * latched topics): a channel is advertised on its first message, so without this a client could never receive a
 * one-shot message (a calibration, a static transform) nor the first of any channel. A client that was connected
 * when a channel was advertised gets more: every message the channel has had since, so the round trip between the
 * advertisement and its subscribe loses nothing (see `Backlog`).
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
import { foxgloveJsonSchema, foxgloveSchemaData, foxgloveSchemaName } from '../io/index.ts';
import type { SchemaSpec } from '../io/types.ts';
import type { TimeNs } from '../contracts/time.ts';
import { ClientRequests } from './ClientRequests.ts';
import { SlowClientGuard } from './SlowClientGuard.ts';

/** Message encodings streamed: Foxglove decodes protobuf, json and ROS 2's cdr. */
export type LiveEncoding = 'protobuf' | 'json' | 'cdr';

export interface LiveServerOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** TCP port; default 8765 (Foxglove's default). 0 picks a free port. */
  port?: number;
  /**
   * Per-client send buffer above which message frames are dropped; default 16 MiB. Also the bound on all the
   * messages kept for clients that have not yet subscribed to a channel advertised while they were connected.
   */
  maxBufferedBytes?: number;
  /** Server name shown by Foxglove; default 'viper'. */
  name?: string;
  /** Clients connected at once; more are refused (close code 1013). Default 32. */
  maxClients?: number;
  /** At close, how long clients are given to receive what is queued for them before they are cut off; 5 s. */
  drainMs?: number;
}

export interface LiveStats {
  /** Clients connected now. */
  clients: number;
  /** Clients taken on since the start (refused ones not counted). */
  served: number;
  /** Message frames handed to client sockets (summed over clients). */
  sent: number;
  /** Message frames dropped because a client was too slow (summed over clients, including gone ones). */
  dropped: number;
  /** `publish` calls. */
  published: number;
}

const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;
/** A channel's backlog covers at most this span of log time from its first message (10 s). */
const BACKLOG_SPAN_NS = 10_000_000_000n;
const DEFAULT_DRAIN_MS = 5000;
const SUBPROTOCOL = 'foxglove.websocket.v1';
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

/**
 * The messages of a channel since it was advertised, kept for the clients that saw the advertisement and have not
 * subscribed yet: with `replay --wait-for-client` the client is there before the first message, yet it can only
 * subscribe once the advertisement (sent with that message) has reached it, and a second message published in
 * that round trip used to replace the first, so the run's first frame was lost on some channels.
 *
 * Bounded: a backlog ends (and the latest message is what a subscriber gets, as for a client that came later) once
 * every client it waits for has subscribed or left, once its messages span more than 10 s of log time, or when all
 * backlogs together would exceed `maxBufferedBytes` (the largest goes first): a backlog larger than that could not
 * be sent to a client at once anyway.
 */
interface Backlog {
  waiting: Set<SlowClientGuard>;
  messages: { tNs: TimeNs; data: Uint8Array }[];
  bytes: number;
}

export class LiveServer {
  private readonly guards = new Set<SlowClientGuard>();
  private readonly channelIds = new Set<number>();
  /** The last message of each channel, sent to a client when it subscribes. */
  private readonly latest = new Map<number, { tNs: TimeNs; data: Uint8Array }>();
  /** Per channel, the messages since its advertisement for clients that saw it and have not subscribed yet. */
  private readonly backlogs = new Map<number, Backlog>();
  private backlogBytes = 0;
  /** The newest log time published (and sent as the clients' time). */
  private clock: TimeNs | undefined;
  private droppedByGone = 0;
  private sentByGone = 0;
  private published = 0;
  private served = 0;
  private closed = false;

  private constructor(
    private readonly fox: FoxgloveServer,
    private readonly wss: WebSocketServer,
    readonly host: string,
    readonly port: number,
    private readonly drainMs: number,
    private readonly maxBacklogBytes: number,
  ) {}

  /** Bind and start accepting clients. Rejects with ConfigError when the port is taken or the host is invalid. */
  static async start(options: LiveServerOptions = {}): Promise<LiveServer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 8765;
    const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    const fox = new FoxgloveServer({
      name: options.name ?? 'viper',
      capabilities: ['time'],
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
    const server = new LiveServer(fox, wss, host, bound, options.drainMs ?? DEFAULT_DRAIN_MS, maxBuffered);
    wss.on('connection', (conn, req) => {
      // ws emits 'error' for frames that break the protocol (bad UTF-8, unmasked, oversized) and closes the
      // socket itself; without a listener that error was uncaught and ended the replay.
      conn.on('error', () => {});
      if (conn.protocol !== SUBPROTOCOL) {
        // A client that offers no subprotocol would get frames it cannot have asked for (RFC 6455 §1.9).
        conn.close(1002, `subprotocol ${SUBPROTOCOL} required`);
        return;
      }
      if (server.guards.size >= maxClients) {
        conn.close(1013, `too many clients (${maxClients})`);
        return;
      }
      const requests = new ClientRequests((id) => server.channelIds.has(id));
      const guard = new SlowClientGuard(
        conn,
        maxBuffered,
        requests,
        (subs) => server.sendLatest(guard, subs),
        () => server.clock,
      );
      server.guards.add(guard);
      server.served++;
      conn.on('close', () => {
        server.guards.delete(guard);
        server.forget(guard);
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
    schemaEncoding?: string,
  ): number {
    const id = this.advertise(topic, schemaName, encoding, schemaData, schemaEncoding);
    this.channelIds.add(id);
    // Every client connected now has just been sent the advertisement: keep what comes until it subscribes.
    if (this.guards.size > 0 && !this.closed)
      this.backlogs.set(id, { waiting: new Set(this.guards), messages: [], bytes: 0 });
    return id;
  }

  private advertise(
    topic: string,
    schemaName: string,
    encoding: LiveEncoding,
    schemaData: Uint8Array | string,
    schemaEncoding?: string,
  ): number {
    if (encoding === 'cdr') {
      // ROS 2 messages, as foxglove_bridge advertises them: the .msg (or IDL) text as the schema.
      const text = typeof schemaData === 'string' ? schemaData : new TextDecoder().decode(schemaData);
      return this.fox.addChannel({
        topic,
        encoding: 'cdr',
        schemaName,
        schema: text,
        schemaEncoding: schemaEncoding ?? 'ros2msg',
      });
    }
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
        return this.addChannel(topic, spec.name, 'json', JSON.stringify(foxgloveJsonSchema(spec.jsonSchema)));
      case 'raw':
        if (spec.messageEncoding === 'cdr' && ROS2_SCHEMA_ENCODINGS.has(spec.encoding))
          return this.addChannel(topic, spec.name, 'cdr', spec.data, spec.encoding);
        if (spec.messageEncoding !== 'protobuf' && spec.messageEncoding !== 'json') {
          throw new ConfigError({
            what: `cannot stream ${topic}: message encoding ${spec.messageEncoding} (schema encoding ${spec.encoding || 'none'})`,
            where: 'live server',
            hint: 'protobuf, json and ROS 2 cdr channels can be streamed to Foxglove',
          });
        }
        return this.addChannel(topic, spec.name, spec.messageEncoding, spec.data);
    }
  }

  /**
   * Send one message to every client subscribed to the channel; returns at once (drops for slow clients). Log
   * times go out as the clients' time first, whenever one is newer than the last sent.
   */
  publish(channelId: number, tNs: TimeNs, data: Uint8Array): void {
    if (this.closed) return;
    this.published++;
    this.advance(tNs);
    // A message read from a compressed chunk is a view into the whole decompressed chunk: kept alone, not it.
    const kept = { tNs, data: data.byteLength < data.buffer.byteLength ? data.slice() : data };
    this.latest.set(channelId, kept);
    this.keep(channelId, kept);
    this.fox.sendMessage(channelId, tNs, data);
  }

  /** Add a message to its channel's backlog, if it has one, within the bounds (see `Backlog`). */
  private keep(channelId: number, m: { tNs: TimeNs; data: Uint8Array }): void {
    const b = this.backlogs.get(channelId);
    if (b === undefined) return;
    const first = b.messages[0];
    if (first !== undefined && m.tNs - first.tNs > BACKLOG_SPAN_NS) {
      this.endBacklog(channelId);
      return;
    }
    b.messages.push(m);
    b.bytes += m.data.byteLength;
    this.backlogBytes += m.data.byteLength;
    while (this.backlogBytes > this.maxBacklogBytes) {
      let largest: number | undefined;
      for (const [id, other] of this.backlogs)
        if (largest === undefined || other.bytes > this.backlogs.get(largest)!.bytes) largest = id;
      this.endBacklog(largest!);
    }
  }

  private endBacklog(channelId: number): void {
    const b = this.backlogs.get(channelId);
    if (b === undefined) return;
    this.backlogBytes -= b.bytes;
    this.backlogs.delete(channelId);
  }

  /** A client that left is waited for no more. */
  private forget(guard: SlowClientGuard): void {
    for (const [id, b] of this.backlogs)
      if (b.waiting.delete(guard) && b.waiting.size === 0) this.endBacklog(id);
  }

  /** Send `tNs` as the clients' time if it is newer than the last sent. */
  advance(tNs: TimeNs): void {
    if (this.closed || (this.clock !== undefined && tNs <= this.clock)) return;
    this.clock = tNs;
    this.fox.broadcastTime(tNs);
  }

  /**
   * A new subscription gets what its channel has had since the advertisement, if the client saw that and the
   * channel's backlog still holds it all; otherwise the channel's last message, if there has been one.
   */
  private sendLatest(guard: SlowClientGuard, subs: readonly { id: number; channelId: number }[]): void {
    if (this.closed) return;
    for (const { id, channelId } of subs) {
      const b = this.backlogs.get(channelId);
      if (b?.waiting.delete(guard)) {
        for (const m of b.messages) guard.send(messageFrame(id, m.tNs, m.data));
        if (b.waiting.size === 0) this.endBacklog(channelId);
        continue;
      }
      const last = this.latest.get(channelId);
      if (last) guard.send(messageFrame(id, last.tNs, last.data));
    }
  }

  stats(): LiveStats {
    let sent = this.sentByGone;
    let dropped = this.droppedByGone;
    for (const g of this.guards) {
      sent += g.sent;
      dropped += g.dropped;
    }
    return { clients: this.guards.size, served: this.served, sent, dropped, published: this.published };
  }

  /**
   * Stop listening, give clients up to `drainMs` to receive what is queued for them, then close each with 1001
   * ("replay finished"); a client still not done is cut off. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.backlogs.keys()]) this.endBacklog(id);
    const guards = [...this.guards];
    const closedAll = new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await Promise.all(guards.map((g) => g.finish(this.drainMs)));
    // Connections refused on arrival (too many clients, no subprotocol) are closing already.
    for (const c of this.wss.clients) c.terminate();
    await closedAll;
  }
}

const ROS2_SCHEMA_ENCODINGS = new Set(['ros2msg', 'ros2idl']);

/** A MESSAGE_DATA frame (ws-protocol binary opcode 1): subscription id, log time, payload. */
function messageFrame(subscriptionId: number, tNs: TimeNs, data: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + 4 + 8 + data.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint8(0, 1);
  view.setUint32(1, subscriptionId, true);
  view.setBigUint64(5, tNs, true);
  frame.set(data, 13);
  return frame;
}
