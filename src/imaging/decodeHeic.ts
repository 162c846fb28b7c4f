// iPhones save HEIC: HEIF containers holding HEVC-coded images. Prebuilt sharp ships libheif with the AV1 codec only
// (HEVC is patent-encumbered), so HEVC pictures are decoded by `heic-decode` (libheif + libde265 compiled to
// WebAssembly) and handed to sharp as raw RGBA. libheif applies the HEIF `irot`/`imir` transforms while decoding,
// so the pixels arrive upright and no EXIF orientation may be applied on top.

export interface DecodedPixels {
  width: number;
  height: number;
  channels: 4;
  data: Buffer;
}

export class HeicDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HeicDecodeError';
  }
}

interface Box {
  type: string;
  start: number;
  end: number;
}

function* boxes(bytes: Buffer, start: number, end: number): Generator<Box> {
  let offset = start;
  while (offset + 8 <= end) {
    let size = bytes.readUInt32BE(offset);
    let header = 8;
    if (size === 1) {
      if (offset + 16 > end) return;
      size = Number(bytes.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) return;
    yield { type: bytes.toString('latin1', offset + 4, offset + 8), start: offset + header, end: offset + size };
    offset += size;
  }
}

function findChild(bytes: Buffer, parent: Box, type: string, skip = 0): Box | undefined {
  for (const box of boxes(bytes, parent.start + skip, parent.end)) if (box.type === type) return box;
  return undefined;
}

export interface HeifHeader {
  /** From the codec configuration property present (`hvcC` or `av1C`): brands alone are unreliable. */
  codec: 'hevc' | 'av1' | 'other';
  width: number;
  height: number;
}

/**
 * Codec and largest picture size declared in the container (`meta/iprp/ipco`, ISO/IEC 23008-12 §6.5.3), read
 * without decoding: a grid's `ispe` is the whole picture, its tiles' are smaller, so the largest bounds the decode.
 */
export function readHeifHeader(bytes: Buffer): HeifHeader | undefined {
  const file: Box = { type: 'file', start: 0, end: bytes.length };
  const meta = findChild(bytes, file, 'meta');
  // `meta` is a full box: 4 bytes of version and flags before its children.
  const iprp = meta && findChild(bytes, meta, 'iprp', 4);
  const ipco = iprp && findChild(bytes, iprp, 'ipco');
  if (!ipco) return undefined;
  let largest: { width: number; height: number } | undefined;
  let codec: HeifHeader['codec'] = 'other';
  for (const box of boxes(bytes, ipco.start, ipco.end)) {
    if (box.type === 'hvcC') codec = 'hevc';
    if (box.type === 'av1C' && codec !== 'hevc') codec = 'av1';
    if (box.type !== 'ispe' || box.end - box.start < 12) continue;
    const width = bytes.readUInt32BE(box.start + 4);
    const height = bytes.readUInt32BE(box.start + 8);
    if (!largest || width * height > largest.width * largest.height) largest = { width, height };
  }
  return largest && { codec, ...largest };
}

/** Decodes the primary image. Callers check `readHeifHeader` against their pixel limit first. */
export async function decodeHeic(bytes: Buffer): Promise<DecodedPixels> {
  // Loaded on first use: the WebAssembly bundle is several megabytes and most photos are JPEG.
  const { default: decode } = await import('heic-decode');
  let image: Awaited<ReturnType<typeof decode>>;
  try {
    image = await decode({ buffer: bytes });
  } catch (error) {
    throw new HeicDecodeError(`heic-decode could not decode the image: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  if (image.width < 1 || image.height < 1 || data.length !== image.width * image.height * 4) {
    throw new HeicDecodeError(`heic-decode returned ${data.length} bytes for ${image.width}×${image.height} pixels`);
  }
  return { width: image.width, height: image.height, channels: 4, data };
}
