/**
 * Whether a results file is an interrupted replay (Ctrl-C, or an error halfway: finalized, but covering only the
 * start of its recording), as replay's results sink records it in the `viper` metadata. Commands that judge a whole run
 * (compare, scenarios score) refuse one; eval says so beside its figures.
 */
import type { RecordingReader } from '../io/index.ts';

/**
 * A results file that is no whole run, as the commands that judge one say it (undefined for a whole run): an
 * interrupted replay covers the start of its recording; one an error stopped (a damaged chunk met halfway, a full
 * disk) or where no image could be used (`failed` in its metadata) is not a run of the recording at all.
 */
export async function notWholeRun(reader: RecordingReader): Promise<string | undefined> {
  const meta = await replayMetadata(reader);
  if (meta?.interrupted !== 'true') return undefined;
  return meta.failed === undefined
    ? 'an interrupted replay: it covers only the start of its recording'
    : `a replay that failed (${meta.failed}): it is not a whole run of its recording`;
}

/** The `viper` metadata replay writes into its results (undefined: not a results file of viper replay). */
export async function replayMetadata(reader: RecordingReader): Promise<Record<string, string> | undefined> {
  const meta = await reader.metadata().catch(() => []);
  return meta.find((m) => m.name === 'viper')?.metadata;
}
