/**
 * Whether a results file is an interrupted replay (Ctrl-C, or an error halfway: finalized, but covering only the
 * start of its recording), as replay's results sink records it in the `viper` metadata, or the results of a recording
 * whose simulation was cut short. Commands that judge a whole run (compare, scenarios score) refuse one; eval says so
 * beside its figures.
 */
import type { RecordingReader } from '../io/index.ts';

/**
 * A results file that is no whole run, as the commands that judge one say it (undefined for a whole run): an
 * interrupted replay covers the start of its recording; one an error stopped (a damaged chunk met halfway, a full
 * disk) or where no image could be used (`failed` in its metadata) is not a run of the recording at all; a whole
 * replay of a recording whose simulation was interrupted (its `interrupted` record, which replay passes on) covers
 * only the start of its scenario.
 */
export async function notWholeRun(reader: RecordingReader): Promise<string | undefined> {
  const records = await reader.metadata().catch(() => []);
  const meta = records.find((m) => m.name === 'viper')?.metadata;
  if (meta?.interrupted === 'true') {
    return meta.failed === undefined
      ? 'an interrupted replay: it covers only the start of its recording'
      : `a replay that failed (${meta.failed}): it is not a whole run of its recording`;
  }
  const cut = records.find((m) => m.name === 'interrupted')?.metadata;
  if (cut === undefined) return undefined;
  const of =
    cut.frames !== undefined && cut.scenarioFrames !== undefined
      ? ` (${cut.frames} of ${cut.scenarioFrames} frames)`
      : '';
  return `results of an interrupted recording: it covers only the start of its scenario${of}`;
}

/** The `viper` metadata replay writes into its results (undefined: not a results file of viper replay). */
export async function replayMetadata(reader: RecordingReader): Promise<Record<string, string> | undefined> {
  const meta = await reader.metadata().catch(() => []);
  return meta.find((m) => m.name === 'viper')?.metadata;
}
