/**
 * The viewer's Recording for node tests. Loaded untyped: it imports its WebAssembly decompressors through Vite's
 * `?url`, which neither node's type check (no DOM lib) nor a static import takes, so the part the tests read is
 * typed here, once.
 */
import type { McapTypes } from '@mcap/core';
import type { CameraBox, CameraImage, CameraIntrinsics, Tf } from '../../viewer/src/data/normalize.ts';

export interface ViewerCamera {
  id: string;
  imageTopic: string | null;
  annotationsTopic: string | null;
  calibrationTopic: string | null;
  intrinsics: CameraIntrinsics | null;
  mount: Tf | null;
}

export interface ViewerFrame {
  images: Map<string, CameraImage>;
  boxes: Map<string, CameraBox[]>;
  gt: unknown;
  objects: unknown;
  ego: Tf | null;
  trails: Map<number, [number, number, number][]>;
}

export interface ViewerRecording {
  cameras: ViewerCamera[];
  frameTimes: bigint[];
  warnings: string[];
  /** Written with `replay --results-only` (its metadata says so). */
  resultsOnly: boolean;
  /** Its images come from the recording opened beside it. */
  imagesBeside: boolean;
  name: string;
  readFrame(index: number): Promise<ViewerFrame>;
}

const recordingModule = '../../viewer/src/data/Recording.ts';
const { Recording } = (await import(/* @vite-ignore */ recordingModule)) as {
  Recording: {
    open(readable: McapTypes.IReadable, name: string, images?: Beside): Promise<ViewerRecording>;
  };
};

/** The recording beside a results-only file, whose images it shows. */
interface Beside {
  source: McapTypes.IReadable;
  name: string;
}

/** Opens a file as the viewer does (`Recording.open`), with the recording beside it when given. */
export function openRecording(
  readable: McapTypes.IReadable,
  name: string,
  images?: Beside,
): Promise<ViewerRecording> {
  return Recording.open(readable, name, images);
}
