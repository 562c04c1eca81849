/**
 * One error class per domain (DESIGN.md): each carries what went wrong, where, and a hint. The CLI prints
 * `error: <domain>: <what> (<where>) — <hint>` on one line and exits 2 for these, except where the cause is running
 * out of file handles (`fileHandleLimit`: exit 1, the machine's limit, not the user's file); anything else is an
 * internal fault (exit 1).
 */
export type ErrorDomain = 'recording' | 'scenario' | 'model' | 'config' | 'input';

export interface ViperErrorInit {
  what: string;
  where?: string;
  hint?: string;
  cause?: unknown;
}

export class ViperError extends Error {
  readonly domain: ErrorDomain;
  readonly what: string;
  readonly where: string | undefined;
  readonly hint: string | undefined;

  constructor(domain: ErrorDomain, init: ViperErrorInit) {
    super(formatMessage(domain, init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ViperError';
    this.domain = domain;
    this.what = init.what;
    this.where = init.where;
    this.hint = init.hint;
  }

  /** What and where, without the hint: to quote inside another message or a file's metadata. */
  get brief(): string {
    return `${this.what}${this.where === undefined ? '' : ` (${this.where})`}`;
  }
}

function formatMessage(domain: ErrorDomain, init: ViperErrorInit): string {
  let msg = `${domain}: ${init.what}`;
  if (init.where) msg += ` (${init.where})`;
  if (init.hint) msg += ` — ${init.hint}`;
  return msg;
}

export class RecordingError extends ViperError {
  constructor(init: ViperErrorInit) {
    super('recording', init);
    this.name = 'RecordingError';
  }
}

export class ScenarioError extends ViperError {
  constructor(init: ViperErrorInit) {
    super('scenario', init);
    this.name = 'ScenarioError';
  }
}

export class ModelError extends ViperError {
  constructor(init: ViperErrorInit) {
    super('model', init);
    this.name = 'ModelError';
  }
}

export class ConfigError extends ViperError {
  constructor(init: ViperErrorInit) {
    super('config', init);
    this.name = 'ConfigError';
  }
}

/** Bad input data that is neither a recording, a scenario nor a model: a text results file, a detection file. */
export class InputError extends ViperError {
  constructor(init: ViperErrorInit) {
    super('input', init);
    this.name = 'InputError';
  }
}

/**
 * `err` again, of the same kind, what and where, with `more` after its hint: what a command adds that the stage
 * which failed could not know (e.g. where its results so far are). `err` becomes the cause (--verbose prints it).
 */
export function withHintAdded(err: ViperError, more: string): ViperError {
  const Kind = err.constructor as new (init: ViperErrorInit) => ViperError;
  return new Kind({
    what: err.what,
    ...(err.where === undefined ? {} : { where: err.where }),
    hint: err.hint === undefined ? more : `${err.hint}; ${more}`,
    cause: err,
  });
}

/**
 * A write or read the system refused (a full disk, a removed drive, a permission) as `no space left on device
 * (ENOSPC)`; undefined for anything else. Only system errors carry a syscall: Node's own ERR_* codes are faults.
 */
export function systemFailure(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof ViperError || typeof e?.code !== 'string' || typeof e.syscall !== 'string')
    return undefined;
  return `${/^[A-Z]+: ([^,]+)/.exec(e.message)?.[1] ?? `${e.syscall} failed`} (${e.code})`;
}

/**
 * Running out of file handles, found in an error or its causes: EMFILE (this process's open-files limit, `ulimit
 * -n`) or ENFILE (the system's); undefined otherwise. Not bad input but a limit of the machine, so the CLI exits 1.
 */
export function fileHandleLimit(err: unknown): 'EMFILE' | 'ENFILE' | undefined {
  let e = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EMFILE' || code === 'ENFILE') return code;
    e = (e as Error).cause;
  }
  return undefined;
}

/**
 * Exit codes of the `viper` command (DESIGN.md): 0 ok, 1 internal fault, failed expectations or a limit of the
 * machine (too many files open), 2 bad input.
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERRUPTED = 130;
