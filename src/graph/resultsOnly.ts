/**
 * `replay --results-only`: which input channels a results file keeps. Everything the graph writes stays (it is
 * all under `/perception/`); of the input, only what makes the file usable on its own and costs little:
 *
 * - camera calibrations (`foxglove.CameraCalibration`, `sensor_msgs/CameraInfo`): the image size and intrinsics
 *   Viper's viewer draws the boxes and frustums with, and Foxglove's 3D panel projects with; a few hundred bytes
 *   a frame;
 * - transforms (`/tf`, `/tf_static`, any `FrameTransform(s)` or `TFMessage` topic): the scene's entities are in
 *   the input's world frame and the cameras on its body; without them neither Foxglove nor the viewer can place
 *   anything;
 * - ground-truth objects (`/ground_truth/objects`): a simulated or imported recording's labels, so `viper eval`,
 *   `compare`, `export`, `scenarios score` and the viewer read them from the results file as they do from a full
 *   one (no `--gt`); a real feed has none, so it costs nothing there. Not `/ground_truth/scene` (the labels as 3D
 *   cubes for Foxglove, 14 % of urban_intersection's results-only payload): no Viper reader uses it, and Foxglove
 *   shows it from the recording opened beside the results.
 *
 * Everything else is left out: the images (compressed or raw, depth images included), and any other passthrough
 * Viper does not read (compressed video, point clouds, unknown topics). Those are in the input recording, which
 * Foxglove opens together with the results file (the annotations then draw over its images). Decided per channel,
 * by topic and schema only, so the output bytes stay a function of the input and the options.
 */
import { schemaKind } from '../contracts/schemaKinds.ts';
import { topics } from '../contracts/topics.ts';

/** Whether a results-only file keeps an input channel (see the module comment). */
export function keptInResultsOnly(topic: string, schemaName: string): boolean {
  if (topic.startsWith(topics.resultsPrefix) || topic === topics.groundTruthObjects) return true;
  const kind = schemaKind(schemaName)?.kind;
  return kind === 'calibration' || kind === 'tf' || kind === 'tfSingle';
}

/** What a results-only replay left out of its file: the topics (sorted), their messages and bytes. */
export interface LeftOut {
  topics: string[];
  messages: number;
  bytes: number;
}

/** Counts what a results-only replay leaves out, per topic. */
export class LeftOutCounter {
  private readonly byTopic = new Map<string, number>();
  private readonly imageTopics = new Set<string>();
  private bytes = 0;

  add(topic: string, bytes: number, image: boolean): void {
    this.byTopic.set(topic, (this.byTopic.get(topic) ?? 0) + 1);
    if (image) this.imageTopics.add(topic);
    this.bytes += bytes;
  }

  /**
   * The images left out, counted per topic (JSON, topics sorted), for the file's metadata: `viper export` numbers
   * a camera's tracked frames and warns when some of its images were not tracked, which it can no longer count.
   */
  imagesJson(): string {
    const topics = [...this.imageTopics].sort();
    return JSON.stringify(Object.fromEntries(topics.map((t) => [t, this.byTopic.get(t)!])));
  }

  summary(): LeftOut {
    let messages = 0;
    for (const n of this.byTopic.values()) messages += n;
    return { topics: [...this.byTopic.keys()].sort(), messages, bytes: this.bytes };
  }
}
