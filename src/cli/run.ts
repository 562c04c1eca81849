/**
 * Shared CLI plumbing: turn a command's outcome into one line and an exit code (DESIGN.md: 2 bad input,
 * 1 internal fault), and let commands finalize their outputs on SIGINT/SIGTERM/SIGHUP.
 */
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import {
  EXIT_BAD_INPUT,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  fileHandleLimit,
  ViperError,
} from '../contracts/errors.ts';
import { unfinishedOutputs } from '../io/index.ts';

function isVerbose(): boolean {
  return process.argv.includes('--verbose');
}

/**
 * With `--json`, a script reading stdout gets the failure as JSON too (`{"error": {domain, what, where, hint}}`),
 * not an empty stdout it cannot parse; the line on stderr is the same either way.
 */
function errorJson(
  err: unknown,
  limit: { what: string; where?: string; hint: string } | undefined,
  json: boolean,
): void {
  if (!json) return;
  writeErrorJson(
    limit
      ? { domain: 'system', ...limit }
      : err instanceof ViperError
        ? { domain: err.domain, what: err.what, where: err.where, hint: err.hint }
        : { domain: 'internal', what: (err instanceof Error ? err.message : String(err)).split('\n')[0]! },
  );
}

function writeErrorJson(error: { domain: string; what: string; where?: string; hint?: string }): void {
  if (!process.argv.includes('--json')) return;
  process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
}

/**
 * A usage error commander refused the command line with (unknown option, missing argument), as `--json` prints
 * every other failure: `{"error": {"domain": "usage", "what", "where", "hint"}}` on stdout, beside the line on
 * stderr; `where` is the command whose line it was (as every other error's says where).
 *
 * @example usageErrorJson("unknown option '--bogus'", 'viper params --help')
 * // {"error": {"domain": "usage", "what": "unknown option '--bogus'", "where": "viper params", "hint": "see viper params --help"}}
 */
export function usageErrorJson(what: string, help: string): void {
  writeErrorJson({ domain: 'usage', what, where: help.replace(/ --help$/, ''), hint: `see ${help}` });
}

/**
 * Control characters a message quotes from a file (a card's JSON with an escape sequence in it) written as \xNN:
 * raw, they recoloured or rewrote the user's terminal.
 */
function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A Viper error as the one line the CLI prints: `error: …`, on one line whatever it quotes, control characters escaped. */
export function errorLine(err: ViperError): string {
  return `error: ${printable(err.message.replace(/\s*[\r\n]+\s*/g, ' '))}`;
}

/** This process's open-files limit (the soft `ulimit -n`), from /proc on Linux; undefined where it cannot be read. */
function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Running out of file handles, worded as the machine's limit it is (not the file the error was met on): what the
 * limit is, where it was met, and how to raise it. The hint of an error made for it (replay's: fewer feeds at once)
 * is kept.
 */
function fileLimitReport(
  err: unknown,
  code: 'EMFILE' | 'ENFILE',
): { what: string; where?: string; hint: string } {
  const viper = err instanceof ViperError ? err : undefined;
  const where = viper?.where ?? (err as NodeJS.ErrnoException).path;
  if (code === 'ENFILE') {
    return {
      what: "too many files open (ENFILE: the system's open-files table is full)",
      ...(where ? { where } : {}),
      hint: 'close other programs, or raise the system limit (sysctl fs.file-max), and run again',
    };
  }
  const n = openFilesLimit();
  const own = viper?.what.includes('too many files open') ? viper.hint : undefined;
  return {
    what: `too many files open (EMFILE: this process's open-files limit${n === undefined ? '' : `, ${n}`})`,
    ...(where ? { where } : {}),
    hint: own ?? `raise the limit (\`ulimit -n ${Math.max(4096, 2 * (n ?? 0))}\`) and run again`,
  };
}

/**
 * Print an error as one line (stack only with --verbose) and return the exit code it deserves: 2 for bad input, 1
 * for an internal fault or a limit of the machine (too many files open, whatever error it surfaced in).
 */
export function reportError(
  err: unknown,
  /** false: never the JSON document on stdout (a command that carries the error in its own, e.g. one feed's). */
  json = true,
): number {
  const verbose = isVerbose();
  const limitCode = fileHandleLimit(err);
  if (limitCode) {
    const r = fileLimitReport(err, limitCode);
    errorJson(err, r, json);
    process.stderr.write(
      `error: system: ${r.what}${r.where ? ` (${printable(r.where)})` : ''} — ${r.hint}\n`,
    );
    if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
  errorJson(err, undefined, json);
  if (err instanceof ViperError) {
    // One line whatever the message quotes (a file's own line breaks inside a parser's error).
    process.stderr.write(`${errorLine(err)}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    // What the error was made from (e.g. ONNX Runtime's whole message), which the one line shortens.
    for (let c = err.cause; verbose && c !== undefined; c = c instanceof Error ? c.cause : undefined)
      process.stderr.write(`caused by: ${c instanceof Error ? (c.stack ?? c.message) : String(c)}\n`);
    return EXIT_BAD_INPUT;
  }
  const msg = printable(err instanceof Error ? err.message : String(err));
  process.stderr.write(
    `internal error: ${msg.split('\n')[0]}${verbose ? '' : ' (run with --verbose for details)'}\n`,
  );
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}

/**
 * Run a command body. `fn` returns the exit code (0 on success). Errors are reported on one line; the process
 * exit code is set, and the process exits once pending writes are flushed.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined>) {
  return async (...args: A): Promise<void> => {
    let code: number;
    try {
      code = (await fn(...args)) ?? 0;
    } catch (err) {
      code = reportError(err);
    }
    // Commands return EXIT_INTERRUPTED; the code says which signal stopped them.
    process.exitCode = code === EXIT_INTERRUPTED ? interruptedExitCode() : code;
  };
}

/** The signals that stop a command gracefully: Ctrl-C, a kill or a service stop, a closed terminal or ssh session. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** 128 + the signal's number, as a shell reports a process a signal ended (130 for SIGINT). */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 2);
}

/** The first stop signal received: an interrupted command exits 128 + its number, as a shell reports one. */
let received: NodeJS.Signals | undefined;

/** The exit code of a command stopped by a signal: 130 for SIGINT (and when none was seen), 143 SIGTERM, 129 SIGHUP. */
function interruptedExitCode(): number {
  return received ? signalExitCode(received) : EXIT_INTERRUPTED;
}

/**
 * Call `onStop` once on the first SIGINT/SIGTERM/SIGHUP so a command can stop reading and finalize its outputs; a
 * second signal exits at once, naming the outputs it leaves unfinished (no summary: readable only with
 * `--recover`). Returns a disposer. Under `npx`/`npm exec` (npm_command=exec) two things differ, both for the
 * way npm starts a command, through a shell (`sh -c`) that passes no signal on:
 * - a parent gone stops the command as SIGTERM does (`watchForOrphaning`), but does not count as a signal: the
 *   group-wide SIGTERM that killed the shell (`timeout`, systemd, a closed terminal) is then the first;
 * - a repeat of the same signal within `ECHO_MS` is one event, not a second signal: where sh is bash, which runs
 *   the command in its own place, npm's copy of the terminal's Ctrl-C follows the terminal's by a millisecond.
 */
export function onInterrupt(
  onStop: (signal: NodeJS.Signals) => void,
  /** Outputs other processes are writing for this command (the suite's workers), named the same way. */
  others: () => string[] = () => [],
): () => void {
  const underNpm = process.env.npm_command === 'exec';
  let stopped = false;
  let last: { signal: NodeJS.Signals; at: number } | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stopped) return;
    stopped = true;
    received ??= signal;
    onStop(signal);
    if (unfinishedOutputs().length > 0 || others().length > 0) {
      process.stderr.write(`(${signal} again quits at once, leaving the output unfinished)\n`);
    }
  };
  const handler = (signal: NodeJS.Signals) => {
    // Wall-clock time, only to tell npm's echo of a signal from a second Ctrl-C; never read by the pipeline.
    const at = performance.now();
    const echo = underNpm && last?.signal === signal && at - last.at < ECHO_MS;
    const second = last !== undefined;
    last = { signal, at };
    if (echo) return;
    if (!second) {
      stop(signal);
      return;
    }
    const left = [...unfinishedOutputs(), ...others()];
    if (left.length > 0) {
      process.stderr.write(
        `${signal} again: quitting without finalizing ${left.join(', ')}: ` +
          `\`viper inspect <file> --recover\` shows what ${left.length === 1 ? 'it holds' : 'each holds'}, ` +
          '`viper replay <file> -o <new.mcap> --recover --detector none` copies it into a finalized file\n',
      );
    }
    quitBySignal(signal);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, handler);
  const orphanWatch = underNpm ? watchForOrphaning(() => stop('SIGTERM')) : undefined;
  return () => {
    for (const sig of STOP_SIGNALS) process.off(sig, handler);
    clearInterval(orphanWatch);
  };
}

/** How soon a repeat of a signal under npm is its echo (measured 1 ms apart), not a second Ctrl-C. */
const ECHO_MS = 300;

/**
 * npm passes a SIGTERM (a `kill` of npm, a container stop) to the shell it runs the command in, and dash, Debian's
 * sh, dies of it without passing it on: this process, left to init, would run on (`viper view` serving forever).
 * So under npm a parent gone counts as SIGTERM. Only there: a command started under `nohup` or from a shell that
 * then exits is meant to outlive its parent.
 */
function watchForOrphaning(onOrphaned: () => void): NodeJS.Timeout {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, 500);
  timer.unref();
  return timer;
}

/**
 * Quit at once, as the signal's default action does (a shell reads 128 + its number: 130 for SIGINT). Not
 * `process.exit`: exit() runs native destructors while ONNX Runtime may be inside a session run on a worker
 * thread, which aborted the process (SIGABRT, "terminate called…", exit 134). Where the signal is ignored (a
 * background job's SIGINT), it exits 128 + its number half a second later.
 */
function quitBySignal(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(signalExitCode(signal)), 500);
}

/** Write JSON for machines: one object, pretty-printed, bigint as decimal strings. */
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}
