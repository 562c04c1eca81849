/** Opening an MCAP file in the browser through its index, with the chunk decompressors it needs. */
import { McapIndexedReader, type McapTypes } from '@mcap/core';
import zstdUrl from '@foxglove/wasm-zstd/dist/wasm-zstd.wasm?url';
import { ChunkCache, MESSAGE_INDEX_CACHE_BYTES } from './chunkCache.ts';
import { chunkHandler, instantiateZstd, lz4Decompress } from './decompress.ts';
import { badFileReason } from './fileCheck.ts';

let zstd: Promise<(src: Uint8Array, size: number) => Uint8Array> | undefined;
function decompressor(kind: 'zstd' | 'lz4') {
  if (kind === 'lz4') return lz4Decompress;
  // A failed fetch (the server restarting) is not kept: the next file tries again.
  zstd ??= fetch(zstdUrl)
    .then((r) => {
      if (!r.ok) throw new Error(`zstd decoder: ${zstdUrl} answered ${r.status}`);
      return r.arrayBuffer();
    })
    .then((b) => instantiateZstd(b))
    .catch((err: unknown) => {
      zstd = undefined;
      throw err;
    });
  return zstd;
}

/** An indexed reader over `source`, with its chunks' decompressors; a one-line Error naming `name` otherwise. */
export async function openIndexed(
  source: McapTypes.IReadable,
  name: string,
): Promise<{ reader: McapIndexedReader; readable: ChunkCache }> {
  const handlers: McapTypes.DecompressHandlers = {};
  // Frames are read one readMessages call each: the chunks and message indexes read last are kept (bounded).
  const readable = new ChunkCache(source);
  let reader: McapIndexedReader;
  try {
    reader = await McapIndexedReader.Initialize({
      readable,
      decompressHandlers: handlers,
      messageIndexCacheSizeBytes: MESSAGE_INDEX_CACHE_BYTES,
    });
  } catch (err) {
    const reason = await badFileReason(source, name);
    throw new Error(reason ?? `${name} is not a readable indexed MCAP file: ${(err as Error).message}`);
  }
  readable.setChunkStarts(reader.chunkIndexes.map((c) => c.chunkStartOffset));
  const kinds = new Set(reader.chunkIndexes.map((c) => c.compression));
  for (const kind of kinds) {
    if (kind === '') continue;
    if (kind !== 'zstd' && kind !== 'lz4')
      throw new Error(`${name}: chunk compression "${kind}" is not supported`);
    const fn = await decompressor(kind);
    handlers[kind] = chunkHandler(kind, fn);
  }
  if (reader.chunkIndexes.length === 0)
    throw new Error(`${name} has no chunk index (an unindexed MCAP); re-write it with an index`);
  return { reader, readable };
}

export function topicsOf(reader: McapIndexedReader): Map<string, McapTypes.Channel> {
  const byTopic = new Map<string, McapTypes.Channel>();
  for (const ch of reader.channelsById.values()) byTopic.set(ch.topic, ch);
  return byTopic;
}
