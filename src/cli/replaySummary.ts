/** The text summary `viper replay` prints for one replayed recording (`--json` prints the object itself). */
import { nsToSec } from '../contracts/time.ts';
import type { ReplaySummary } from '../graph/replay.ts';
import { plural } from './words.ts';

/** The summary as JSON prints it: the object, with the notes the text shows. */
export function summaryJson(s: ReplaySummary): ReplaySummary & { notes: string[] } {
  return { ...s, notes: replayNotes(s) };
}

/**
 * What a run that produced nothing at some stage should be told, and why: an empty result reads as a pass to
 * whoever only looks at the exit code (a card whose normalisation does not fit its model finds nothing; YOLOX's
 * 0.3–0.5 scores on small road users never start a track; a recording without camera mounts gives no world
 * objects).
 */
export function replayNotes(s: ReplaySummary): string[] {
  const notes: string[] = [];
  // A record spoilt inside a chunk without a CRC is skipped by the parser: only the count shows it.
  if (
    s.messagesIndexed !== undefined &&
    !s.interrupted &&
    !s.recovery?.damaged &&
    s.messagesRead < s.messagesIndexed
  )
    notes.push(
      `${s.messagesIndexed - s.messagesRead} of the ${s.messagesIndexed} messages the file's statistics count were not read: a record damaged inside a chunk without a CRC?`,
    );
  if (s.notCameras)
    notes.push(
      `not perceived, their images ${s.leftOut ? 'left out (--results-only)' : 'copied through'} (no camera Viper reads): ${s.notCameras.join(', ')}`,
    );
  if (s.copiedUndecoded.length > 0)
    notes.push(
      `copied through as they are, not decoded (Viper does not read their encoding): ${s.copiedUndecoded.join(', ')}`,
    );
  // Camera channels without a single image (every camera in a dropout, a bag of calibrations only): an empty
  // results file that exits 0 looked like a run that found nothing.
  if (s.cameraFrames === 0 && !s.interrupted && Object.keys(s.stages).length > 0)
    notes.push(
      s.cameras.length > 0
        ? `no camera frames: the camera channels (${s.cameras.join(', ')}) hold no image, so nothing was detected or tracked`
        : 'no camera frames: nothing was detected or tracked',
    );
  // A writer that stamped nothing (every log time 0): messages are read in log-time order, topic by topic, so
  // no two cameras met in a rig frame.
  if (s.messagesRead > 1 && s.startNs === s.endNs && s.rigFrames > 1)
    notes.push(
      `every message has the same log time (${s.startNs} ns): frames are read topic by topic, so cameras are not aligned into rig frames (${s.cameraFrames} camera frames in ${s.rigFrames} rig frames); rewrite the recording with real log times`,
    );
  const p = s.perception;
  if (!p || s.cameraFrames === 0) return notes;
  if ('detect' in s.stages && p.detections === 0)
    notes.push(
      `no detection in ${s.cameraFrames} camera frames: if objects are in view, check that the model card fits the model (input size, colorOrder, scale, mean/std) and that the images are what it was trained on`,
    );
  else if ('detect-oracle' in s.stages && p.detections === 0)
    notes.push('no detection: no ground-truth actor is in view of a camera in this recording');
  // A model's detections that never start a track are usually real objects scored under the birth threshold
  // (the oracle's false positives on an empty road never start one either: nothing to say there).
  if ('detect' in s.stages && 'track-bytetrack' in s.stages && p.detections > 0 && p.trackBoxes === 0)
    notes.push(
      `${p.detections} detections but no track: if they are real objects, they score under the birth threshold (the card's birthThresh where it sets one, as the bundled card does, else --track-thresh + 0.1: 0.6 by default); --birth-thresh lowers it, e.g. to the card's score threshold`,
    );
  // A bag whose fixed frame is map (or that has none: a fixed camera) had placed every object as if the vehicle
  // never moved, said only by an issue count.
  const noPose = s.issueKinds['no-ego-pose'] ?? 0;
  if ('fuse' in s.stages && noPose > 0) {
    const fuse = s.stages.fuse!;
    const world = String(fuse.worldFrame);
    const ego = String(fuse.groundFrame);
    const roots = (fuse.groundFrameRoots as string[] | undefined) ?? [];
    const above = roots.filter((r) => r !== ego);
    const why =
      above.length > 0
        ? `the recording's /tf has ${ego} under ${above.join(', ')}: pass --world-frame ${above[0]}`
        : roots.length > 0
          ? `${ego} has no parent in the recording's /tf (a fixed camera: then this is right); a moving vehicle's fixed frame is named with --world-frame`
          : `they came before the first ${world} → ${ego} transform (${plural(Number(fuse.lateEgoPoseFeeds ?? 0), 'feed')} whose /tf starts after its images)`;
    notes.push(
      `${noPose} camera frames had no transform ${world} → ${ego} in /tf: their world objects were placed as if the vehicle stood at the origin (in ${ego} while no pose had been found); ${why}`,
    );
  }
  if ('fuse' in s.stages && p.trackBoxes > 0 && p.worldObjects === 0) {
    const noTf = s.issueKinds['no-transform'] ?? 0;
    const badCal = s.issueKinds['bad-calibration'] ?? 0;
    notes.push(
      noTf > 0
        ? `no world objects: fusion needs each camera's mount (/tf from base_link to the camera; \`viper import --mount\` writes one); none was found for the ${noTf} camera frames that had tracks to place. --no-fuse skips fusion`
        : badCal > 0
          ? `no world objects: ${badCal} camera frames had a calibration that cannot project${badCalibrationReasons(s)}: calibrate the camera (a model Viper supports), or --no-fuse`
          : s.uncalibratedCameras.length > 0
            ? `no world objects: cameras without calibration (${s.uncalibratedCameras.join(', ')}) cannot be placed in the world`
            : 'no world objects: no 2D track was confirmed long enough, or placed within range, to become one',
    );
  }
  return notes;
}

/** Why the calibrations cannot project, camera by camera (` (cam: why; …)`), from the fusion's issues. */
function badCalibrationReasons(s: ReplaySummary): string {
  const list = s.badCalibrations ?? [];
  if (list.length === 0) return '';
  const why = (w: string) =>
    /non-positive focal length/.test(w) ? `${w}; as an uncalibrated ROS camera's CameraInfo` : w;
  return ` (${list.map((b) => `${b.cameraId}: ${why(b.why)}`).join('; ')})`;
}

export function printSummary(s: ReplaySummary): void {
  process.stdout.write(`${summaryLines(s).join('\n')}\n`);
}

/** A duplicate-frame count, with the topics: which one's frames were perceived, which one's copied through. */
function duplicateLine(d: NonNullable<ReplaySummary['duplicateFrames']>[number]): string {
  const n = `${d.frames} frame${d.frames === 1 ? '' : 's'}`;
  return d.used === d.copy
    ? `duplicate-frame: ${d.cameraId}: ${n} of ${d.copy} recorded twice at one log time, the copies not perceived`
    : `duplicate-frame: ${d.cameraId} is on ${d.used} and ${d.copy}: ${n} of ${d.copy} not perceived (copied through), those of ${d.used} at the same stamps used`;
}

/** What `--results-only` left out of the file, and where it still is. */
function leftOutLine(l: NonNullable<ReplaySummary['leftOut']>): string {
  if (l.topics.length === 0) return '  results only: no input topic left out (the input has no images)';
  const shown = l.topics.slice(0, 6).join(', ');
  const more = l.topics.length > 6 ? `, … ${l.topics.length - 6} more` : '';
  return (
    `  results only: left out ${l.messages} input messages (${(l.bytes / 1e6).toFixed(2)} MB) on ${l.topics.length} ` +
    `topic${l.topics.length === 1 ? '' : 's'} (${shown}${more}); they are in the input: open it with this file in Foxglove, or \`viper view <this file> --images <input>\``
  );
}

/** The text summary, line by line. */
export function summaryLines(s: ReplaySummary): string[] {
  // No message read (an interrupted start, a recovered file with nothing intact): no span, not a negative one.
  const durS = s.messagesRead > 0 && s.endNs >= s.startNs ? nsToSec(s.endNs - s.startNs) : 0;
  const lines = [
    `replayed ${s.input} → ${s.output}${s.interrupted ? ' (interrupted, output finalized)' : ''}`,
    `  messages: ${s.messagesRead} read, ${s.messagesWritten} written over ${durS.toFixed(2)} s of log time`,
    `  cameras: ${s.cameras.join(', ') || '(none)'}; ${s.cameraFrames} camera frames in ${s.rigFrames} rig frames`,
  ];
  const missing = Object.entries(s.missing);
  if (missing.length > 0)
    lines.push(`  missing: ${missing.map(([c, n]) => `${c} in ${n} rig frames`).join(', ')}`);
  if (s.uncalibratedCameras.length > 0)
    lines.push(`  uncalibrated (no calibration message): ${s.uncalibratedCameras.join(', ')}`);
  if (s.otherClockCameras)
    lines.push(
      `  header stamps on another clock (over 10 s from log time), frames placed at their log times: ${s.otherClockCameras.join(', ')}`,
    );
  if (s.issues > 0)
    lines.push(
      `  non-fatal issues: ${Object.entries(s.issueKinds)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
    );
  // What the bad messages were (the first five): a count alone leaves the user to guess.
  for (const m of s.badMessages) lines.push(`    ${m}`);
  for (const d of s.duplicateFrames ?? []) lines.push(`    ${duplicateLine(d)}`);
  for (const b of s.badCalibrations ?? []) lines.push(`    bad-calibration: ${b.cameraId}: ${b.why}`);
  for (const [name, facts] of Object.entries(s.stages)) {
    // An empty list (no provider fell back) or an absent value says nothing: left out rather than `key=`.
    const f = Object.entries(facts)
      .filter(([, v]) => v !== undefined && v !== null && String(v) !== '')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    lines.push(`  stage ${name}${f ? `: ${f}` : ''}`);
  }
  const camFrames = s.rigFrames * s.cameras.length;
  const dropped = Object.values(s.missing).reduce((a, b) => a + b, 0);
  if (camFrames > 0)
    lines.push(
      // Not all drops: a camera slower than the rig misses the rig frames between its own.
      `  camera frames missing from rig frames: ${dropped} of ${camFrames} (${((100 * dropped) / camFrames).toFixed(1)}%; dropped, or a camera slower than the rig)`,
    );
  if (s.latencyMs)
    lines.push(
      `  latency per rig frame (closed → written, wall clock): p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms, max ${s.latencyMs.max} ms`,
    );
  if (s.recovery?.damaged)
    lines.push(`  recovered: ${s.recovery.reason}; ${s.recovery.bytesLost} bytes lost`);
  if (s.perception)
    lines.push(
      `  perception: ${s.perception.detections} detections, ${s.perception.trackBoxes} track boxes, ${s.perception.worldObjects} world-object reports`,
    );
  if (s.leftOut) lines.push(leftOutLine(s.leftOut));
  for (const n of replayNotes(s)) lines.push(`  note: ${n}`);
  if (s.earlierResultsDropped > 0)
    lines.push(
      `  the input held an earlier run's results: its ${s.earlierResultsDropped} /perception/… messages were left out (this run's replace them)`,
    );
  return lines;
}
