/**
 * A replay whose stages produced nothing says so and why, in the text summary and in --json: an empty result is
 * otherwise a silent pass (a card that does not fit its model, scores under the birth threshold, a recording
 * without camera mounts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ReplaySummary } from '../../src/graph/replay.ts';
import { replayNotes } from '../../src/cli/replaySummary.ts';
import { expectOneLineExit2, viper, viperInProcess } from '../testing/cli.ts';
import { viperMetadata, writeRigRecording } from '../testing/recordings.ts';

const base: ReplaySummary = {
  input: 'in.mcap',
  output: 'out.mcap',
  messagesRead: 20,
  messagesWritten: 40,
  cameraFrames: 10,
  rigFrames: 10,
  cameras: ['cam0'],
  missing: {},
  uncalibratedCameras: [],
  issues: 0,
  issueKinds: {},
  badMessages: [],
  startNs: 0n,
  endNs: 1_000_000_000n,
  interrupted: false,
  latencyMs: null,
  earlierResultsDropped: 0,
  stages: { detect: {}, 'track-bytetrack': {}, fuse: {} },
  perception: { detections: 30, trackBoxes: 25, worldObjects: 20 },
  copiedUndecoded: [],
};
const notes = (over: Partial<ReplaySummary>) => replayNotes({ ...base, ...over });

describe('replay notes', () => {
  it('messages the index counts but the read did not meet (a record spoilt in a chunk without a CRC)', () => {
    expect(notes({ messagesIndexed: 21 })).toEqual([
      "1 of the 21 messages the file's statistics count were not read: a record damaged inside a chunk without a CRC?",
    ]);
    expect(notes({ messagesIndexed: 20 })).toEqual([]);
    expect(notes({ messagesIndexed: 21, interrupted: true })).toEqual([]);
    expect(notes({ messagesIndexed: 21, recovery: { damaged: true, bytesLost: 10 } })).toEqual([]);
  });

  it('none when every stage produced something, or nothing ran, or there were no frames', () => {
    expect(notes({})).toEqual([]);
    expect(notes({ perception: undefined, stages: {} })).toEqual([]);
  });

  it('frames without an ego pose: the frame above the vehicle, a fixed camera, or /tf starting after the images', () => {
    const fuse = (more: Record<string, unknown>) => ({
      issueKinds: { 'no-ego-pose': 3 },
      stages: { ...base.stages, fuse: { worldFrame: 'odom', groundFrame: 'base_link', ...more } },
    });
    const head =
      '3 camera frames had no transform odom → base_link in /tf: their world objects were placed as if the vehicle stood at the origin (in base_link while no pose had been found); ';
    expect(notes(fuse({ groundFrameRoots: ['map'] }))).toEqual([
      `${head}the recording's /tf has base_link under map: pass --world-frame map`,
    ]);
    expect(notes(fuse({ groundFrameRoots: ['base_link'] }))).toEqual([
      `${head}base_link has no parent in the recording's /tf (a fixed camera: then this is right); a moving vehicle's fixed frame is named with --world-frame`,
    ]);
    expect(notes(fuse({ lateEgoPoseFeeds: 1 }))).toEqual([
      `${head}they came before the first odom → base_link transform (1 feed whose /tf starts after its images)`,
    ]);
  });

  it('every message at one log time (a writer that stamped nothing): the unaligned cameras are said to be why', () => {
    expect(notes({ startNs: 0n, endNs: 0n, rigFrames: 10 })).toEqual([
      'every message has the same log time (0 ns): frames are read topic by topic, so cameras are not aligned into rig frames (10 camera frames in 10 rig frames); rewrite the recording with real log times',
    ]);
    expect(notes({ startNs: 0n, endNs: 0n, rigFrames: 1, cameraFrames: 1 })).toEqual([]);
  });

  it('camera channels without one image (every camera in a dropout): the empty result is said to be that', () => {
    const none = {
      cameraFrames: 0,
      rigFrames: 0,
      perception: { detections: 0, trackBoxes: 0, worldObjects: 0 },
    };
    expect(notes(none)).toEqual([
      'no camera frames: the camera channels (cam0) hold no image, so nothing was detected or tracked',
    ]);
    expect(notes({ ...none, cameras: [] })).toEqual(['no camera frames: nothing was detected or tracked']);
    expect(notes({ ...none, interrupted: true })).toEqual([]);
    expect(notes({ ...none, stages: {} })).toEqual([]);
  });

  it('no world objects because a calibration cannot project (an all-zero CameraInfo), not because of the tracks', () => {
    expect(
      notes({
        perception: { detections: 30, trackBoxes: 25, worldObjects: 0 },
        issues: 10,
        issueKinds: { 'bad-calibration': 10 },
      }),
    ).toEqual([
      expect.stringMatching(/^no world objects: 10 camera frames had a calibration that cannot project/),
    ]);
    expect(
      notes({
        perception: { detections: 30, trackBoxes: 25, worldObjects: 0 },
        issues: 10,
        issueKinds: { 'bad-calibration': 10 },
        badCalibrations: [
          {
            cameraId: 'cam0',
            why: 'camera intrinsics have non-positive focal length fx=0 fy=0 — K must be …',
          },
        ],
      }),
    ).toEqual([
      "no world objects: 10 camera frames had a calibration that cannot project (cam0: camera intrinsics have non-positive focal length fx=0 fy=0 — K must be …; as an uncalibrated ROS camera's CameraInfo): calibrate the camera (a model Viper supports), or --no-fuse",
    ]);
  });

  it('a calibration that cannot project for another reason (a fisheye model) is given that reason', () => {
    const [note] = notes({
      perception: { detections: 30, trackBoxes: 25, worldObjects: 0 },
      issues: 10,
      issueKinds: { 'bad-calibration': 10 },
      badCalibrations: [
        { cameraId: 'fish', why: "unsupported distortion model 'equidistant' with coefficients []" },
      ],
    });
    expect(note).toMatch(/cannot project \(fish: unsupported distortion model 'equidistant'/);
    expect(note).not.toMatch(/fx or fy 0/);
  });

  it('names the topics copied through undecoded', () => {
    expect(notes({ copiedUndecoded: ["/radar (unsupported schema encoding 'ros2idl')"] })).toEqual([
      "copied through as they are, not decoded (Viper does not read their encoding): /radar (unsupported schema encoding 'ros2idl')",
    ]);
  });

  it('names the first stage that produced nothing, and why', () => {
    expect(notes({ perception: { detections: 0, trackBoxes: 0, worldObjects: 0 } })).toEqual([
      expect.stringMatching(
        /^no detection in 10 camera frames: if objects are in view, check that the model card fits the model/,
      ),
    ]);
    expect(notes({ perception: { detections: 30, trackBoxes: 0, worldObjects: 0 } })).toEqual([
      expect.stringMatching(
        /^30 detections but no track: if they are real objects, .*--birth-thresh lowers it/,
      ),
    ]);
    // The oracle's false positives on an empty road never start a track: nothing to say about thresholds.
    expect(
      notes({
        stages: { 'detect-oracle': {}, 'track-bytetrack': {}, fuse: {} },
        perception: { detections: 10, trackBoxes: 0, worldObjects: 0 },
      }),
    ).toEqual([]);
    expect(
      notes({
        perception: { detections: 30, trackBoxes: 25, worldObjects: 0 },
        issueKinds: { 'no-transform': 10 },
      }),
    ).toEqual([
      expect.stringMatching(
        /^no world objects: fusion needs each camera's mount .*none was found for the 10 camera frames that had tracks to place/,
      ),
    ]);
    expect(
      notes({
        perception: { detections: 30, trackBoxes: 25, worldObjects: 0 },
        uncalibratedCameras: ['cam0'],
      }),
    ).toEqual([expect.stringMatching(/cameras without calibration \(cam0\)/)]);
    // Without fusion, no world objects is what was asked for.
    expect(
      notes({
        perception: { detections: 30, trackBoxes: 25, worldObjects: 0 },
        stages: { detect: {}, 'track-bytetrack': {} },
      }),
    ).toEqual([]);
  });
});

it('a real replay of blank frames through the bundled model says it found nothing, in text and JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-notes-'));
  const frames = join(dir, 'frames');
  mkdirSync(frames);
  const grey = await sharp({ create: { width: 160, height: 90, channels: 3, background: '#777777' } })
    .jpeg()
    .toBuffer();
  for (let k = 1; k <= 4; k++) writeFileSync(join(frames, `${k}.jpg`), grey);
  const rec = join(dir, 'grey.mcap');
  expect(viper(['import', frames, '-o', rec, '--no-progress']).code).toBe(0);
  const text = viper(['replay', rec, '-o', join(dir, 'r.mcap'), '--no-fuse', '--no-progress']);
  expect(text.code, text.stderr).toBe(0);
  expect(text.stdout).toMatch(/perception: 0 detections, 0 track boxes, 0 world-object reports/);
  expect(text.stdout).toMatch(/note: no detection in 4 camera frames/);
  const json = viper(['replay', rec, '-o', join(dir, 'j.mcap'), '--no-fuse', '--json']);
  const s = JSON.parse(json.stdout);
  expect(s.perception).toEqual({ detections: 0, trackBoxes: 0, worldObjects: 0 });
  expect(s.notes).toEqual([expect.stringMatching(/^no detection in 4 camera frames/)]);
}, 120_000);

it('a corrupt JPEG is counted and named (camera and log time), and the replay goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-corrupt-'));
  const input = join(dir, 'rec.mcap');
  await writeRigRecording(input, {
    cameras: ['cam_front', 'cam_back'],
    frames: 6,
    corrupt: { cam_back: [3] },
  });
  const r = viper(['replay', input, '-o', join(dir, 'out.mcap'), '--no-fuse', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/non-fatal issues: 1 decode\n {4}cam_back image at log time \d+ ns: /);
  expect(r.stdout).toMatch(/frames=12 decodeErrors=1/);
}, 60_000);

it('a recording none of whose images can be used (all corrupt, or webp) fails with one line; the copy is kept and marked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-unusable-'));
  const all = [0, 1, 2, 3];
  const corrupt = join(dir, 'corrupt.mcap');
  await writeRigRecording(corrupt, { frames: 4, corrupt: { cam_front: all, cam_back: all } });
  const webp = join(dir, 'webp.mcap');
  await writeRigRecording(webp, { frames: 4, format: 'webp' });
  for (const [input, first] of [
    [corrupt, /cam_back image at log time \d+ ns: cannot decode jpeg/],
    [webp, /unsupported compressed image format 'webp'/],
  ] as const) {
    const out = `${input}.results.mcap`;
    const line = await expectOneLineExit2(['replay', input, '-o', out, '--no-fuse', '--no-progress'], first);
    expect(line).toMatch(
      /^error: recording: none of its 8 camera images could be used \(the first: .*\) \(.*\.mcap\) — nothing was perceived; what was written is in .*\.results\.mcap, finalized and marked failed$/,
    );
    expect((await viperMetadata(out)).failed).toMatch(/^recording: none of its 8 camera images/);
  }
  // A pass-through copy perceives nothing on purpose.
  expect(
    (await viperInProcess(['replay', webp, '-o', join(dir, 'copy.mcap'), '--detector', 'none'])).code,
  ).toBe(0);
}, 60_000);
