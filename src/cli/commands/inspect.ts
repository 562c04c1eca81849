import type { Command } from 'commander';
import { nsToSec } from '../../contracts/time.ts';
import { cameraFromAnnotationsTopic } from '../../contracts/topics.ts';
import { inspectRecording, type InspectReport } from '../../graph/inspect.ts';
import { rerunWithRecover, withDamageHint } from '../recover.ts';
import { action, printJson } from '../run.ts';
import { compareText } from '../../contracts/compareText.ts';
import { RecordingError } from '../../contracts/errors.ts';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('list a recording’s topics, schemas, encodings, counts, duration, cameras and calibrations')
    .argument('<file>', 'recording (.mcap, or a rosbag2 folder holding one)')
    .option('--json', 'print the report as JSON')
    .option('--recover', 'read the intact part of a damaged file and report what was lost')
    .action(
      action(
        withDamageHint(
          rerunWithRecover('read'),
          async (file: string, o: { json?: boolean; recover?: boolean }) => {
            const report = await inspectRecording(file, { recover: o.recover === true });
            // Recovery that found nothing intact is a failure, not an empty report a script would take as success.
            if (report.recovery?.damaged && report.messageCount === 0) {
              throw new RecordingError({
                what: `no intact message to recover: ${report.recovery.reason}`,
                where: file,
                hint: 'the damage is before the first complete message',
              });
            }
            if (o.json) printJson(report);
            else printReport(report, o.recover === true);
            return 0;
          },
        ),
      ),
    );
}

function printReport(r: InspectReport, readAll: boolean): void {
  const out: string[] = [];
  out.push(
    `${r.path}  ${(r.sizeBytes / 1e6).toFixed(2)} MB  profile ${r.profile ? `'${r.profile}'` : '(none)'}  ${indexing(r, readAll)}`,
  );
  out.push(
    `  ${r.messageCount} messages over ${r.durationS.toFixed(2)} s (${nsToSec(r.startNs).toFixed(3)} → ${nsToSec(r.endNs).toFixed(3)})` +
      (r.compression.length ? `, chunks: ${chunkCompression(r.compression)}` : ''),
  );
  out.push('  topics:');
  const w = Math.max(5, ...r.topics.map((t) => t.topic.length));
  for (const t of r.topics) {
    out.push(
      `    ${t.topic.padEnd(w)}  ${String(t.count).padStart(6)}  ${t.schemaName} [${t.schemaEncoding || '-'}/${t.messageEncoding}]`,
    );
  }
  const unread = r.topics.filter((t) => t.undecodable);
  if (unread.length > 0) {
    out.push(`  problems (Viper decodes protobuf, json and ROS 2 cdr messages):`);
    for (const t of unread) out.push(`    ${t.undecodable}`);
  }
  if (r.unread.length > 0) {
    out.push('  problems (image and calibration topics not read as a camera; replay copies them through):');
    for (const u of r.unread) out.push(`    ${u.topic}: ${u.why}`);
  }
  out.push(r.cameras.length === 0 ? `  cameras: ${noCameras(r)}` : '  cameras:');
  for (const c of r.cameras) {
    const cal = c.calibration
      ? `${c.calibration.width}×${c.calibration.height} fx=${c.calibration.fx.toFixed(1)} fy=${c.calibration.fy.toFixed(1)} ${c.calibration.distortionModel || 'no distortion'}${c.calibration.fx > 0 && c.calibration.fy > 0 ? '' : ' — CANNOT PROJECT (fx or fy 0: an uncalibrated camera)'}`
      : 'NO CALIBRATION';
    out.push(
      `    ${c.cameraId}: ${c.frames} frames (${c.topic}, ${c.encoding}) ${c.rateHz.toFixed(2)} Hz — ${cal}`,
    );
  }
  for (const d of r.sameCamera) {
    const others = d.topics.filter((t) => t !== d.perceived);
    out.push(
      `    note: ${d.cameraId} is on ${d.topics.length} topics (${d.topics.join(', ')}): replay perceives each stamp's frame once, from the topic read first (${d.perceived}, at the first stamp), and copies ${others.join(', ')} through (duplicate-frame)`,
    );
  }
  for (const m of r.metadata) {
    const pairs = Object.entries(m.metadata).map(([k, v]) => `${k}=${shortValue(v)}`);
    out.push(`  metadata ${m.name}: ${pairs.join(', ') || '(empty)'}`);
  }
  if (r.recovery?.damaged) out.push(`  damaged: ${r.recovery.reason}; ${r.recovery.bytesLost} bytes lost`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/**
 * Why a file lists no camera: none at all, or a results file without its images (`replay --results-only`), whose
 * cameras are named by their annotations topics.
 */
function noCameras(r: InspectReport): string {
  const annotated = r.topics.flatMap((t) => cameraFromAnnotationsTopic(t.topic) ?? []);
  if (annotated.length === 0) return '(none)';
  const viper = r.metadata.find((m) => m.name === 'viper')?.metadata;
  const how = viper?.resultsOnly === 'true' ? ' (replay --results-only)' : '';
  return `(no images: a results file${how}, its images are in the recording it was replayed from) results for ${annotated.join(', ')}`;
}

/**
 * How the file was read. Indexed: from its summary, which does not vouch for the chunks (they are CRC-checked
 * when read: replay, view, or inspect --recover, which reads them all).
 */
function indexing(r: InspectReport, readAll: boolean): string {
  if (r.indexed)
    return readAll ? 'indexed' : 'indexed (chunks not read: --recover reads and checks them all)';
  return r.summaryUnusable
    ? 'streamed: its summary is there but not usable (damaged, or without the statistics and chunk indexes Viper reads by), so the file was scanned'
    : 'no summary (streamed)';
}

/** A metadata value on one line: a long one (a parameter file) cut, its whole text in `--json`. */
function shortValue(v: string): string {
  const line = v.replace(/\s*\n\s*/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

/** `zstd`, `uncompressed`, or both: `zstd and uncompressed` (the writer stores chunks that do not shrink as they are). */
function chunkCompression(kinds: readonly string[]): string {
  const named = [...kinds].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : compareText(a, b)));
  return named.map((c) => c || 'uncompressed').join(' and ');
}
