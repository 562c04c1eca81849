/**
 * Child process of the feeds bench: replays the recordings given as feeds around one detector (bundled model) and
 * prints the process's own peak RSS (VmHWM) as JSON. Run in its own process so that each feed count starts from nothing.
 *   node --import tsx bench/feedsMemory.ts <outDir> <a.mcap> <b.mcap> …
 */
import { BUNDLED_MODEL } from '../src/detect/card.ts';
import { replayFeeds } from '../src/graph/replayFeeds.ts';
import { peakRssMB } from './env.ts';

const [outDir, ...inputs] = process.argv.slice(2);
const r = await replayFeeds({
  inputs,
  outDir: outDir!,
  stageOptions: { detector: 'model', model: BUNDLED_MODEL },
});
const failed = r.feeds.filter((f) => !('summary' in f)).length;
process.stdout.write(`${JSON.stringify({ feeds: inputs.length, failed, peakMB: peakRssMB() })}\n`);
