// Removes metadata from a JPEG without touching a pixel: the segments that carry EXIF (GPS, camera serial, time),
// XMP, IPTC, comments and maker data are dropped, and anything after the end-of-image marker (phone "trailers",
// Multi-Picture images) with them. Kept: JFIF (APP0), the ICC colour profile (APP2 "ICC_PROFILE"), Adobe's colour
// transform (APP14, needed to decode CMYK/YCCK) and every coding segment. A photo that stands upright only through
// its EXIF orientation (a phone's portrait shot) gets a new EXIF segment holding that one tag and nothing else.
// Written here rather than re-encoding with sharp because a re-encode is lossy and costs more than all the
// renditions together (measured on a 24 MP JPEG: 1.1 s full size, 0.5 s at 2048 px, against 0.24 s for the
// renditions' one decode); this walk takes a few milliseconds (10 at worst, on 15 MB of noise). No maintained npm package strips every metadata segment without an external program (piexifjs
// removes EXIF only). Segment layout: ITU-T T.81 annex B; APPn identifiers: JFIF 1.02, EXIF 2.3, ICC.1:2010 B.4.

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;

export class JpegStructureError extends Error {
  constructor(message: string) {
    super(`not a well-formed JPEG: ${message}`);
    this.name = 'JpegStructureError';
  }
}

/** Markers that stand alone, with no length field: RST0–7, SOI, EOI, TEM. */
function standalone(marker: number): boolean {
  return (marker >= 0xd0 && marker <= 0xd9) || marker === 0x01;
}

function keepSegment(marker: number, body: Buffer): boolean {
  if (marker === APP0 || marker === APP14) return true;
  if (marker === APP2) return body.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0';
  if (marker === COM) return false;
  return !(marker >= 0xe0 && marker <= 0xef);
}

/** Index just past the entropy-coded data that starts at `from`: the next marker that is not a stuffed 0xFF or RST. */
function endOfEntropyData(jpeg: Buffer, from: number): number {
  // indexOf is memchr: 10 ms CPU for a 15 MB, 24 MP JPEG of pure noise (the worst case), where a byte loop took 27.
  for (let i = jpeg.indexOf(0xff, from); i >= 0 && i < jpeg.length - 1; i = jpeg.indexOf(0xff, i + 1)) {
    const next = jpeg[i + 1] ?? 0;
    if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) continue;
    return i;
  }
  throw new JpegStructureError('no end-of-image marker');
}

/**
 * APP1 "Exif" with a big-endian TIFF header and one IFD0 entry, Orientation (0x0112, SHORT, 1 value), no next IFD
 * (EXIF 2.3 §4.5.2, §4.6.4 A; TIFF 6.0 §2).
 */
function orientationOnlyExif(orientation: number): Buffer {
  const tiff = Buffer.from([
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08, // "MM", 42, IFD0 at offset 8
    0x00,
    0x01, // one entry
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01,
    0x00,
    orientation,
    0x00,
    0x00, // Orientation = n
    0x00,
    0x00,
    0x00,
    0x00, // no next IFD
  ]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xe1]), length, body]);
}

export function stripJpegMetadata(jpeg: Buffer, options: { orientation?: number } = {}): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new JpegStructureError('no start-of-image marker');
  const orientation = options.orientation ?? 1;
  if (!Number.isInteger(orientation) || orientation < 1 || orientation > 8) {
    throw new RangeError(`EXIF orientation is 1 to 8, received ${orientation}`);
  }
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  // Right after SOI: readers take APP1 Exif wherever it is among the APPn segments, JFIF's own rule aside.
  if (orientation !== 1) parts.push(orientationOnlyExif(orientation));
  let at = 2;
  for (;;) {
    if (at >= jpeg.length) throw new JpegStructureError('no end-of-image marker');
    if (jpeg[at] !== 0xff) throw new JpegStructureError(`expected a marker at byte ${at}`);
    let markerAt = at;
    while (jpeg[markerAt + 1] === 0xff) markerAt++; // fill bytes before a marker
    const marker = jpeg[markerAt + 1];
    if (marker === undefined) throw new JpegStructureError('truncated marker');
    if (marker === EOI) {
      parts.push(Buffer.from([0xff, EOI]));
      return Buffer.concat(parts);
    }
    if (standalone(marker)) {
      parts.push(jpeg.subarray(markerAt, markerAt + 2));
      at = markerAt + 2;
      continue;
    }
    const length = jpeg.readUInt16BE(markerAt + 2);
    const end = markerAt + 2 + length;
    if (length < 2 || end > jpeg.length) throw new JpegStructureError(`segment 0x${marker.toString(16)} overruns`);
    if (keepSegment(marker, jpeg.subarray(markerAt + 4, end))) parts.push(jpeg.subarray(markerAt, end));
    at = end;
    if (marker === SOS) {
      // A scan's coded data follows its header; progressive files have several scans with tables between them.
      const dataEnd = endOfEntropyData(jpeg, at);
      parts.push(jpeg.subarray(at, dataEnd));
      at = dataEnd;
    }
  }
}
