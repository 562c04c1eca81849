import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../contracts/errors.ts';
import { plural } from '../words.ts';
import { exportMot } from '../exportMot.ts';
import { checkOutputPaths } from '../paths.ts';
import { recoverElsewhere, withDamageHint } from '../recover.ts';
import { action, printJson } from '../run.ts';

export function register(program: Command): void {
  program
    .command('export')
    .description(
      "write a results file's 2D tracks as MOTChallenge text, one file per camera (to score against hand labels with viper eval, or to compare with other trackers), and its ground truth, when it has some, as gt/<camera>.txt",
    )
    .argument('<results.mcap>', 'results of viper replay')
    .requiredOption('-o, --output <dir>', 'folder for <camera>.txt')
    .option(
      '--force',
      'replace <camera>.txt and gt/<camera>.txt files already in the folder (without it, existing files — hand labels in gt/, say — are left alone and nothing is written)',
    )
    .option('--json', 'print what was written as JSON')
    .action(
      action(
        withDamageHint(
          recoverElsewhere('`viper export`'),
          async (results: string, o: { output: string; force?: boolean; json?: boolean }) => {
            // The folder is not replaced: only its <camera>.txt files are written, each checked against the input.
            const cams = await exportMot(results, o.output, (files, removes) => {
              checkOutputPaths(
                [results],
                files.map((path) => ({ path, flag: '-o' })),
              );
              // `<dir>/gt/` is where MOTChallenge keeps hand labels: a file already there is not replaced (or
              // removed as stale) unless asked, and then nothing at all is written.
              const existing = [...new Set([...files.filter((f) => existsSync(f)), ...removes])];
              if (existing.length > 0 && !o.force) {
                throw new ConfigError({
                  what: `${existing.length === 1 ? 'a file' : `${existing.length} files`} already in the output folder would be ${removes.length > 0 ? 'replaced or removed' : 'replaced'}: ${existing.join(', ')}`,
                  where: `-o ${o.output}`,
                  hint: `pass --force to replace ${existing.length === 1 ? 'it' : 'them'}, or give another folder`,
                });
              }
            });
            if (o.json) printJson(cams);
            else
              for (const c of cams) {
                const skipped =
                  c.images !== null && c.images > c.frames
                    ? ` (note: ${c.images} images in the file, ${c.frames} tracked: an image not tracked — undecodable, or after an interrupted replay — gets no frame number)`
                    : '';
                process.stdout.write(
                  `${c.camera}: ${c.frames} frames, ${c.trackBoxes} track boxes, ${plural(c.ids, 'id')} → ${c.file}${c.groundTruth ? `; ground truth ${c.groundTruth.boxes} boxes, ${plural(c.groundTruth.ids, 'id')} → ${c.groundTruth.file}${c.groundTruth.keyFrameTracks ? ` (key frames only: score ${c.groundTruth.keyFrameTracks} against it)` : ''}` : ''}${skipped}${c.removed ? `; removed ${c.removed.join(', ')} (left by an earlier export: these results have no such file)` : ''}\n`,
                );
              }
            return 0;
          },
        ),
      ),
    );
}
