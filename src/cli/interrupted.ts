/**
 * Whether a results file is an interrupted replay (Ctrl-C: finalized, but covering only the start of its
 * recording), as replay's results sink records it in the `viper` metadata. Commands that judge a whole run
 * (compare, scenarios score) refuse one; eval says so beside its figures.
 */
import type { RecordingReader } from '../io/index.ts';

export async function interruptedReplay(reader: RecordingReader): Promise<boolean> {
  return (await replayMetadata(reader))?.interrupted === 'true';
}

/** The `viper` metadata replay writes into its results (undefined: not a results file of viper replay). */
export async function replayMetadata(reader: RecordingReader): Promise<Record<string, string> | undefined> {
  const meta = await reader.metadata().catch(() => []);
  return meta.find((m) => m.name === 'viper')?.metadata;
}
