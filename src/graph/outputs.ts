/**
 * Perception outputs of one rig frame as messages for the results file (DESIGN.md topics): per-camera
 * foxglove.ImageAnnotations (tracks when a tracker ran, else detections), `/perception/objects` (viper JSON) and
 * `/perception/scene` (foxglove.SceneUpdate with trails) when fusion ran. Stateful only in the trails, which
 * advance in write order (deterministic).
 */
import { z } from 'zod';
import { ObjectsMessage } from '../contracts/perception.ts';
import type { TimeNs } from '../contracts/time.ts';
import { topics } from '../contracts/topics.ts';
import { detectionsToImageAnnotations } from '../detect/annotations.ts';
import { createTrails, objectsToSceneUpdate } from '../fuse/scene.ts';
import type { SchemaSpec } from '../io/types.ts';
import { tracksToImageAnnotations } from '../track/annotations.ts';
import type { RigResult } from './stage.ts';

interface OutputMessage {
  topic: string;
  schema: SchemaSpec;
  message: object;
  tNs?: TimeNs;
}

const ANNOTATIONS: SchemaSpec = { kind: 'foxglove', name: 'foxglove.ImageAnnotations' };
const SCENE: SchemaSpec = { kind: 'foxglove', name: 'foxglove.SceneUpdate' };
const OBJECTS: SchemaSpec = {
  kind: 'json',
  name: 'viper.Objects',
  jsonSchema: z.toJSONSchema(ObjectsMessage) as object,
};

/**
 * `spell`: how the input spells a frame Viper names (`odom` → a ROS 1 bag's `/odom`), for the frame ids of the
 * Foxglove messages, which Foxglove matches against the input's own transforms copied into the results.
 */
export function createOutputEncoder(
  spell: (frame: string) => string = (f) => f,
): (r: RigResult) => OutputMessage[] {
  const trails = new Map<string, ReturnType<typeof createTrails>>();
  return (r) => {
    const out: OutputMessage[] = [];
    for (const frame of r.rig.frames) {
      const cam = frame.cameraId;
      const tracks = r.tracks.get(cam);
      const dets = r.detections.get(cam);
      const message = tracks
        ? tracksToImageAnnotations(tracks, frame.tNs, cam)
        : dets
          ? detectionsToImageAnnotations(dets, frame.tNs, cam)
          : undefined;
      if (message) out.push({ topic: topics.annotations(cam), schema: ANNOTATIONS, message, tNs: frame.tNs });
    }
    if (r.objects) {
      const tNs = r.rig.tNs;
      const objects: ObjectsMessage = { stampNs: tNs.toString(), feedId: r.rig.feedId, objects: r.objects };
      out.push({ topic: topics.objects, schema: OBJECTS, message: objects, tNs });
      let t = trails.get(r.rig.feedId);
      if (!t) {
        t = createTrails();
        trails.set(r.rig.feedId, t);
      }
      const scene = objectsToSceneUpdate(r.objects, tNs, t.push(r.objects));
      for (const e of scene.entities) e.frame_id = spell(e.frame_id);
      out.push({ topic: topics.scene, schema: SCENE, message: scene, tNs });
    }
    return out;
  };
}
