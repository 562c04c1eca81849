/**
 * Classify a recorded message for the graph: images, calibrations and transforms (Foxglove or ROS 2) become
 * Viper types; everything else is passed through untouched. A message that cannot be decoded becomes `bad`
 * (counted and reported, the replay goes on); a channel whose encoding is unknown is refused up front by
 * `checkChannels`.
 */
import { RecordingError, ViperError } from '../contracts/errors.ts';
import type { TimeNs } from '../contracts/time.ts';
import { isImageSchema, schemaKind } from '../contracts/schemaKinds.ts';
import { cameraFromAnnotationsTopic, cameraFromTopic } from '../contracts/topics.ts';
import {
  foxgloveCalibrationToCalibration,
  foxgloveCompressedImageToImage,
  foxgloveFrameTransformToTransform,
  foxgloveFrameTransformsToTransforms,
  foxgloveRawImageToImage,
  foxgloveStampNs,
  ros2CameraInfoToCalibration,
  ros2CompressedImageToImage,
  ros2ImageToImage,
  ros2TfStampsNs,
  ros2TfToTransforms,
  rosFrameId,
  rosHeaderStampNs,
  unreadRawEncoding,
} from '../io/index.ts';
import type { RecordingReader } from '../io/index.ts';
import type { Decoded, RecordedMessage } from '../io/types.ts';
import type { Interpreted } from './FrameAssembler.ts';
import type { Spelling } from './frameSpellings.ts';

/**
 * Refuse a recording with a camera, calibration or transform channel Viper cannot decode: those it reads. Any
 * other channel is copied through as it is, decodable or not (one radar topic in an IDL Viper does not parse
 * used to refuse a whole camera bag); `undecodableTopics` names those for the summary.
 */
export function checkChannels(reader: RecordingReader): void {
  for (const ch of reader.channels()) {
    if (!schemaKind(ch.schemaName)) continue;
    try {
      reader.decoder(ch.id);
    } catch (err) {
      if (err instanceof RecordingError) throw err;
      throw new RecordingError({
        what: `cannot decode channel ${ch.topic} (${ch.schemaName}, ${ch.schemaEncoding}/${ch.messageEncoding}): ${(err as Error).message}`,
        where: reader.summary().path,
      });
    }
  }
}

/** Why a channel cannot be decoded (the RecordingError's `what`), or undefined when it can; other errors throw. */
export function decodeProblem(reader: RecordingReader, channelId: number): string | undefined {
  try {
    reader.decoder(channelId);
    return undefined;
  } catch (err) {
    if (err instanceof RecordingError) return err.what;
    throw err;
  }
}

/** Channels Viper only copies through and could not decode: "topic (why)". */
export function undecodableTopics(
  reader: RecordingReader,
  /** The channels to name (those the results file copies). */
  copied: (ch: { topic: string; schemaName: string }) => boolean = () => true,
): string[] {
  const out: string[] = [];
  for (const ch of reader.channels()) {
    if (schemaKind(ch.schemaName) || !copied(ch)) continue;
    const why = decodeProblem(reader, ch.id);
    if (why !== undefined) out.push(`${ch.topic} (${why.replace(/^cannot decode topic \S+: /, '')})`);
  }
  return out.sort();
}

/**
 * Refuse a recording with no camera images, when it is to be perceived: there would be nothing for the stages
 * (a pass-through copy, `--detector none`, copies any recording, e.g. to salvage a damaged one).
 */
export function checkHasCameras(reader: RecordingReader): void {
  const channels = reader.channels();
  if (!channels.some((ch) => isImageSchema(ch.schemaName))) {
    const shown = channels.slice(0, 6).map((ch) => `${ch.topic} (${ch.schemaName || 'no schema'})`);
    const more = channels.length > shown.length ? `, … ${channels.length - shown.length} more` : '';
    throw new RecordingError({
      what:
        channels.length === 0
          ? 'no camera images: the recording has no channels'
          : `no camera images: ${channels.length === 1 ? 'its one channel is not' : `none of its ${channels.length} channels is`} a CompressedImage, RawImage or sensor_msgs Image: ${shown.join(', ')}${more}`,
      where: reader.summary().path,
      // A results file written with --results-only: its images stayed in the recording it was replayed from.
      ...(channels.some((ch) => cameraFromAnnotationsTopic(ch.topic) !== null)
        ? {
            hint: 'this is a results file without images (replay --results-only): replay the recording it was made from',
          }
        : {}),
    });
  }
}

/**
 * `notCamera`: a raw image in an encoding that is no camera Viper perceives (a depth image, 16-bit grey, or one it
 * does not read): copied through, its topic named in the summary, not a camera of the rig.
 */
type InterpretResult =
  | Interpreted
  /** `brief`: what and where without the hint (to quote inside another message). */
  | { kind: 'bad'; cameraId: string; message: string; brief: string }
  | { kind: 'notCamera'; topic: string; why: string };

export function interpretMessage(
  m: RecordedMessage,
  reader: RecordingReader,
  /** Called with the frame ids a ROS message names, as it spells them (Viper reads them without leading slashes). */
  onRosSpellings?: (spellings: Spelling[]) => void,
): InterpretResult {
  const k = schemaKind(m.channel.schemaName);
  if (!k) return { kind: 'other' };
  let msg: Decoded;
  try {
    msg = reader.decoder(m.channel.id)(m.data);
  } catch (err) {
    const message = `${m.channel.topic}: ${(err as Error).message}`;
    return { kind: 'bad', cameraId: cameraFromTopic(m.channel.topic), message, brief: message };
  }
  if (k.ros && onRosSpellings) onRosSpellings(rosSpellings(k.kind, msg));
  const where = `${m.channel.topic} at log time ${m.logTimeNs}`;
  try {
    switch (k.kind) {
      case 'image':
      case 'rawImage': {
        const unread = k.kind === 'rawImage' ? unreadRawEncoding(String(msg.encoding ?? '')) : undefined;
        if (unread !== undefined) return { kind: 'notCamera', topic: m.channel.topic, why: unread };
        const image = k.ros
          ? k.kind === 'image'
            ? ros2CompressedImageToImage(msg, where)
            : ros2ImageToImage(msg, where)
          : k.kind === 'image'
            ? foxgloveCompressedImageToImage(msg, where)
            : foxgloveRawImageToImage(msg, where);
        const frameId = k.ros ? rosFrameId(msg) : String(msg.frame_id ?? '');
        const stamp: TimeNs | undefined = k.ros ? rosHeaderStampNs(msg) : foxgloveStampNs(msg);
        // The stamp becomes the log time of the frame's results, which cannot be before 1970 (ROS 2's sec is signed).
        if (stamp !== undefined && stamp < 0n) {
          throw new RecordingError({
            what: `image stamp ${stamp} ns is negative (before 1970)`,
            where,
            hint: 'the frame is skipped: its results need a log time at or after 1970',
          });
        }
        return {
          kind: 'image',
          cameraId: frameId || cameraFromTopic(m.channel.topic),
          ...(stamp !== undefined ? { stampNs: stamp } : {}),
          logNs: m.logTimeNs,
          image,
        };
      }
      case 'calibration': {
        const calibration = k.ros
          ? ros2CameraInfoToCalibration(msg, where)
          : foxgloveCalibrationToCalibration(msg, where);
        if (!calibration.frameId) calibration.frameId = cameraFromTopic(m.channel.topic);
        return { kind: 'calibration', calibration };
      }
      case 'tf':
        return {
          kind: 'transforms',
          tNs: m.logTimeNs,
          transforms: k.ros ? ros2TfToTransforms(msg) : foxgloveFrameTransformsToTransforms(msg),
          stampsNs: k.ros
            ? ros2TfStampsNs(msg)
            : ((msg.transforms ?? []) as Decoded[]).map((t) => foxgloveStampNs(t)),
          static: isStaticTfTopic(m.channel.topic),
        };
      case 'tfSingle':
        return {
          kind: 'transforms',
          tNs: m.logTimeNs,
          transforms: [foxgloveFrameTransformToTransform(msg)],
          stampsNs: [foxgloveStampNs(msg)],
          static: isStaticTfTopic(m.channel.topic),
        };
    }
  } catch (err) {
    const message = (err as Error).message;
    const brief = err instanceof ViperError ? err.brief : message;
    return { kind: 'bad', cameraId: cameraFromTopic(m.channel.topic), message, brief };
  }
}

/** The frame ids a ROS message names, spelt as it spells them: a TFMessage's parents and children, else its header's. */
function rosSpellings(kind: string, msg: Decoded): Spelling[] {
  const raw = (v: unknown) => (typeof v === 'string' ? v : '');
  const headerId = (d: Decoded) => raw((d.header as Decoded | undefined)?.frame_id);
  if (kind !== 'tf') return [{ raw: headerId(msg), role: 'header' }];
  return ((msg.transforms ?? []) as Decoded[]).flatMap((t): Spelling[] => [
    { raw: headerId(t), role: 'parent' },
    { raw: raw(t.child_frame_id), role: 'child' },
  ]);
}

/** `/tf_static` (or a namespaced `/robot/tf_static`): tf2's static transforms, valid at every stamp. */
function isStaticTfTopic(topic: string): boolean {
  return /(^|\/)tf_static$/.test(topic);
}
