/**
 * The io layer's public surface (implemented in src/io/mcap/*, src/io/codecs/*). Graph, sim, cli and eval code
 * against these types only.
 */
import type { TimeNs } from '../contracts/time.ts';

/** A channel as found in a recording. */
export interface ChannelInfo {
  id: number;
  topic: string;
  /** e.g. `foxglove.CompressedImage`, `sensor_msgs/msg/CameraInfo`, `viper.GroundTruth`. */
  schemaName: string;
  /** `protobuf`, `jsonschema`, `ros2msg`, `ros2idl`, or '' for schemaless. */
  schemaEncoding: string;
  /** `protobuf`, `json`, `cdr`, … */
  messageEncoding: string;
  /** Message count from the summary's statistics, when the file has one. */
  messageCount?: number;
}

/** One message read from a recording, with its channel resolved. */
export interface RecordedMessage {
  channel: ChannelInfo;
  sequence: number;
  logTimeNs: TimeNs;
  publishTimeNs: TimeNs;
  data: Uint8Array;
}

export interface RecordingSummary {
  path: string;
  sizeBytes: number;
  /** True when the file has a usable summary + chunk indexes (indexed reads); false → streamed. */
  indexed: boolean;
  /** Streamed although the footer points at a summary: the summary is there but could not be used (damaged). */
  summaryUnusable?: boolean;
  profile: string;
  library: string;
  startNs: TimeNs;
  endNs: TimeNs;
  messageCount: number;
  channels: ChannelInfo[];
  /** Chunk compression formats seen ('' for uncompressed). */
  compression: string[];
}

/** What `--recover` salvaged from a damaged file. */
export interface RecoveryReport {
  damaged: boolean;
  /** Human-readable cause, e.g. "chunk CRC mismatch at byte 40960". */
  reason?: string;
  messagesRead: number;
  /** Bytes lost: of the damaged chunks skipped (`gaps`), else of the file after the last intact record. */
  bytesLost: number;
  /**
   * Log-time ranges of the damaged chunks recovery read past (a CRC-checked chunk index): their messages are
   * lost, those before and after read. Absent when it stopped at the damage.
   */
  gaps?: { startNs: TimeNs; endNs: TimeNs }[];
}

export interface ReadOptions {
  /** Only these topics (all when absent). */
  topics?: string[];
  startNs?: TimeNs;
  endNs?: TimeNs;
}

/** Decoded message payload: a plain JS object (protobuf → object with Foxglove field names, CDR → ROS fields). */
export type Decoded = Record<string, unknown>;

/** How a channel's schema is declared when writing. */
export type SchemaSpec =
  /** A Foxglove schema written as protobuf (FileDescriptorSet built from @foxglove/schemas). */
  | { kind: 'foxglove'; name: string }
  /** A viper JSON topic with its JSON Schema. */
  | { kind: 'json'; name: string; jsonSchema: object }
  /** Copy a channel from another recording verbatim (pass-through of inputs). */
  | { kind: 'raw'; name: string; encoding: string; data: Uint8Array; messageEncoding: string };

export interface WriterOptions {
  /** Chunk compression; default zstd. */
  compression?: 'zstd' | 'lz4' | 'none';
  /** Target chunk size in bytes; default 4 MiB. */
  chunkSize?: number;
  /** MCAP profile; default ''. */
  profile?: string;
  /** Library string written in the header; must not contain versions that vary by machine. */
  library?: string;
}
