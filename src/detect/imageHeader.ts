/**
 * Image size and channel count from the header bytes (JPEG frame header, PNG IHDR), read in JS so a frame
 * needs no separate `sharp().metadata()` pass before its resize. Anything unusual returns null and the caller
 * asks libvips instead, so this never has to be a full parser.
 */

interface ImageHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** Colour components as stored: 1 grey, 3 RGB/YCbCr, 4 CMYK/RGBA, 2 grey + alpha. */
  channels: number;
  /** Bits per sample. */
  bitDepth: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG colour type → channels. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * @example imageHeader(jpegBytes) → { format: 'jpeg', width: 768, height: 576, channels: 3, bitDepth: 8 }
 */
export function imageHeader(data: Uint8Array): ImageHeader | null {
  if (data.length >= 33 && PNG_SIGNATURE.every((b, i) => data[i] === b)) return pngHeader(data);
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8) return jpegHeader(data);
  return null;
}

function pngHeader(data: Uint8Array): ImageHeader | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // The first chunk must be IHDR (13 bytes): width, height, bit depth, colour type, …
  if (view.getUint32(8) !== 13 || String.fromCharCode(...data.subarray(12, 16)) !== 'IHDR') return null;
  const channels = PNG_CHANNELS[data[25] as number];
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (channels === undefined || width === 0 || height === 0) return null;
  return { format: 'png', width, height, channels, bitDepth: data[24] as number };
}

/** Walks the marker segments up to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegHeader(data: Uint8Array): ImageHeader | null {
  let i = 2;
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) return null;
    const marker = data[i + 1] as number;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = ((data[i + 2] as number) << 8) | (data[i + 3] as number);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = ((data[i + 5] as number) << 8) | (data[i + 6] as number);
      const width = ((data[i + 7] as number) << 8) | (data[i + 8] as number);
      const channels = data[i + 9] as number;
      if (width === 0 || height === 0 || channels === 0) return null;
      return { format: 'jpeg', width, height, channels, bitDepth: data[i + 4] as number };
    }
    // Start of scan or end of image before any frame header: not a frame this reader understands.
    if (marker === 0xda || marker === 0xd9 || length < 2) return null;
    i += 2 + length;
  }
  return null;
}
