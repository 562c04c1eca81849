/**
 * Whether a results file is an interrupted replay (Ctrl-C, or an error halfway: finalized, but covering only the
 * start of its recording), as replay's results sink records it in the `viper` metadata. Commands that judge a whole run
 * (compare, scenarios score) refuse one; eval says so beside its figures.
 */
import type { RecordingReader } from '../io/index.ts';

/**
 * What an interrupted replay's refusal calls it: 'an interrupted replay', or, for one an error stopped (a damaged
 * chunk met halfway, a full disk), 'a replay stopped by an error (…)' with the error it reported.
 */
export async function interruptedKind(reader: RecordingReader): Promise<string | undefined> {
  const meta = await replayMetadata(reader);
  if (meta?.interrupted !== 'true') return undefined;
  return meta.failed === undefined
    ? 'an interrupted replay'
    : `a replay stopped by an error (${meta.failed})`;
}

/** The `viper` metadata replay writes into its results (undefined: not a results file of viper replay). */
export async function replayMetadata(reader: RecordingReader): Promise<Record<string, string> | undefined> {
  const meta = await reader.metadata().catch(() => []);
  return meta.find((m) => m.name === 'viper')?.metadata;
}
