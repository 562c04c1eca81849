/**
 * A file given to a command that reads another kind (a recording to `simulate`, a scenario to `replay`, a model
 * to `track`): what it is, from its first bytes or its name, and which command takes it, so the refusal says that
 * rather than what the parser tripped on ("not valid YAML at line 41", "1 columns", bytes of binary).
 */
import { dirname } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';
import { MCAP_MAGIC } from './mcap/recordBytes.ts';

export interface OtherKind {
  kind: 'mcap' | 'onnx' | 'yaml' | 'image' | 'binary';
  /** "an MCAP recording" */
  what: string;
  /** Which command reads it. */
  hint: string;
}

export function otherKind(head: Uint8Array, path: string): OtherKind | undefined {
  if (head.length >= MCAP_MAGIC.length && MCAP_MAGIC.every((b, i) => head[i] === b))
    return {
      kind: 'mcap',
      what: 'an MCAP recording',
      hint: `replay, eval, view and inspect read recordings (viper inspect ${path} shows what it holds)`,
    };
  if (/\.onnx$/i.test(path))
    return {
      kind: 'onnx',
      what: 'an ONNX model',
      hint: `replay runs it: viper replay <recording> --model ${path}`,
    };
  // A rosbag2 bag's own description, passed for the bag: the folder is what every command reads.
  if (/(^|[\\/])metadata\.ya?ml$/i.test(path))
    return {
      kind: 'yaml',
      what: "a rosbag2 bag's metadata.yaml",
      hint: `pass the bag's folder, ${dirname(path)}, which every command reads as its .mcap`,
    };
  if (/\.ya?ml$/i.test(path))
    return {
      kind: 'yaml',
      what: 'a YAML file (a scenario?)',
      hint: `simulate renders a scenario: viper simulate ${path} -o rec.mcap`,
    };
  return undefined;
}

/**
 * What a file given as text (a list of feeds, a parameter file, a digests file) is instead: a kind another command
 * reads, an image, or binary (a NUL byte in its first bytes, which no text file has). Undefined for text, YAML
 * included. Read whole as UTF-8, a JPEG had been split into 154 "paths", each tried as a feed.
 */
function notText(head: Uint8Array, path: string): OtherKind | undefined {
  if (utf16(head) !== undefined) return undefined;
  const other = otherKind(head, path);
  if (other !== undefined && other.kind !== 'yaml') return other;
  const image =
    head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff
      ? 'a JPEG image'
      : head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47
        ? 'a PNG image'
        : undefined;
  if (image !== undefined)
    return {
      kind: 'image',
      what: image,
      hint: 'import makes a recording of a folder of images: viper import <folder> -o rec.mcap',
    };
  if (head.subarray(0, 512).includes(0))
    return { kind: 'binary', what: 'a binary file', hint: 'check the path' };
  return undefined;
}

/** UTF-16 by its byte-order mark (Windows PowerShell 5.1's `>` writes UTF-16LE), else undefined. */
function utf16(head: Uint8Array): 'le' | 'be' | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return 'le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'be';
  return undefined;
}

/**
 * A text file's characters: UTF-8 without its byte-order mark (an editor's "UTF-8 with BOM"), or UTF-16 by its
 * byte-order mark, which had read as "a binary file" or as JSON with an invisible first token.
 */
export function decodeText(bytes: Uint8Array): string {
  const order = utf16(bytes);
  const body = Buffer.from(bytes.subarray(order ? 2 : 0));
  if (order === 'be') body.swap16();
  return order ? body.toString('utf16le') : body.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * A text input's characters (decodeText), or one line saying what the file is instead (notText): `as` names what
 * was expected ("a list of feeds"), the option it came from and the hint, which may depend on what it was.
 */
export function textInput(
  bytes: Uint8Array,
  path: string,
  as: { what: string; where: string; hint: string | ((other: OtherKind) => string) },
): string {
  const other = notText(bytes, path);
  if (other !== undefined)
    throw new ConfigError({
      what: `${other.what}, not ${as.what}`,
      where: as.where,
      hint: typeof as.hint === 'string' ? as.hint : as.hint(other),
    });
  return decodeText(bytes);
}
