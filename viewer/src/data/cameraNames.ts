/** A file's cameras: its image topics, their calibration and annotations topics, named as replay names them. */
import type { McapIndexedReader, McapTypes } from '@mcap/core';
import { cameraFromAnnotationsTopic, topics } from '../../../src/contracts/topics.ts';
import { makeDecoder } from '../mcap/decoders.ts';
import { cameraFromTopic, isCalibrationSchema, isImageSchema } from './normalize.ts';
import type { CameraInfo } from './Recording.ts';
import { compareText } from '../../../src/contracts/compareText.ts';

/**
 * Any image channel is a camera (Foxglove or ROS 2, `/<camera>/image` or e.g. `/<camera>/image_raw`), named as
 * viper replay names it, so its annotations are found on `/perception/<camera>/annotations`.
 */
export function findCameras(
  reader: McapIndexedReader,
  byTopic: Map<string, McapTypes.Channel>,
): CameraInfo[] {
  const schemaName = (ch: McapTypes.Channel) => reader.schemasById.get(ch.schemaId)?.name ?? '';
  const sorted = [...reader.channelsById.values()].sort((a, b) => compareText(a.topic, b.topic));
  const cameras: CameraInfo[] = [];
  for (const ch of sorted) {
    if (!isImageSchema(schemaName(ch)) || ch.topic.startsWith(topics.resultsPrefix)) continue;
    const id = cameraFromTopic(ch.topic);
    if (cameras.some((c) => c.id === id)) continue; // e.g. image_raw and image_raw/compressed: the first
    const calibration = byTopic.has(topics.calibration(id))
      ? topics.calibration(id)
      : sorted.find((c) => isCalibrationSchema(schemaName(c)) && cameraFromTopic(c.topic) === id)?.topic;
    cameras.push({
      id,
      imageTopic: ch.topic,
      annotationsTopic: byTopic.has(topics.annotations(id)) ? topics.annotations(id) : null,
      calibrationTopic: calibration ?? null,
      intrinsics: null,
      mount: null,
    });
  }
  return cameras;
}

/**
 * Replay names a camera by its images' frame_id, and the topic only when there is none: a camera whose results
 * are not under its topic's name (`/camera/image_raw` with frame_id `camera_optical_frame`) takes the frame_id of
 * its first image when results exist under that name.
 */
export async function nameByFrameId(
  reader: McapIndexedReader,
  cameras: CameraInfo[],
  byTopic: Map<string, McapTypes.Channel>,
): Promise<void> {
  const taken = new Set(cameras.map((c) => c.annotationsTopic));
  const orphans = [...byTopic.keys()].filter((t) => cameraFromAnnotationsTopic(t) !== null && !taken.has(t));
  if (orphans.length === 0) return;
  for (const cam of cameras) {
    if (cam.annotationsTopic) continue;
    if (cam.imageTopic === null) continue;
    const ch = byTopic.get(cam.imageTopic)!;
    const decode = makeDecoder(ch.messageEncoding, reader.schemasById.get(ch.schemaId));
    if (decode instanceof Error) continue;
    for await (const msg of reader.readMessages({ topics: [cam.imageTopic] })) {
      try {
        const m = decode(msg.data);
        const header = (m.header ?? {}) as Record<string, unknown>;
        const raw = String(m.frame_id ?? header.frame_id ?? '');
        // As replay names it (`/front_optical` is `front_optical`), else as spelled (a results topic so named).
        for (const frameId of frameIdSpellings(raw)) {
          const topic = topics.annotations(frameId);
          if (orphans.includes(topic) && !cameras.some((c) => c.id === frameId)) {
            cam.id = frameId;
            cam.annotationsTopic = topic;
            break;
          }
        }
      } catch {
        // an undecodable first image: the camera keeps its topic's name
      }
      break;
    }
  }
}

/**
 * A results file written with `replay --results-only` has annotations and calibrations but no images: each
 * annotations topic without a camera becomes one (no image topic), so its boxes are drawn on a blank canvas of the
 * calibration's size. Its calibration is found by topic name (`/<camera>/calibration`, `/<camera>/camera_info`),
 * else by the frame_id of a calibration topic's first message (replay names a camera by its images' frame_id).
 */
export async function addImagelessCameras(
  reader: McapIndexedReader,
  cameras: CameraInfo[],
  byTopic: Map<string, McapTypes.Channel>,
): Promise<void> {
  const taken = new Set(cameras.map((c) => c.annotationsTopic));
  const ids = [...byTopic.keys()]
    .filter((t) => !taken.has(t))
    .flatMap((t) => cameraFromAnnotationsTopic(t) ?? [])
    .filter((id) => !cameras.some((c) => c.id === id));
  if (ids.length === 0) return;
  const schemaName = (ch: McapTypes.Channel) => reader.schemasById.get(ch.schemaId)?.name ?? '';
  const calibrations = [...byTopic.values()]
    .filter((ch) => isCalibrationSchema(schemaName(ch)))
    .sort((a, b) => compareText(a.topic, b.topic));
  const usedCalibrations = new Set(cameras.map((c) => c.calibrationTopic));
  const byFrameId = new Map<string, string>();
  for (const ch of calibrations) {
    if (usedCalibrations.has(ch.topic)) continue;
    for (const frameId of frameIdSpellings(await firstFrameId(reader, ch)))
      if (!byFrameId.has(frameId)) byFrameId.set(frameId, ch.topic);
  }
  for (const id of ids.sort()) {
    const calibration =
      calibrations.find((c) => !usedCalibrations.has(c.topic) && cameraFromTopic(c.topic) === id)?.topic ??
      byFrameId.get(id) ??
      null;
    cameras.push({
      id,
      imageTopic: null,
      annotationsTopic: topics.annotations(id),
      calibrationTopic: calibration,
      intrinsics: null,
      mount: null,
    });
  }
}

/**
 * The camera names a frame_id may stand for: first as replay names a camera (src/io/codecs/ros2.ts rosFrameId: its
 * leading slashes stripped, as tf2 reads it), then as spelled; none for an empty one.
 */
export function frameIdSpellings(frameId: string): string[] {
  const stripped = frameId.replace(/^\/+/, '');
  if (!stripped) return [];
  return stripped === frameId ? [frameId] : [stripped, frameId];
}

/** The frame_id of a channel's first message ('' when it has none or does not decode). */
async function firstFrameId(reader: McapIndexedReader, ch: McapTypes.Channel): Promise<string> {
  const decode = makeDecoder(ch.messageEncoding, reader.schemasById.get(ch.schemaId));
  if (decode instanceof Error) return '';
  for await (const msg of reader.readMessages({ topics: [ch.topic] })) {
    try {
      const m = decode(msg.data);
      return String(m.frame_id ?? ((m.header ?? {}) as Record<string, unknown>).frame_id ?? '');
    } catch {
      return '';
    }
  }
  return '';
}
