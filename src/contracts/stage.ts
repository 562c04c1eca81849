/**
 * The stage interface every perception step plugs into (detect, track, fuse, …). A stage receives batches of
 * rig results in log-time order and returns them (same order, same length) with its outputs filled in. The graph
 * decides batch boundaries (count or log-time window, never wall time), so a stage must give the same output
 * whatever the batch size: stateful stages (trackers) process the frames of a batch one by one, in order.
 */
import type { RgbPixels, RigFrame } from './camera.ts';
import type { Detection, Track2D, WorldObject } from './perception.ts';

/** Per-frame problems that do not stop the run (counted and reported). */
export interface FrameIssue {
  cameraId: string;
  kind: string;
  message: string;
}

export interface RigResult {
  rig: RigFrame;
  /** Detections per camera id (absent: no detector ran on that camera). */
  detections: Map<string, Detection[]>;
  /** 2D tracks per camera id (absent: no tracker ran). */
  tracks: Map<string, Track2D[]>;
  /** Fused world objects (absent: fusion did not run). */
  objects?: WorldObject[];
  issues: FrameIssue[];
  /**
   * Decoded images a stage made and passed on so that a later one need not decode the frame again (the detect
   * stage's, with `keepPixels`, for the track stage's colours), by camera id. The stage that uses them deletes
   * them, so they do not travel on to the writer.
   */
  pixels?: Map<string, RgbPixels>;
}

export interface Stage {
  readonly name: string;
  /**
   * The stage keeps no state from one batch to the next, so the graph may hand it the next batch before the
   * previous one has resolved (a detector decodes the next frames while this batch's inference runs). Stateful
   * stages (unset) get their batches one at a time, in order.
   */
  readonly concurrent?: boolean;
  /** Process one batch; resolve with the same results, in the same order, outputs added. */
  process(batch: RigResult[]): Promise<RigResult[]>;
  /** Facts for the run summary and the results file (e.g. { executionProvider: 'cpu' }). */
  describe?(): Record<string, unknown>;
  close?(): Promise<void>;
}

export function emptyResult(rig: RigFrame): RigResult {
  return { rig, detections: new Map(), tracks: new Map(), issues: [] };
}
