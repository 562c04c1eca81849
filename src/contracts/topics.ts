/** Topic names (DESIGN.md), following Foxglove conventions so files open in Foxglove as they are. */
export const topics = {
  image: (camera: string) => `/${camera}/image`,
  calibration: (camera: string) => `/${camera}/calibration`,
  tf: '/tf',
  groundTruthObjects: '/ground_truth/objects',
  groundTruthScene: '/ground_truth/scene',
  annotations: (camera: string) => `/perception/${camera}/annotations`,
  objects: '/perception/objects',
  scene: '/perception/scene',
  metrics: '/perception/metrics',
  /**
   * Identity transforms joining two spellings of one ROS frame (`/cam_front` on the images, `cam_front` on
   * /tf_static), which Foxglove joins only in a ROS-profile file (graph/frameSpellings.ts).
   */
  frameAliases: '/perception/frame_aliases',
  /** Every output of the perception graph lies under this prefix. */
  resultsPrefix: '/perception/',
} as const;

/**
 * The camera whose results an annotations topic carries (the inverse of `topics.annotations`):
 * `/perception/cam_front/annotations` → cam_front; null for any other topic.
 */
export function cameraFromAnnotationsTopic(topic: string): string | null {
  const m = /^\/perception\/(.+)\/annotations$/.exec(topic);
  return m ? m[1]! : null;
}

/** Frames: the world (`odom`), the ego body (`base_link`, FLU), and one optical frame per camera. */
export const frames = { world: 'odom', ego: 'base_link' } as const;

/**
 * The camera a topic belongs to, for a message that names no frame_id (and for the viewer, which names cameras
 * by topic): `/cam_front/image` → cam_front, `/front/image_raw/compressed` → front, `/sensors/left/camera_info` →
 * left. Its results are then on `/perception/<camera>/annotations`.
 */
export function cameraFromTopic(topic: string): string {
  const parts = topic.split('/').filter(Boolean);
  const last = parts.at(-1) ?? topic;
  if (parts.length > 1 && /^(image|image_raw|compressed|calibration|camera_info)$/.test(last)) {
    const prev = parts.at(-2)!;
    if (prev === 'image_raw' || prev === 'image') return parts.at(-3) ?? prev;
    return prev;
  }
  return last;
}
