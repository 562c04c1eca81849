/**
 * What a command tells the user about a damaged or truncated recording. The io layer's hint speaks to library
 * callers (`open it with { recover: true }`); each command names what it offers instead, so following the hint
 * never gives "unknown option".
 */
import { withRecoverHint } from '../io/index.ts';

/** The hint for commands with a `--recover` option: `verb` says what it does with the intact part. */
export function rerunWithRecover(verb: string): (path: string) => string {
  return () => `rerun with --recover to ${verb} the intact messages before the damage`;
}

/** The hint for commands without `--recover` (they need the whole file): where to get at the intact part. */
export function recoverElsewhere(command: string): (path: string) => string {
  return (path) =>
    `${command} needs an intact file: \`viper inspect ${path} --recover\` shows what is intact, ` +
    `\`viper replay ${path} -o <new.mcap> --recover --detector none\` copies it into a new file`;
}

/** Wrap a command body so that a damage error leaving it carries `how` as its hint. */
export function withDamageHint<A extends unknown[], R>(
  how: (path: string) => string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw withRecoverHint(err, how);
    }
  };
}
