/**
 * When a results file's camera images were taken, for matching them to frames by their stamps: how long after its
 * stamp each camera's images are logged (a ROS bag logs an image when it arrives), from its first image.
 */
import type { McapIndexedReader, McapTypes } from '@mcap/core';

/**
 * Replay's rule for whose clock an image's stamp is on (src/graph/FrameAssembler.ts `Clock`): within 10 s of
 * its log time, the log's; further, another clock (a simulator's sim time), and replay logged that camera's results
 * at the images' log times, so the viewer matches that topic by log time too.
 */
const STAMP_CLOCK_NS = 10_000_000_000n;
/** Jitter allowed around a topic's measured logging lag when its images are read for a frame. */
export const LAG_JITTER_NS = 100_000_000n;

/**
 * Per image topic, its first image's log time minus its stamp; a topic whose first image has no stamp, or one on
 * another clock, is left out (matched by log time).
 */
export async function imageLags(
  reader: McapIndexedReader,
  topics: Iterable<string>,
  stampOf: (ch: McapTypes.Channel, msg: McapTypes.Message) => bigint | null,
): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const topic of topics) {
    for await (const msg of reader.readMessages({ topics: [topic] })) {
      const ch = reader.channelsById.get(msg.channelId);
      const stamp = ch ? stampOf(ch, msg) : null;
      const lag = stamp === null ? undefined : msg.logTime - stamp;
      if (lag !== undefined && lag <= STAMP_CLOCK_NS && lag >= -STAMP_CLOCK_NS) out.set(topic, lag);
      break;
    }
  }
  return out;
}
