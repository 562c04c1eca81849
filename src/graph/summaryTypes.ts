/** What `replay` reports when it ends (the CLI prints it, `--json` gives it whole). */
import type { TimeNs } from '../contracts/time.ts';
import type { LeftOut } from './resultsOnly.ts';

export interface ReplaySummary {
  input: string;
  output: string;
  messagesRead: number;
  /** The messages an indexed file's statistics count (absent for a streamed file). */
  messagesIndexed?: number;
  messagesWritten: number;
  cameraFrames: number;
  rigFrames: number;
  cameras: string[];
  /** Per camera: rig frames in which it was missing. */
  missing: Record<string, number>;
  uncalibratedCameras: string[];
  /** Cameras whose header stamps were on another clock than the log's: their frames were placed at log time. */
  otherClockCameras?: string[];
  issues: number;
  issueKinds: Record<string, number>;
  /** First few undecodable messages (topic, time, why). */
  badMessages: string[];
  /**
   * Image topics that are no camera Viper perceives, "topic (why)": depth images (16UC1, 32FC1), 16-bit grey, raw
   * encodings it does not read. Their messages are copied through; absent when there are none.
   */
  notCameras?: string[];
  /**
   * Frames not perceived as copies of a camera's frame (issue `duplicate-frame`): per camera, the topic whose frame
   * at that stamp was used and the topic of the copy (image_transport's raw and compressed topics of one camera;
   * the same topic when a frame was recorded twice at one log time), with how many. Absent when there are none.
   */
  duplicateFrames?: { cameraId: string; used: string; copy: string; frames: number }[];
  /**
   * Cameras whose calibration cannot project (issue `bad-calibration`, their tracks not fused) and why: an
   * unsupported distortion model (a fisheye's `equidistant`), fx or fy 0 (an uncalibrated ROS camera's
   * CameraInfo), non-finite values. Absent when there are none.
   */
  badCalibrations?: { cameraId: string; why: string }[];
  startNs: TimeNs;
  endNs: TimeNs;
  interrupted: boolean;
  /** Wall-clock ms from a rig frame closing to its outputs being written (display only, not in the file). */
  latencyMs: { p50: number; p95: number; max: number } | null;
  recovery?: { damaged: boolean; reason?: string; bytesLost: number };
  /** Input messages on `/perception/…` (an earlier run's results) left out: replaced by this run's stages. */
  earlierResultsDropped: number;
  stages: Record<string, Record<string, unknown>>;
  /** What the stages produced, summed over rig frames (absent with no stages). */
  perception?: PerceptionCounts;
  /** Topics the live server could not carry (their encoding); absent without one. */
  notStreamed?: string[];
  /**
   * `--results-only`: the input topics left out of the results file (its images), with their messages and bytes.
   * Absent without the option.
   */
  leftOut?: LeftOut;
  /** Input topics copied through that Viper cannot decode (an encoding or IDL it does not read): "topic (why)". */
  copiedUndecoded: string[];
}

/** Outputs of the stages over a replay: detections, 2D track boxes and world-object reports (per rig frame). */
export interface PerceptionCounts {
  detections: number;
  trackBoxes: number;
  worldObjects: number;
}
