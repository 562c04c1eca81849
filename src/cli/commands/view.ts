/**
 * `viper view <file>`: serve the built web viewer and one MCAP file on 127.0.0.1 and print the URL.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError, RecordingError } from '../../contracts/errors.ts';
import { isImageSchema } from '../../contracts/schemaKinds.ts';
import { cameraFromAnnotationsTopic, topics } from '../../contracts/topics.ts';
import { isDamageError, RecordingReader, withRecoverHint } from '../../io/index.ts';
import { bagFolderFile } from '../../io/mcap/bagFolder.ts';
import { defaultDistDir, startViewServer } from '../../live/index.ts';
import { createProgress } from '../progress.ts';
import { recoverElsewhere } from '../recover.ts';
import { intArg } from '../args.ts';
import { checkPair, type Viewable } from '../pairImages.ts';
import { rebuildViewer, staleSource } from '../viewerBuild.ts';
import { action, onInterrupt } from '../run.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface ViewOptions {
  port?: string;
  images?: string;
  host: string;
  open: boolean;
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => {}); // no opener installed: the printed URL is enough
    child.unref();
  } catch {
    // same: best effort
  }
}

/** Files with at least this many messages show a progress bar while their chunks are checked. */
const CHECK_PROGRESS_FROM = 50_000;

/** A damage error with the viewer's hint: how many messages before the damage are intact, and how to get them. */
function damaged(err: unknown, intact: number): unknown {
  return withRecoverHint(
    err,
    (p) =>
      `${intact > 0 ? `${intact} messages before the damage are intact, but ` : ''}${recoverElsewhere('the viewer')(p)}`,
  );
}

/**
 * Open `path` as the other commands do and check what the viewer needs: an intact MCAP with an index (it reads
 * through the chunk indexes), every chunk whole, and something to show. Throws RecordingError (one line, exit 2)
 * otherwise. Returns what `checkPair` needs of it.
 */
async function checkViewable(path: string): Promise<Viewable> {
  let reader: RecordingReader;
  try {
    reader = await RecordingReader.open(path);
  } catch (err) {
    if (!isDamageError(err)) throw err;
    throw damaged(err, await intactMessages(path));
  }
  try {
    const s = reader.summary();
    if (!s.indexed) {
      throw new RecordingError({
        what: 'no usable index (summary section)',
        where: path,
        hint: `the viewer reads through the index: write an indexed copy, e.g. \`viper replay ${path} -o <new.mcap> --detector none\``,
      });
    }
    // Camera annotations alone are shown too, on blank canvases (a `--results-only --no-fuse` file of a bag).
    const showable = s.channels.some(
      (c) =>
        isImageSchema(c.schemaName) ||
        c.topic === topics.groundTruthObjects ||
        c.topic === topics.objects ||
        cameraFromAnnotationsTopic(c.topic) !== null,
    );
    if (!showable || s.messageCount === 0) {
      throw new RecordingError({
        what: 'nothing to show (no messages on camera images, camera annotations, ground truth or objects)',
        where: path,
        hint: 'pass a recording or a results file from viper replay',
      });
    }
    // The index can be whole while a chunk is not: read every chunk once (each read checks its CRC), so a damaged
    // one is refused here with the messages still intact named, not met by the browser half way through.
    const bar = createProgress('checking', s.messageCount, 'messages', s.messageCount >= CHECK_PROGRESS_FROM);
    let read = 0;
    try {
      for await (const _ of reader.messages()) if (++read % 4096 === 0) bar.update(read);
    } catch (err) {
      bar.stop();
      throw isDamageError(err) ? damaged(err, read) : err;
    }
    bar.finish();
    return {
      startNs: s.startNs,
      endNs: s.endNs,
      hasImages: s.channels.some((c) => isImageSchema(c.schemaName)),
    };
  } finally {
    await reader.close();
  }
}

/** A file argument as every command reads it (a rosbag2 folder is its one .mcap); refused when not there. */
async function fileArg(file: string): Promise<string> {
  let path = resolve(file);
  if (existsSync(path) && statSync(path).isDirectory()) path = await bagFolderFile(path);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new RecordingError({ what: 'file not found', where: path, hint: 'pass a .mcap file' });
  }
  return path;
}

/** How many messages of a damaged file are intact (0 when none can be read). */
async function intactMessages(path: string): Promise<number> {
  try {
    const r = await RecordingReader.open(path, { recover: true });
    const n = r.summary().messageCount;
    await r.close();
    return n;
  } catch {
    return 0;
  }
}

export function register(program: Command): void {
  program
    .command('view')
    .description('serve the web viewer for a recording or results MCAP and print its URL')
    .argument('<file>', 'recording or results .mcap')
    .option(
      '--images <recording>',
      'with a results file written with `replay --results-only`: the recording it was made from, whose images are drawn under its boxes',
    )
    .option('--port <n>', 'TCP port (default: a free one)')
    .option('--host <addr>', 'interface to bind', '127.0.0.1')
    .option('--no-open', 'do not open a browser')
    .action(
      action(async (file: string, opts: ViewOptions) => {
        // A rosbag2 folder is read as its one .mcap, as every other command reads it.
        const path = await fileArg(file);
        const images = opts.images === undefined ? undefined : await fileArg(opts.images);
        const distDir = process.env.VIPER_VIEWER_DIST ?? defaultDistDir(repoRoot);
        if (!existsSync(join(distDir, 'index.html'))) {
          throw new ConfigError({
            what: 'the web viewer is not built',
            where: distDir,
            hint: 'run `npx vite build viewer` (or `npm run build:viewer`) in the repository',
          });
        }
        let port = 0;
        if (opts.port !== undefined) {
          port = intArg('--port', opts.port, 65535, 0);
        }
        // Bound first, so that a busy port is said at once; then the file is read through (seconds for a large
        // one): what the browser could not show is refused here rather than served and failing there.
        const server = await startViewServer({ distDir, file: path, images, host: opts.host, port });
        try {
          const results = await checkViewable(path);
          if (images !== undefined) await checkPair(path, results, images, await checkViewable(images));
        } catch (err) {
          await server.close();
          throw err;
        }
        // The file is fine: a checkout's build older than its sources is rebuilt before the URL is given.
        if (process.env.VIPER_VIEWER_DIST === undefined) {
          const changed = staleSource(repoRoot, distDir);
          if (changed) {
            process.stderr.write(
              `the viewer's sources changed since it was built (${relative(repoRoot, changed)}): rebuilding it…\n`,
            );
            const failed = rebuildViewer(repoRoot, distDir);
            if (failed)
              process.stderr.write(
                `warning: could not rebuild the viewer: ${failed}; serving it as last built (\`npm run build:viewer\` to retry)\n`,
              );
          }
        }
        process.stdout.write(`${server.url}\n`);
        if (opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
          process.stderr.write(
            `warning: serving ${images ? `${path} and ${images}` : path} to the network on ${opts.host}\n`,
          );
        }
        if (opts.open) openBrowser(server.url);
        await new Promise<void>((done) => {
          const dispose = onInterrupt(() => {
            dispose();
            void server.close().then(done);
          });
        });
        return 0;
      }),
    );
}
