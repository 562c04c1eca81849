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
  /** Every output of the perception graph lies under this prefix. */
  resultsPrefix: '/perception/',
} as const;

/** Frames: the world (`odom`), the ego body (`base_link`, FLU), and one optical frame per camera. */
export const frames = { world: 'odom', ego: 'base_link' } as const;
