/**
 * The oracle detect stage: reads `/ground_truth/objects` from the same recording with its own cursor, in step
 * with the rig frames (both in log-time order, so memory stays bounded), and emits `oracleDetections` for each
 * camera frame. Labelled `oracle` in `describe()`, hence in the results file and every report.
 */
import { RecordingError } from '../contracts/errors.ts';
import { type GroundTruthMessage, parseGroundTruth } from '../contracts/perception.ts';
import type { TimeNs } from '../contracts/time.ts';
import { topics } from '../contracts/topics.ts';
import type { RigResult, Stage } from '../contracts/stage.ts';
import { RecordingReader } from '../io/index.ts';
import type { RecordedMessage } from '../io/types.ts';
import { DEFAULT_ORACLE, type OracleConfig, oracleDetections } from './oracle.ts';

export async function createOracleStage(
  recording: string,
  cfg: Partial<OracleConfig> = {},
  recover = false,
): Promise<Stage> {
  const config = { ...DEFAULT_ORACLE, ...cfg };
  // Checked now, then closed: the ground truth is opened again at the first batch, so that of a thousand feeds
  // waiting their turn only those replaying hold their file open (as a shared model's feeds do).
  const check = await RecordingReader.open(recording, { recover });
  const channel = check.channels().find((c) => c.topic === topics.groundTruthObjects);
  await check.close();
  if (!channel) {
    throw new RecordingError({
      what: `no ${topics.groundTruthObjects} topic: the oracle detector needs simulator ground truth`,
      where: recording,
      hint: 'use --model for real recordings',
    });
  }
  let opened: Promise<{ reader: RecordingReader; iterator: AsyncIterator<RecordedMessage> }> | undefined;
  let closed = false;
  const open = () => {
    if (closed) throw new Error('oracle stage used after close');
    opened ??= RecordingReader.open(recording, { recover }).then((reader) => ({
      reader,
      iterator: reader.messages({ topics: [topics.groundTruthObjects] })[Symbol.asyncIterator](),
    }));
    return opened;
  };
  let current: GroundTruthMessage | undefined;
  let lookahead: RecordedMessage | undefined;
  let exhausted = false;
  let frames = 0;

  /** Latest ground truth at or before tNs. */
  const groundTruthAt = async (tNs: TimeNs): Promise<GroundTruthMessage | undefined> => {
    const { reader, iterator } = await open();
    for (;;) {
      if (!lookahead && !exhausted) {
        const r = await iterator.next();
        if (r.done) exhausted = true;
        else lookahead = r.value;
      }
      if (!lookahead || lookahead.logTimeNs > tNs) return current;
      current = parseGroundTruth(
        reader.decode(lookahead),
        `${reader.path} ${topics.groundTruthObjects} @ ${lookahead.logTimeNs}`,
      );
      lookahead = undefined;
    }
  };

  return {
    name: 'detect-oracle',
    async process(batch: RigResult[]) {
      for (const r of batch) {
        for (const f of r.rig.frames) {
          const gt = await groundTruthAt(f.tNs);
          frames++;
          if (!gt || BigInt(gt.stampNs) !== f.tNs) {
            r.issues.push({
              cameraId: f.cameraId,
              kind: 'no-ground-truth',
              message: `no ground truth at ${f.tNs}`,
            });
            r.detections.set(f.cameraId, []);
            continue;
          }
          const w = f.calibration?.width ?? f.image.width ?? 0;
          const h = f.calibration?.height ?? f.image.height ?? 0;
          r.detections.set(f.cameraId, oracleDetections(gt, f.cameraId, w || 1e6, h || 1e6, config));
        }
      }
      return batch;
    },
    describe: () => ({
      detector: 'oracle',
      seed: config.seed,
      missRate: config.missRate,
      falsePositivesPerFrame: config.falsePositivesPerFrame,
      frames,
    }),
    async close() {
      closed = true;
      const o = await opened?.catch(() => undefined);
      if (!o) return;
      await o.iterator.return?.();
      await o.reader.close();
    },
  };
}
