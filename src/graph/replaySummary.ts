/** What a replay reports when it ends (`ReplaySummary`, summaryTypes.ts), from its parts' counts. */
import type { TimeNs } from '../contracts/time.ts';
import type { RecordingReader } from '../io/index.ts';
import type { ReplayOptions } from './replay.ts';
import type { ResultsSink } from './ResultsSink.ts';
import type { RigIntake } from './rigIntake.ts';
import type { PerceptionCounts, ReplaySummary } from './summaryTypes.ts';
import { compareText } from '../contracts/compareText.ts';

export function summarize(
  opts: ReplayOptions,
  sink: ResultsSink,
  intake: RigIntake,
  run: {
    indexedCount: number | undefined;
    startNs: TimeNs;
    interrupted: boolean;
    rigFramesDone: number;
    latencyMs: ReplaySummary['latencyMs'];
    counts: PerceptionCounts;
    recovery: ReturnType<RecordingReader['recovery']>;
    copiedUndecoded: string[];
  },
): ReplaySummary {
  const { stats, assembler, aligner } = intake;
  const { recovery } = run;
  const otherClock = assembler.otherClockCameras();
  return {
    input: opts.input,
    output: opts.output,
    messagesRead: stats.messagesRead,
    ...(run.indexedCount !== undefined ? { messagesIndexed: run.indexedCount } : {}),
    messagesWritten: sink.messagesWritten,
    earlierResultsDropped: sink.earlierResultsDropped,
    cameraFrames: stats.cameraFrames,
    // Cut short, the rig frames whose results were written: those read after (a stopped detector's) are not there.
    rigFrames: run.interrupted ? run.rigFramesDone : stats.rigFrames,
    cameras: [...aligner.rigCameras],
    missing: stats.missing,
    uncalibratedCameras: [...assembler.uncalibrated].sort(),
    ...(otherClock.length > 0 ? { otherClockCameras: otherClock } : {}),
    issues: stats.issues + assembler.unusableTransforms,
    // By name: the detector's batches may finish out of order, which would order the keys differently.
    issueKinds: Object.fromEntries(
      Object.entries({
        ...stats.issueKinds,
        ...(assembler.unusableTransforms > 0 ? { 'unusable-transform': assembler.unusableTransforms } : {}),
      }).sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
    badMessages: stats.badMessages.slice(0, 5),
    ...(stats.notCameras.size > 0
      ? { notCameras: [...stats.notCameras].map(([t, why]) => `${t} (${why})`).sort() }
      : {}),
    ...(stats.duplicates.size > 0
      ? {
          duplicateFrames: [...stats.duplicates.values()].sort(
            (a, b) =>
              compareText(a.cameraId, b.cameraId) ||
              compareText(a.used, b.used) ||
              compareText(a.copy, b.copy),
          ),
        }
      : {}),
    ...(stats.badCalibrations.size > 0
      ? {
          badCalibrations: [...stats.badCalibrations]
            .map(([cameraId, why]) => ({ cameraId, why }))
            .sort((a, b) => compareText(a.cameraId, b.cameraId)),
        }
      : {}),
    startNs: run.startNs,
    endNs: stats.lastNs,
    interrupted: run.interrupted,
    latencyMs: run.latencyMs,
    ...(recovery
      ? { recovery: { damaged: recovery.damaged, reason: recovery.reason, bytesLost: recovery.bytesLost } }
      : {}),
    stages: Object.fromEntries(opts.stages.map((s) => [s.name, s.describe?.() ?? {}])),
    ...(opts.stages.length > 0 ? { perception: run.counts } : {}),
    ...(opts.live ? { notStreamed: [...sink.notStreamed] } : {}),
    copiedUndecoded: run.copiedUndecoded,
    ...(sink.leftOut ? { leftOut: sink.leftOut.summary() } : {}),
  };
}

/** Wall-clock latency per rig frame (closed → written), for the summary only: never written to the file. */
export class RigLatency {
  private readonly closedAt = new Map<number, number>();
  private readonly ms: number[] = [];

  closed(seq: number): void {
    this.closedAt.set(seq, performance.now());
  }

  written(seq: number): void {
    const opened = this.closedAt.get(seq);
    if (opened !== undefined) {
      this.ms.push(performance.now() - opened);
      this.closedAt.delete(seq);
    }
  }

  percentiles(): { p50: number; p95: number; max: number } | null {
    return percentiles(this.ms);
  }
}

function percentiles(xs: number[]): { p50: number; p95: number; max: number } | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), max: Math.round(s[s.length - 1]! * 10) / 10 };
}
