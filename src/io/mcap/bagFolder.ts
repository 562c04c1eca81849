/**
 * A rosbag2 folder (`ros2 bag record -s mcap` writes `metadata.yaml` beside its storage files) is what ROS users
 * pass to `ros2 bag play`, so a folder holding exactly one MCAP file is read as that file. A split bag (several
 * storage files) or a SQLite one is refused with the tool that makes it readable.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { recordingError } from './inspectFile.ts';

/** The MCAP file a recording argument names: `path` itself, or the one `.mcap` inside the folder `path`. */
export async function bagFolderFile(folder: string): Promise<string> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const mcap = names.filter((n) => n.endsWith('.mcap')).sort();
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
      : 'pass an MCAP file, or a rosbag2 folder holding one',
  );
}
