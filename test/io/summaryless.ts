/** A Footer record with summary_start = 0 (no summary section) followed by the closing magic (MCAP spec). */
export const SUMMARYLESS_FOOTER = Buffer.concat([
  Buffer.from([0x02, 20, 0, 0, 0, 0, 0, 0, 0]),
  Buffer.alloc(20),
  Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]),
]);
