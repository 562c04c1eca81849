/** Opening a recording for replay: its feed name, and the checks that refuse bad input before anything is built. */
import { basename } from 'node:path';
import { RecordingError } from '../contracts/errors.ts';
import { RecordingReader } from '../io/index.ts';
import { checkChannels, checkHasCameras } from './interpret.ts';

/** The feed id of a recording: its file name without `.mcap`. */
export function feedName(input: string): string {
  return basename(input).replace(/\.mcap$/i, '');
}

/**
 * Open a recording and check it (readable, every channel decodable; with `perceive`, going through stages, it must
 * have cameras), so bad input is refused before stages are built or outputs created. Pass the reader to `replay`
 * (which then owns it) to open the file once.
 */
export async function openChecked(
  input: string,
  recover: boolean,
  perceive: boolean,
): Promise<RecordingReader> {
  const reader = await RecordingReader.open(input, { recover });
  try {
    const d = reader.recovery();
    if (recover && d.damaged && reader.channels().length === 0) {
      // Otherwise "no camera images: the recording has no channels" (or an empty copy) blamed the recording
      // for what the damage ate.
      throw new RecordingError({
        what: `nothing intact to replay before the damage (${d.reason})`,
        where: input,
        hint: 'the damage starts before the first channel, so nothing in this file can be recovered: copy it again from its source',
      });
    }
    checkChannels(reader);
    if (perceive) checkHasCameras(reader);
    return reader;
  } catch (err) {
    await reader.close();
    throw err;
  }
}
