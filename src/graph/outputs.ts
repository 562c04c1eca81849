/**
 * Perception outputs of one rig frame as messages for the results file (DESIGN.md topics): per-camera
 * foxglove.ImageAnnotations (tracks when a tracker ran, else detections), `/perception/objects` (viper JSON) and
 * `/perception/scene` (foxglove.SceneUpdate) when fusion ran.
 */
import type { TimeNs } from '../contracts/time.ts';
import type { SchemaSpec } from '../io/types.ts';
import type { RigResult } from './stage.ts';

export interface OutputMessage {
  topic: string;
  schema: SchemaSpec;
  message: object;
  tNs?: TimeNs;
}

export function outputEncoders(_r: RigResult): OutputMessage[] {
  return [];
}
