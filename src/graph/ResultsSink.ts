/**
 * The results-file sink: inputs passed through verbatim (same channels, schemas, times) so the file stands
 * alone, plus the perception outputs of each rig frame in Foxglove schemas and viper JSON (DESIGN.md topics).
 * With `resultsOnly` (`replay --results-only`) only the inputs `keptInResultsOnly` names are passed through
 * (calibrations, transforms, ground truth: not the images); the others are counted, and still streamed live.
 * An input that is itself a results file: see the constructor.
 * Channels are created on first use; since the write order is deterministic, so are channel ids.
 */
import { ImagesFingerprint } from '../contracts/imagesFingerprint.ts';
import { isImageSchema } from '../contracts/schemaKinds.ts';
import { cameraFromTopic, topics } from '../contracts/topics.ts';
import { toFoxgloveTime } from '../contracts/time.ts';
import type { RecordedMessage, SchemaSpec } from '../io/types.ts';
import {
  encodeFoxglove,
  encodeJson,
  type RecordingReader,
  type RecordingWriter,
  transformsToFoxglove,
} from '../io/index.ts';
import { FrameSpellings, type Spelling } from './frameSpellings.ts';
import { createOutputEncoder } from './outputs.ts';
import { keptInResultsOnly, LeftOutCounter } from './resultsOnly.ts';
import type { RigResult } from './stage.ts';

/** A live mirror of the results file (the Foxglove WebSocket server of `replay --serve`). */
export interface LiveMirror {
  addSpecChannel(topic: string, spec: SchemaSpec): number;
  publish(channelId: number, tNs: bigint, data: Uint8Array): void;
  /** Move the clients' clock to `tNs` if it is newer (before a channel is advertised at that time). */
  advance(tNs: bigint): void;
}

interface OutChannel {
  /** Channel id in the results file; undefined for an input channel `--results-only` leaves out of it. */
  id: number | undefined;
  spec: SchemaSpec;
  /** Live channel id; undefined when not streamed. */
  live: number | undefined;
}

/** A channel of the results file. */
type FileChannel = OutChannel & { id: number };

export class ResultsSink {
  private readonly inputChannels = new Map<number, OutChannel>();
  private readonly outputChannels = new Map<string, FileChannel>();
  /** Channels that could not be streamed live (e.g. CDR), by topic. */
  readonly notStreamed: string[] = [];
  private closed = false;
  /** How the input spells its ROS frames: Viper's messages name them so, and spellings apart are joined. */
  private readonly spellings = new FrameSpellings();
  /** Spellings of input messages read but not yet written (taken in write order, so the output is deterministic). */
  private readonly unseen = new WeakMap<RecordedMessage, Spelling[]>();
  private readonly encode = createOutputEncoder((frame) => this.spellings.spell(frame));
  messagesWritten = 0;
  /** With `resultsOnly`: the input messages left out of the file (counted for the summary); else undefined. */
  readonly leftOut: LeftOutCounter | undefined;
  /** With `resultsOnly`: the images left out, fingerprinted, so the recording can be paired with the file again. */
  readonly leftOutImages: ImagesFingerprint | undefined;

  /**
   * An input that is itself a results file carries an earlier run's outputs. A run with stages (`replace`)
   * recomputes them: passed through they would sit on the same topics as this run's (two channels each, read
   * back as one), so they are left out and counted. A pass-through run (no stages) keeps them as they are,
   * metrics included, and writes no metrics of its own: its output is a faithful copy.
   */
  private readonly keepInputMetrics: boolean;
  /** A pass-through run of a results file: its 'viper' record stays the earlier run's (`copiedRecord`). */
  private readonly copiesResults: boolean;

  constructor(
    private readonly writer: RecordingWriter,
    private readonly reader: RecordingReader,
    private readonly live?: LiveMirror,
    private readonly replace = true,
    /** Keep only what `keptInResultsOnly` keeps of the input (`replay --results-only`). */
    resultsOnly = false,
  ) {
    this.leftOut = resultsOnly ? new LeftOutCounter() : undefined;
    this.leftOutImages = resultsOnly ? new ImagesFingerprint() : undefined;
    this.keepInputMetrics = !replace && reader.channels().some((c) => c.topic === topics.metrics);
    this.copiesResults = !replace && reader.channels().some((c) => c.topic.startsWith(topics.resultsPrefix));
  }

  /**
   * Camera ids guessed from image topic names (`/<camera>/image`), one per image channel; frames' frame_ids take
   * over when seen (`RigAligner.resolveGuess`).
   */
  imageCameras(): string[] {
    return [...this.imageChannelCameras().values()].sort();
  }

  /** Per image channel (by id), the camera id its topic name suggests. */
  imageChannelCameras(): Map<number, string> {
    return new Map(
      this.reader
        .channels()
        .filter((c) => isImageSchema(c.schemaName))
        .map((c) => [c.id, cameraFromTopic(c.topic)]),
    );
  }

  /** Input messages on `/perception/…` topics not passed through (see the constructor). */
  earlierResultsDropped = 0;

  /** The frame ids a ROS input message names, as it spells them (when it is read; used when it is written). */
  noteSpellings(m: RecordedMessage, spellings: Spelling[]): void {
    this.unseen.set(m, spellings);
  }

  async writeInput(m: RecordedMessage): Promise<void> {
    if (this.replace && m.channel.topic.startsWith(topics.resultsPrefix)) {
      this.earlierResultsDropped++;
      return;
    }
    const spellings = this.unseen.get(m);
    if (spellings) {
      this.unseen.delete(m);
      // Before the message whose spelling needs it, at its log time.
      const aliases = this.spellings.see(spellings);
      if (aliases.length > 0)
        await this.writeObject(
          topics.frameAliases,
          FRAME_TRANSFORMS_SPEC,
          m.logTimeNs,
          transformsToFoxglove(aliases, m.logTimeNs),
        );
    }
    let ch = this.inputChannels.get(m.channel.id);
    if (ch === undefined) {
      const schema = this.reader.schemaOf(m.channel.id);
      const spec: SchemaSpec = {
        kind: 'raw',
        name: schema.name,
        encoding: schema.encoding,
        data: schema.data,
        messageEncoding: m.channel.messageEncoding,
      };
      // Left out of the file, a channel is still streamed live: whoever watches `--serve` wants the images.
      ch =
        this.leftOut && !keptInResultsOnly(m.channel.topic, m.channel.schemaName)
          ? { id: undefined, spec, live: this.openLive(m.channel.topic, spec, m.logTimeNs) }
          : await this.open(m.channel.topic, spec, m.logTimeNs);
      this.inputChannels.set(m.channel.id, ch);
    }
    if (ch.id === undefined) {
      const image = isImageSchema(m.channel.schemaName);
      this.leftOut!.add(m.channel.topic, m.data.length, image);
      if (image) await this.leftOutImages!.add(m.channel.topic, m.logTimeNs, m.data);
    } else {
      await this.writer.write(ch.id, m.logTimeNs, m.data, m.publishTimeNs);
      this.messagesWritten++;
    }
    if (ch.live !== undefined) this.live!.publish(ch.live, m.logTimeNs, m.data);
  }

  async writeRig(r: RigResult): Promise<void> {
    const tNs = r.rig.tNs;
    for (const out of this.encode(r))
      await this.writeObject(out.topic, out.schema, out.tNs ?? tNs, out.message);
    const metrics = {
      stampNs: tNs.toString(),
      feedId: r.rig.feedId,
      seq: r.rig.seq,
      timestamp: toFoxgloveTime(tNs),
      cameras: r.rig.frames.map((f) => f.cameraId),
      missing: r.rig.missing,
      detections: sumSizes(r.detections),
      tracks: sumSizes(r.tracks),
      objects: r.objects?.length ?? null,
      issues: r.issues,
    };
    if (!this.keepInputMetrics) await this.writeObject(topics.metrics, RIG_METRICS_SPEC, tNs, metrics);
  }

  private async writeObject(topic: string, spec: SchemaSpec, tNs: bigint, message: object): Promise<void> {
    let ch = this.outputChannels.get(topic);
    if (ch === undefined) {
      ch = await this.open(topic, spec, tNs);
      this.outputChannels.set(topic, ch);
    }
    const data = spec.kind === 'foxglove' ? encodeFoxglove(spec.name, message) : encodeJson(message);
    await this.writer.write(ch.id, tNs, data);
    if (ch.live !== undefined) this.live!.publish(ch.live, tNs, data);
    this.messagesWritten++;
  }

  private async open(topic: string, spec: SchemaSpec, tNs: bigint): Promise<FileChannel> {
    const id = await this.writer.addChannel(topic, spec);
    return { id, spec, live: this.openLive(topic, spec, tNs) };
  }

  /** The live channel of a topic; undefined without a live server or where it cannot carry the encoding. */
  private openLive(topic: string, spec: SchemaSpec, tNs: bigint): number | undefined {
    if (!this.live) return undefined;
    // Foxglove stamps what it receives with the server's last time: the advertisement (and the latched first
    // message a subscriber gets) must not come before any time, or it lands at 1970.
    this.live.advance(tNs);
    try {
      return this.live.addSpecChannel(topic, spec);
    } catch {
      this.notStreamed.push(topic);
      return undefined;
    }
  }

  async close(metadata: Record<string, string | undefined>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const clean = Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    // The file is closed even when the metadata cannot be written (a full disk): no handle is left open.
    try {
      // The input's own records (a scenario's name, an import's source) travel with its results, so the results
      // say what they were made from; an earlier run's 'viper' record gives way to this run's.
      // A record that cannot be read back is left out rather than losing the run's own at the very end.
      const inputs = await this.reader.metadata().catch(() => []);
      for (const m of inputs) if (m.name !== 'viper') await this.writer.addMetadata?.(m.name, m.metadata);
      const earlier = inputs.filter((m) => m.name === 'viper').pop()?.metadata;
      await this.writer.addMetadata?.(
        'viper',
        this.copiesResults && earlier ? copiedRecord(earlier, clean) : clean,
      );
    } finally {
      await this.writer.close();
    }
  }
}

/**
 * The 'viper' record of a pass-through copy of a results file (`--detector none`, e.g. with `--results-only` to
 * shrink results already made): the outputs it carries are the earlier run's, so is the record that says how they
 * were made (detector, tracker, fusion, parameters; `compare` labels files by it). Of this run only what the copy
 * itself changed: interrupted (either run) or failed (this one), and what was left out (this copy's, else the earlier run's).
 */
function copiedRecord(earlier: Record<string, string>, run: Record<string, string>): Record<string, string> {
  const record = { ...earlier };
  if (run.interrupted === 'true') record.interrupted = 'true';
  if (run.failed !== undefined) record.failed = run.failed;
  if (run.resultsOnly === 'true') {
    record.resultsOnly = 'true';
    const counts = { ...parseCounts(earlier.imagesLeftOut), ...parseCounts(run.imagesLeftOut) };
    record.imagesLeftOut = JSON.stringify(
      Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    );
    // The images this copy left out are the earlier run's input's (copied through verbatim): the same fingerprint.
    if (run.imagesFingerprint !== undefined) record.imagesFingerprint = run.imagesFingerprint;
  }
  return record;
}

function parseCounts(json: string | undefined): Record<string, number> {
  try {
    const v = json === undefined ? {} : (JSON.parse(json) as unknown);
    return typeof v === 'object' && v !== null ? (v as Record<string, number>) : {};
  } catch {
    return {};
  }
}

function sumSizes(m: Map<string, unknown[]>): number | null {
  if (m.size === 0) return null;
  let n = 0;
  for (const v of m.values()) n += v.length;
  return n;
}

const FRAME_TRANSFORMS_SPEC: SchemaSpec = { kind: 'foxglove', name: 'foxglove.FrameTransforms' };

const RIG_METRICS_SCHEMA = {
  title: 'viper.RigMetrics',
  description: 'Per rig frame: cameras present and missing, output counts, non-fatal issues',
  type: 'object',
  properties: {
    stampNs: { type: 'string' },
    feedId: { type: 'string' },
    seq: { type: 'integer' },
    timestamp: { type: 'object', properties: { sec: { type: 'integer' }, nsec: { type: 'integer' } } },
    cameras: { type: 'array', items: { type: 'string' } },
    missing: { type: 'array', items: { type: 'string' } },
    // null where the stage did not run (Foxglove reads one type per field, so the null is in the description).
    detections: { type: 'integer', description: 'null: no detector ran' },
    tracks: { type: 'integer', description: 'null: no tracker ran' },
    objects: { type: 'integer', description: 'null: fusion did not run' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        properties: { cameraId: { type: 'string' }, kind: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const RIG_METRICS_SPEC: SchemaSpec = {
  kind: 'json',
  name: 'viper.RigMetrics',
  jsonSchema: RIG_METRICS_SCHEMA,
};
