/**
 * CRC-32s of message payloads the reader has already computed while checking their chunk's CRC, keyed by the
 * payload array it handed out. A replay passes those arrays straight to the writer, which then combines the known
 * CRC into its own chunk CRC (crc32Combine) instead of reading every payload byte a second time.
 *
 * Only large payloads are tracked (small ones cost more to look up than to CRC). The writer trusts an entry: a
 * payload array from the reader must not be modified (RecordedMessage.data is read-only input).
 */
export const payloadCrcs = new WeakMap<Uint8Array, number>();

/** Payloads at least this large get their own CRC and a WeakMap entry. */
export const PAYLOAD_CRC_MIN_BYTES = 16 * 1024;
