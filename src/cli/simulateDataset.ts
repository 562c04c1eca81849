/**
 * `viper simulate --export-dataset DIR`: images with YOLO and COCO labels for detector training, split by scenario
 * (`--val`, else every fifth by name). The folder is replaced whole or not at all.
 */
import { readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { ConfigError, EXIT_INTERRUPTED, systemFailure } from '../contracts/errors.ts';
import { DATASET_MARKER, DatasetWriter, splitFor } from '../sim/dataset.ts';
import type { LoadedScenario } from '../sim/scenario/load.ts';
import { frameCount } from '../sim/simulate.ts';
import { intArg } from './args.ts';
import type { Progress } from './progress.ts';
import { onInterrupt } from './run.ts';

/**
 * The dataset replaces its folder whole, so the folder must be empty or one Viper wrote (its DATASET_MARKER file):
 * a folder of anything else, a YOLO dataset labelled by hand included, or a file, would be deleted with it
 * (`--export-dataset ~` once would have emptied a home).
 */
function checkReplaceable(path: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return; // not there: created
  }
  if (!st.isDirectory()) {
    throw new ConfigError({
      what: `${path} is a file; --export-dataset writes a folder and replaces what is there`,
      where: '--export-dataset',
      hint: 'name a new folder, or an earlier dataset to replace',
    });
  }
  const names = readdirSync(path);
  if (names.length > 0 && !names.includes(DATASET_MARKER)) {
    throw new ConfigError({
      what: `${path} is not empty and not a dataset Viper wrote (no ${DATASET_MARKER}; it holds ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); the export replaces the folder whole`,
      where: '--export-dataset',
      hint: 'name a new or empty folder, or an earlier Viper dataset',
    });
  }
}

/** Thrown from a progress callback to end a dataset export on Ctrl-C. */
class Interrupted extends Error {}

/** Returns 0, or the exit code to stop with (interrupted); `summary` gets the dataset's counts. */
export async function exportDataset(
  loaded: LoadedScenario[],
  dir: string,
  o: { stride?: string; val?: string; json?: boolean },
  bar: (label: string, total: number) => Progress,
  summary: Record<string, unknown>[],
): Promise<number> {
  const stride = o.stride === undefined ? 5 : intArg('--stride', o.stride);
  const names = loaded.map((l) => l.scenario.name);
  const val = o.val
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = val?.find((v) => !names.includes(v));
  if (unknown)
    throw new ConfigError({
      what: `--val names unknown scenario '${unknown}'`,
      where: '--val',
      hint: `scenarios are ${names.join(', ')}`,
    });
  const tmp = `${dir.replace(/\/+$/, '')}.partial`;
  checkReplaceable(dir);
  checkReplaceable(tmp);
  await rm(tmp, { recursive: true, force: true });
  const ds = new DatasetWriter(tmp);
  await ds.begin();
  // The dataset replaces `dir` whole or not at all: Ctrl-C drops the partial copy and leaves `dir` as it was.
  let stop = false;
  const off = onInterrupt((sig) => {
    process.stderr.write(`\n${sig}: stopping; ${dir} is left as it was\n`);
    stop = true;
  });
  try {
    for (const l of loaded) {
      const split = splitFor(l.scenario.name, names, val);
      const p = bar(`dataset ${l.scenario.name} (${split})`, Math.ceil(frameCount(l.scenario) / stride));
      let n = 0;
      await ds.addScenario(l.world, split, { stride }, () => {
        p.update(++n);
        if (stop) {
          p.stop();
          throw new Interrupted();
        }
      });
      p.finish();
    }
    await ds.finish();
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof Interrupted) {
      process.stderr.write(`interrupted: no dataset written\n`);
      return EXIT_INTERRUPTED;
    }
    const why = systemFailure(err);
    if (why !== undefined) {
      throw new ConfigError({
        what: `cannot write the dataset: ${why}`,
        where: dir,
        hint: `nothing was kept (${dir} is as it was): free space or write elsewhere, and run again`,
        cause: err,
      });
    }
    throw err;
  } finally {
    off();
  }
  summary.push({ dataset: dir, ...ds.counts });
  if (!o.json)
    process.stdout.write(
      `wrote dataset ${dir}: ${ds.counts.images} images (${ds.counts.train} train, ${ds.counts.val} val), ${ds.counts.labels} boxes (YOLO + COCO)\n`,
    );
  return 0;
}
