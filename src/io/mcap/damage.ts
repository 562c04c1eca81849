/**
 * The error of a damaged or truncated recording: a RecordingError whose cause is the DamageError that says where,
 * with a hint on reading the intact part (the library's `recover: true`, or a command's own option).
 */
import { RecordingError } from '../../contracts/errors.ts';
import { DamageError } from './recordStream.ts';
import type { Damage } from './recordStream.ts';

/** How a library caller reads the intact part; commands say it their own way (`withRecoverHint`). */
export const HINT_RECOVER = 'open it with { recover: true } to read the intact messages before the damage';
const HINT_TRUNCATED = 'the file was cut short (writer stopped before close?)';

/** True for the RecordingError of a damaged or truncated file, the one that `recover: true` reads past. */
export function isDamageError(err: unknown): err is RecordingError {
  return err instanceof RecordingError && err.cause instanceof DamageError;
}

/**
 * A damage error with `how` (what to do about it, e.g. a command's own option) in place of the library's hint,
 * keeping what, where and cause; any other error is returned as it is. `how` gets the damaged file's path.
 */
export function withRecoverHint(err: unknown, how: (path: string) => string): unknown {
  if (!isDamageError(err)) return err;
  const damage = (err.cause as DamageError).damage;
  const path = err.where ?? '';
  return new RecordingError({
    what: err.what,
    ...(err.where === undefined ? {} : { where: err.where }),
    hint: damageHint(damage, how(path)),
    // The original DamageError: under --verbose its stack shows where the damage was found.
    cause: err.cause,
  });
}

/** The RecordingError of damage found at open or while reading. */
export function damageError(damage: Damage, path: string): RecordingError {
  return new RecordingError({
    what: damage.reason,
    where: path,
    hint: damageHint(damage, HINT_RECOVER),
    cause: new DamageError(damage),
  });
}

/** The hint of a damage error: `recover` (how to read the intact part), after a word on a cut-short file. */
function damageHint(damage: Damage, recover: string): string {
  return damage.truncated ? `${HINT_TRUNCATED}; ${recover}` : recover;
}
