/**
 * Worker process of the scenario suite (started by suite.ts with `child_process.fork`): receives one scenario
 * at a time, runs it (pipeline.ts) and sends the result back. Errors go back as data, with whether they are bad
 * input (ViperError: one line) or an internal fault.
 */
import { ViperError } from '../../contracts/errors.ts';
import { interrupt, type PipelineOptions, progress, runScenario, type ScenarioProgress } from './pipeline.ts';
import { STOP_SIGNALS } from '../run.ts';

export interface WorkerRequest {
  id: number;
  options: PipelineOptions;
}

export type WorkerReply =
  | { id: number; ok: true; run: Awaited<ReturnType<typeof runScenario>> }
  | { id: number; ok: false; badInput: boolean; message: string };

/** Sent while a scenario runs (before its reply). */
export interface WorkerProgress {
  id: number;
  progress: ScenarioProgress;
}

// The suite's parent forwards Ctrl-C / SIGTERM / SIGHUP (and a terminal sends them to the whole group): the recording or
// replay running finalizes its file and the scenario ends as interrupted, not killed mid-write.
for (const signal of STOP_SIGNALS) {
  process.on(signal, () => {
    interrupt.stopped = true;
  });
}

process.on('message', (req: WorkerRequest) => {
  progress.report = (p) => process.send?.({ id: req.id, progress: p } satisfies WorkerProgress);
  runScenario(req.options).then(
    (run) => process.send?.({ id: req.id, ok: true, run } satisfies WorkerReply),
    (err: unknown) => {
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      process.send?.({
        id: req.id,
        ok: false,
        badInput: err instanceof ViperError,
        message,
      } satisfies WorkerReply);
    },
  );
});
process.on('disconnect', () => process.exit(0));
