/** The text summary `viper replay` prints for one replayed recording (`--json` prints the object itself). */
import { nsToSec } from '../contracts/time.ts';
import type { ReplaySummary } from '../graph/replay.ts';

export function printSummary(s: ReplaySummary): void {
  const durS = nsToSec(s.endNs - s.startNs);
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
  if (s.issues > 0)
    lines.push(
      `  non-fatal issues: ${Object.entries(s.issueKinds)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
    );
  // What the bad messages were (the first five): a count alone leaves the user to guess.
  for (const m of s.badMessages) lines.push(`    ${m}`);
  for (const [name, facts] of Object.entries(s.stages)) {
    const f = Object.entries(facts)
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
  if (s.earlierResultsDropped > 0)
    lines.push(
      `  the input held an earlier run's results: its ${s.earlierResultsDropped} /perception/… messages were left out (this run's replace them)`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}
