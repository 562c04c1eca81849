/**
 * The results-file sink: inputs passed through verbatim (same channels, schemas, times) so the file stands
 * alone, plus the perception outputs of each rig frame in Foxglove schemas and viper JSON (DESIGN.md topics).
 * Channels are created on first use; since the write order is deterministic, so are channel ids.
 */
import { topics } from '../contracts/topics.ts';
import { toFoxgloveTime } from '../contracts/time.ts';
import type { RecordedMessage, SchemaSpec } from '../io/types.ts';
import type { RecordingReader, RecordingWriter } from '../io/index.ts';
import { createOutputEncoder } from './outputs.ts';
import type { RigResult } from './stage.ts';

const IMAGE_SCHEMAS = new Set([
  'foxglove.CompressedImage',
  'foxglove.RawImage',
  'sensor_msgs/msg/CompressedImage',
  'sensor_msgs/msg/Image',
  'sensor_msgs/CompressedImage',
  'sensor_msgs/Image',
]);

export class ResultsSink {
  private readonly inputChannels = new Map<number, number>();
  private readonly outputChannels = new Map<string, number>();
  private closed = false;
  private readonly encode = createOutputEncoder();
  messagesWritten = 0;

  constructor(
    private readonly writer: RecordingWriter,
    private readonly reader: RecordingReader,
  ) {}

  /** Camera ids guessed from image topic names (`/<camera>/image`); frames' frame_ids take over when seen. */
  imageCameras(): string[] {
    return this.reader
      .channels()
      .filter((c) => IMAGE_SCHEMAS.has(c.schemaName))
      .map((c) => c.topic.replace(/^\//, '').replace(/\/(image|image_raw|compressed|image\/compressed)$/, ''))
      .sort();
  }

  async writeInput(m: RecordedMessage): Promise<void> {
    let id = this.inputChannels.get(m.channel.id);
    if (id === undefined) {
      const schema = this.reader.schemaOf(m.channel.id);
      const spec: SchemaSpec = {
        kind: 'raw',
        name: schema.name,
        encoding: schema.encoding,
        data: schema.data,
        messageEncoding: m.channel.messageEncoding,
      };
      id = await this.writer.addChannel(m.channel.topic, spec);
      this.inputChannels.set(m.channel.id, id);
    }
    await this.writer.write(id, m.logTimeNs, m.data, m.publishTimeNs);
    this.messagesWritten++;
  }

  async writeRig(r: RigResult): Promise<void> {
    const tNs = r.rig.tNs;
    for (const out of this.encode(r)) {
      const id = await this.channel(out.topic, out.schema);
      await this.writer.writeObject(id, out.tNs ?? tNs, out.message);
      this.messagesWritten++;
    }
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
    const id = await this.channel(topics.metrics, { kind: 'json', name: 'viper.RigMetrics', jsonSchema: RIG_METRICS_SCHEMA });
    await this.writer.writeObject(id, tNs, metrics);
    this.messagesWritten++;
  }

  async close(metadata: Record<string, string | undefined>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const clean = Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined)) as Record<string, string>;
    await this.writer.addMetadata?.('viper', clean);
    await this.writer.close();
  }

  private async channel(topic: string, schema: SchemaSpec): Promise<number> {
    let id = this.outputChannels.get(topic);
    if (id === undefined) {
      id = await this.writer.addChannel(topic, schema);
      this.outputChannels.set(topic, id);
    }
    return id;
  }
}

function sumSizes(m: Map<string, unknown[]>): number | null {
  if (m.size === 0) return null;
  let n = 0;
  for (const v of m.values()) n += v.length;
  return n;
}

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
    detections: { type: ['integer', 'null'] },
    tracks: { type: ['integer', 'null'] },
    objects: { type: ['integer', 'null'] },
    issues: { type: 'array' },
  },
};
