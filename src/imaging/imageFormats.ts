// Recognises a file by its first bytes, never by its name: HR folders hold `.jpg` files that are really PNG, HEIC
// or PDF. Magic numbers from each format's specification (JPEG SOI, PNG signature, RIFF/WEBP, GIF87a/89a, TIFF byte
// order marks, ISO/IEC 14496-12 `ftyp` brands for HEIF/AVIF as registered in ISO/IEC 23008-12 and the AV1 Image File
// Format). Only the raster formats listed in `AcceptedFormat` ever reach a decoder.

export type AcceptedFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heic' | 'heif';

export type SniffedFormat =
  | { kind: 'accepted'; format: AcceptedFormat }
  /** Drawn, not photographed: rendering it would run a vector interpreter on untrusted input. */
  | { kind: 'vector'; format: 'svg' | 'pdf' | 'postscript' | 'wmf' | 'emf' }
  /** A real image in a format we do not decode (yet): HR can export it as JPEG. */
  | { kind: 'unsupported'; format: string }
  | { kind: 'unknown' };

const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_STRUCTURAL_BRANDS = new Set(['mif1', 'msf1', 'mif2', 'miaf']);

function ascii(bytes: Buffer, start: number, end: number): string {
  return bytes.subarray(start, Math.min(end, bytes.length)).toString('latin1');
}

function startsWith(bytes: Buffer, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((value, index) => bytes[offset + index] === value);
}

/** ISO-BMFF files name their family in the `ftyp` box: a major brand then compatible brands. */
function sniffIsoBaseMedia(bytes: Buffer): SniffedFormat | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const boxSize = bytes.readUInt32BE(0);
  const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 16);
  const brands = [ascii(bytes, 8, 12)];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(bytes, offset, offset + 4));
  const major = brands[0] ?? '';
  if (AVIF_BRANDS.has(major)) return { kind: 'accepted', format: 'avif' };
  if (HEVC_BRANDS.has(major)) return { kind: 'accepted', format: 'heic' };
  if (brands.some((b) => AVIF_BRANDS.has(b))) return { kind: 'accepted', format: 'avif' };
  if (brands.some((b) => HEVC_BRANDS.has(b))) return { kind: 'accepted', format: 'heic' };
  if (brands.some((b) => HEIF_STRUCTURAL_BRANDS.has(b))) return { kind: 'accepted', format: 'heif' };
  if (major === 'jxl ') return { kind: 'unsupported', format: 'jpeg-xl' };
  if (major.startsWith('jp2') || major === 'jpx ') return { kind: 'unsupported', format: 'jpeg-2000' };
  if (major === 'crx ') return { kind: 'unsupported', format: 'camera-raw' };
  // mp4, mov, 3gp…: a video container, not a photo.
  return { kind: 'unknown' };
}

function looksLikeSvg(bytes: Buffer): boolean {
  const head = ascii(bytes, 0, 4096)
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  if (!head.startsWith('<')) return false;
  return /<svg[\s>]/.test(head) || head.includes('<!doctype svg');
}

export function sniffImageFormat(bytes: Buffer): SniffedFormat {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'accepted', format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'accepted', format: 'png' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return { kind: 'accepted', format: 'webp' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return { kind: 'accepted', format: 'gif' };
  // Classic TIFF (42) and BigTIFF (43), either byte order.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return { kind: 'accepted', format: 'tiff' };
  }
  const isoBaseMedia = sniffIsoBaseMedia(bytes);
  if (isoBaseMedia) return isoBaseMedia;

  if (ascii(bytes, 0, 5) === '%PDF-') return { kind: 'vector', format: 'pdf' };
  if (ascii(bytes, 0, 4) === '%!PS' || startsWith(bytes, [0xc5, 0xd0, 0xd3, 0xc6])) {
    return { kind: 'vector', format: 'postscript' };
  }
  if (startsWith(bytes, [0xd7, 0xcd, 0xc6, 0x9a])) return { kind: 'vector', format: 'wmf' };
  if (startsWith(bytes, [0x01, 0x00, 0x00, 0x00]) && ascii(bytes, 40, 44) === ' EMF') {
    return { kind: 'vector', format: 'emf' };
  }
  if (looksLikeSvg(bytes)) return { kind: 'vector', format: 'svg' };

  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 26) return { kind: 'unsupported', format: 'bmp' };
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return { kind: 'unsupported', format: 'ico' };
  if (ascii(bytes, 0, 4) === '8BPS') return { kind: 'unsupported', format: 'psd' };
  if (startsWith(bytes, [0xff, 0x0a])) return { kind: 'unsupported', format: 'jpeg-xl' };
  if (startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return { kind: 'unsupported', format: 'jpeg-2000' };
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) {
    return { kind: 'unsupported', format: 'jpeg-xl' };
  }
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) {
    return { kind: 'unsupported', format: 'jpeg-2000' };
  }
  if (ascii(bytes, 0, 4) === 'qoif') return { kind: 'unsupported', format: 'qoi' };
  if (startsWith(bytes, [0x76, 0x2f, 0x31, 0x01])) return { kind: 'unsupported', format: 'openexr' };
  if (ascii(bytes, 0, 10) === '#?RADIANCE' || ascii(bytes, 0, 6) === '#?RGBE') {
    return { kind: 'unsupported', format: 'radiance-hdr' };
  }
  return { kind: 'unknown' };
}
