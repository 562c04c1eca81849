/**
 * A rosbag2 folder (`ros2 bag record -s mcap` writes `metadata.yaml` beside its storage files) is what ROS users
 * pass to `ros2 bag play`, so a folder holding exactly one MCAP file (the one its metadata.yaml lists, when it
 * lists one) is read as that file. A split bag (several storage files) or a SQLite one is refused with the tool
 * that makes it readable.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { recordingError } from './inspectFile.ts';

/**
 * The storage files a rosbag2 `metadata.yaml` lists (`relative_file_paths`); undefined when there is none or it
 * does not parse (the folder's own files are then what counts: the bag file is the data, the YAML an index of it).
 */
async function listedFiles(folder: string): Promise<string[] | undefined> {
  const text = await readFile(join(folder, 'metadata.yaml'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const info = (parse(text) as { rosbag2_bagfile_information?: { relative_file_paths?: unknown } } | null)
      ?.rosbag2_bagfile_information;
    const files = info?.relative_file_paths;
    return Array.isArray(files) && files.every((f) => typeof f === 'string') ? files : undefined;
  } catch {
    return undefined;
  }
}

/** The MCAP file a recording argument names: `path` itself, or the one `.mcap` inside the folder `path`. */
export async function bagFolderFile(folder: string): Promise<string> {
  const names = await readdir(folder).catch(() => [] as string[]);
  // The bag's own index names its file: a file it lists that is missing is named, not "is a directory".
  const listed = await listedFiles(folder);
  const mcap = names.filter((n) => n.endsWith('.mcap')).sort();
  if (listed?.length === 1 && listed[0]!.endsWith('.mcap')) {
    const file = join(folder, listed[0]!);
    if (existsSync(file)) return file;
    // A renamed storage file, the folder's only one, is still the bag.
    if (mcap.length !== 1)
      throw recordingError(
        `the rosbag2 bag's metadata.yaml lists ${listed[0]}, which is not in the folder`,
        folder,
        'copy the whole bag folder (metadata.yaml and its storage file together)',
      );
  }
  if (mcap.length === 1) return join(folder, mcap[0]!);
  if (mcap.length > 1) {
    const listed = `${mcap.slice(0, 3).join(', ')}${mcap.length > 3 ? ', …' : ''}`;
    throw names.includes('metadata.yaml')
      ? recordingError(
          `a split rosbag2 bag (${mcap.length} MCAP files: ${listed}), not one recording`,
          folder,
          'merge them into one with the mcap CLI (`mcap merge <files…> -o bag.mcap`), or pass one file',
        )
      : recordingError(
          `a folder of ${mcap.length} MCAP files (${listed}), not one recording`,
          folder,
          'pass one of the files',
        );
  }
  throw recordingError(
    'is a directory, not an MCAP file',
    folder,
    names.some((n) => n.endsWith('.db3'))
      ? 'a rosbag2 SQLite bag (.db3): Viper reads MCAP; convert it with `ros2 bag convert` (storage_id: mcap)'
      : 'pass an MCAP file or a rosbag2 folder holding one (replay also takes a folder of .mcap files as feeds, and --feeds-from <list> for recordings in subfolders)',
  );
}
