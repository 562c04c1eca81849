/**
 * Guards for the files a command writes. A command that writes one of its own inputs truncates it before it
 * has read it (`replay ped.mcap -o ped.mcap` left 356 bytes of ped.mcap), so every command that writes files
 * from input files calls `checkOutputPaths` before it opens anything for writing.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';
import { BUNDLED_MODEL, loadModelCard } from '../detect/card.ts';
import { type FileIdentity, fileIdentity, sameFile } from '../io/sameFile.ts';

export { sameFile };

/** An output of a command: its path and the option that names it (for the message). */
interface OutputPath {
  path: string | undefined;
  /** The option, e.g. '-o' or '--pr-plot'. */
  flag: string;
  /**
   * A folder the command replaces as a whole (e.g. `--export-dataset`): an input anywhere inside it would be
   * deleted too, so that is refused as well.
   */
  replacesFolder?: boolean;
  /** A text output written in one go: a device or pipe (`-o /dev/stdout`) is fine there. */
  allowStream?: boolean;
  /**
   * A file name of the kind this output writes (`mosaic.png`, `tracks.txt`), for the hint when the path given is
   * a folder: `<folder>/<example>`. Default `results.mcap` (replay's).
   */
  example?: string;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `out/new/`: a folder by its spelling (a backslash only where it is a separator: on POSIX it may end a name). */
function endsInSeparator(path: string): boolean {
  return path.endsWith('/') || (sep === '\\' && path.endsWith('\\'));
}

function isSpecial(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/** Whether `path` lies inside `folder` (both canonical). */
function isInside(folder: string, path: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

/**
 * Throws a ConfigError (exit 2, one line) when an output would overwrite an input (the same path once symlinks
 * are resolved, or the same inode: a hard link), when a file output is an existing folder, or when two outputs
 * name one file (`-o x.mcap --mosaic x.mcap` wrote the picture over the recording). Call it before opening any
 * output. Undefined paths are skipped, so optional options can be passed as they are. Each path is resolved once
 * and compared through maps: a replay of a thousand feeds compared every pair, with a realpath each (74 s).
 */
export function checkOutputPaths(inputs: (string | undefined)[], outputs: OutputPath[]): void {
  const given = outputs.filter(
    (o): o is OutputPath & { path: string } => o.path !== undefined && o.path !== '',
  );
  const ids = new Map<string, FileIdentity>();
  const id = (p: string): FileIdentity => {
    let v = ids.get(p);
    if (!v) {
      v = fileIdentity(p);
      ids.set(p, v);
    }
    return v;
  };
  const outByCanonical = new Map<string, OutputPath & { path: string }>();
  const outByInode = new Map<string, OutputPath & { path: string }>();
  for (const out of given) {
    if (!out.allowStream && isSpecial(out.path)) {
      // A device or FIFO: written through a temporary file and a rename (simulate), /dev/null itself would be
      // replaced by a regular file; written directly, a FIFO blocks until someone reads it.
      throw new ConfigError({
        what: 'output is a device, FIFO or socket, not a file',
        where: `${out.flag} ${out.path}`,
        hint: 'give a regular file name',
      });
    }
    // A path ending in a separator names a folder too, whether or not it exists yet (`-o out/new/`): refused here,
    // before any work, not by the file system at the end.
    if (!out.replacesFolder && (isFolder(out.path) || endsInSeparator(out.path))) {
      throw new ConfigError({
        what: isFolder(out.path) ? 'output is a folder' : 'output names a folder (it ends in a /)',
        where: `${out.flag} ${out.path}`,
        hint: `give a file name, e.g. ${join(out.path, out.example ?? 'results.mcap')}`,
      });
    }
    const inside = out.replacesFolder
      ? given.find((o) => o !== out && isInside(id(out.path).canonical, id(o.path).canonical))
      : undefined;
    if (inside) {
      throw new ConfigError({
        what: `output inside a folder that ${out.flag} replaces`,
        where: `${inside.flag} ${inside.path}`,
        hint: 'write it outside that folder',
      });
    }
    const me = id(out.path);
    const twin = outByCanonical.get(me.canonical) ?? (me.inode ? outByInode.get(me.inode) : undefined);
    if (twin) {
      throw new ConfigError({
        what: 'two outputs name one file',
        where: `${twin.flag} ${twin.path}, ${out.flag} ${out.path}`,
        hint: 'give each output its own file',
      });
    }
    outByCanonical.set(me.canonical, out);
    if (me.inode) outByInode.set(me.inode, out);
  }
  const named = inputs.filter((x): x is string => x !== undefined && x !== '');
  const inputByCanonical = new Map<string, string>();
  const inputByInode = new Map<string, string>();
  for (const input of named) {
    const v = id(input);
    if (!inputByCanonical.has(v.canonical)) inputByCanonical.set(v.canonical, input);
    if (v.inode && !inputByInode.has(v.inode)) inputByInode.set(v.inode, input);
  }
  const folderInputs = named.filter(isFolder);
  for (const out of given) {
    const me = id(out.path);
    const input = inputByCanonical.get(me.canonical) ?? (me.inode ? inputByInode.get(me.inode) : undefined);
    if (input !== undefined) {
      // `-o ped.mcap` names the file; another option, or another name for the file, says which is which.
      const plain = out.path === input && out.flag === '-o';
      throw new ConfigError({
        what: 'output is the input',
        where: plain ? input : `${out.flag} ${out.path}${out.path === input ? '' : ` = ${input}`}`,
        hint: `write it to another file, e.g. ${join(dirname(out.path), out.example ?? 'results.mcap')}`,
      });
    }
    if (!out.replacesFolder) {
      for (const folder of folderInputs) {
        if (isInside(id(folder).canonical, me.canonical) && existsSync(out.path)) {
          // A folder input is read whole (`import frames/`): a file in it may be one of the frames.
          throw new ConfigError({
            what: `output would overwrite a file inside the input folder ${folder}`,
            where: `${out.flag} ${out.path}`,
            hint: 'write it to a new file or outside that folder',
          });
        }
      }
    } else {
      const held = named.find((x) => isInside(me.canonical, id(x).canonical));
      if (held !== undefined) {
        throw new ConfigError({
          what: `output folder holds the input ${held}`,
          where: `${out.flag} ${out.path}`,
          hint: `${out.flag} replaces the whole folder: choose another one`,
        });
      }
    }
  }
}

/**
 * The files a `--model` reference reads (the card and the .onnx it names; the bundled model's without one), to
 * pass to `checkOutputPaths` as inputs: `replay -o models/x/x.onnx --model models/x/x.card.json` wrote the
 * results over the model. A reference that does not load is left to the detector to report.
 */
export async function modelInputs(model: string | undefined): Promise<string[]> {
  const ref = model ?? BUNDLED_MODEL;
  try {
    const card = await loadModelCard(ref);
    return [ref, card.cardPath, card.modelPath];
  } catch {
    return [ref];
  }
}
