/**
 * The simulation loop: frame k is at t = k / rate seconds (log time = epoch + t). Each frame renders every
 * camera, drops the cameras inside a dropout window, and computes ground truth from the rest. A generator, so
 * callers (recorder, dataset export, tests) pull frames one at a time with flat memory.
 */
import { NS_PER_S, type TimeNs } from '../contracts/time.ts';
import type { GroundTruthMessage } from '../contracts/perception.ts';
import { groundTruthMessage } from './groundTruth.ts';
import {
  type CameraImage,
  createRenderer,
  type RenderedFrame,
  type Renderer,
  renderFrame,
} from './render/renderer.ts';
import type { Scenario } from './scenario/schema.ts';
import type { World } from './world/world.ts';

export interface SimFrame {
  /** Frame index from 0. */
  k: number;
  t: number;
  tNs: TimeNs;
  frame: RenderedFrame;
  /** Cameras with an image this frame (not in a dropout window). Buffers are reused by the next frame. */
  images: CameraImage[];
  gt: GroundTruthMessage;
}

export function frameCount(s: Scenario): number {
  return Math.floor(s.duration * s.rate + 1e-9);
}

/** Log time of frame k, exact in integer nanoseconds. */
function frameStampNs(s: Scenario, k: number): TimeNs {
  return BigInt(s.epoch) * NS_PER_S + BigInt(Math.round((k * 1e9) / s.rate));
}

export function inDropout(s: Scenario, cameraId: string, t: number): boolean {
  return s.dropouts.some((d) => d.camera === cameraId && t >= d.start && t < d.end);
}

interface SimulateOptions {
  /** Only these frame indexes (default: all). */
  frames?: number[];
  /** Apply sensor effects (noise, blur, rain); tests of geometry may turn them off. */
  effects?: boolean;
  renderer?: Renderer;
}

/** Iterate the frames of a scenario. */
export function* simulateFrames(world: World, opts: SimulateOptions = {}): Generator<SimFrame> {
  const s = world.scenario;
  const r = opts.renderer ?? createRenderer(world);
  const n = world.agents.length;
  const ks = opts.frames ?? Array.from({ length: frameCount(s) }, (_, k) => k);
  for (const k of ks) {
    const t = k / s.rate;
    const tNs = frameStampNs(s, k);
    const frame = renderFrame(r, t, k, opts.effects ?? true);
    const images = frame.images.filter((img) => !inDropout(s, img.cameraId, t));
    yield { k, t, tNs, frame, images, gt: groundTruthMessage(frame, tNs, n, images) };
  }
}
