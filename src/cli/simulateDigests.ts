/**
 * `viper simulate --digests FILE` / `--verify FILE`: each scenario recorded to a temporary file and its SHA-256
 * (of the file and of its raw content) written, or compared with a digests file (exit 1 on a difference).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { textInput } from '../io/fileKind.ts';
import { tmpdir } from 'node:os';
import { plural } from './words.ts';
import { join } from 'node:path';
import { ConfigError, EXIT_INTERRUPTED } from '../contracts/errors.ts';
import { checkOutputFolder, writeOutputFile } from '../io/outputFile.ts';
import { recordScenario } from '../sim/record.ts';
import type { LoadedScenario } from '../sim/scenario/load.ts';
import { frameCount } from '../sim/simulate.ts';
import type { Progress } from './progress.ts';
import { onInterrupt, printJson } from './run.ts';

interface Digest {
  sha256: string;
  rawSha256: string;
  frames: number;
  bytes: number;
}

export async function recordDigests(
  loaded: LoadedScenario[],
  o: { digests?: string; verify?: string; json?: boolean },
  bar: (label: string, total: number) => Progress,
): Promise<number> {
  const summary: Record<string, unknown>[] = [];
  if (o.digests) await checkOutputFolder(o.digests, '--digests');
  const expected: Record<string, Digest> = o.verify ? await readDigests(o.verify) : {};
  const got: Record<string, Digest> =
    o.digests && existsSync(o.digests) ? JSON.parse(await readFile(o.digests, 'utf8')) : {};
  const dir = await mkdtemp(join(tmpdir(), 'viper-digests-'));
  let bad = 0;
  // Ctrl-C: the scenario being recorded is dropped (a cut recording has no digest to compare); those
  // done so far are reported and, with --digests, written.
  let stop = false;
  const off = onInterrupt((sig) => {
    process.stderr.write(`\n${sig}: stopping after the scenarios recorded so far\n`);
    stop = true;
  });
  try {
    for (const l of loaded) {
      if (stop) break;
      const p = bar(`digest ${l.scenario.name}`, frameCount(l.scenario));
      const r = await recordScenario(l.world, join(dir, `${l.scenario.name}.mcap`), {
        onProgress: (d) => p.update(d),
        shouldStop: () => stop,
      });
      if (r.interrupted) {
        p.stop();
        break;
      }
      p.finish();
      const d: Digest = {
        sha256: r.sha256,
        rawSha256: r.rawSha256,
        frames: r.frames,
        bytes: r.bytes,
      };
      got[l.scenario.name] = d;
      // Own entries only: a scenario named `constructor` is not in `{}`.
      const e = Object.hasOwn(expected, l.scenario.name)
        ? (expected[l.scenario.name] ?? undefined)
        : undefined;
      const ok = !o.verify || (e !== undefined && e.sha256 === d.sha256 && e.rawSha256 === d.rawSha256);
      if (!ok) bad++;
      summary.push({
        scenario: l.scenario.name,
        ...d,
        ...(o.verify ? { ok, expected: e ?? null } : {}),
      });
      if (!o.json) process.stdout.write(`${verifyLine(l.scenario.name, d, o.verify, e)}\n`);
    }
  } finally {
    off();
    await rm(dir, { recursive: true, force: true });
  }
  if (o.digests) {
    const sorted = Object.fromEntries(Object.entries(got).sort(([a], [b]) => (a < b ? -1 : 1)));
    await writeOutputFile(o.digests, `${JSON.stringify(sorted, null, 2)}\n`, '--digests');
    if (!o.json && !stop)
      process.stdout.write(`wrote ${o.digests} (${plural(summary.length, 'scenario')})\n`);
  }
  if (o.json) printJson(summary);
  if (stop) {
    process.stderr.write(
      `interrupted: ${summary.length} of ${loaded.length} scenarios recorded${o.digests ? `, their digests written to ${o.digests}` : ''}\n`,
    );
    return EXIT_INTERRUPTED;
  }
  return bad > 0 ? 1 : 0;
}

const short = (d: Pick<Digest, 'sha256' | 'rawSha256'>): string =>
  `${String(d.sha256).slice(0, 16)} raw ${String(d.rawSha256).slice(0, 16)}`;

/**
 * One scenario's line: its digests alone (`--digests`), or prefixed by the verdict of `--verify`: `ok`, `DIFF`
 * with the digests expected after those recorded, or `MISSING` when the digests file has no entry for the
 * scenario (nothing to compare with: not verified, so it fails the run too, but it is no difference).
 *
 * @example verifyLine('tiny', d, 'digests.json', undefined)
 * // 'MISSING tiny 1a2b… raw 3c4d…: not in digests.json (record it with --digests)'
 */
function verifyLine(name: string, d: Digest, verify: string | undefined, e: Digest | undefined): string {
  if (!verify) return `${name} ${short(d)}`;
  if (e === undefined) return `MISSING ${name} ${short(d)}: not in ${verify} (record it with --digests)`;
  if (e.sha256 === d.sha256 && e.rawSha256 === d.rawSha256) return `ok   ${name} ${short(d)}`;
  return `DIFF ${name} ${short(d)}, expected ${short(e)}`;
}

/** The digests file of `--verify` (as `--digests` writes it): one line naming the file when it is not one. */
async function readDigests(path: string): Promise<Record<string, Digest>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ConfigError({
      what: `cannot read the digests file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      where: `--verify ${path}`,
      hint: 'give a file written by simulate --digests',
      cause: err,
    });
  }
  const text = textInput(bytes, path, {
    what: 'a digests file',
    where: `--verify ${path}`,
    hint: 'give a file written by simulate --digests',
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError({
      // V8 quotes the file's text, line breaks and all: kept whole, as \n (cut at the first, the quote was left open).
      what: `not a digests file: ${(err as Error).message.replace(/\r?\n/g, '\\n')}`,
      where: `--verify ${path}`,
      hint: 'give a file written by simulate --digests',
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError({
      what: 'not a digests file: expected an object of scenario name → digest',
      where: `--verify ${path}`,
      hint: 'give a file written by simulate --digests',
    });
  }
  return value as Record<string, Digest>;
}
