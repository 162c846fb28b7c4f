// Removes metadata from a JPEG without touching a pixel: the segments that carry EXIF (GPS, camera serial, time),
// XMP, IPTC, comments and maker data are dropped, and anything after the end-of-image marker (phone "trailers",
// Multi-Picture images) with them. Kept: JFIF (APP0), the ICC colour profile (APP2 "ICC_PROFILE"), Adobe's colour
// transform (APP14, needed to decode CMYK/YCCK) and every coding segment. Written here rather than re-encoding with
// sharp because a re-encode is lossy and costs more than all the renditions together (measured on a 24 MP JPEG:
// 1.1 s full size, 0.5 s at 2048 px, against 0.24 s for the renditions' one decode); this walk takes about a
// millisecond. No maintained npm package strips every metadata segment without an external program (piexifjs
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
  for (let i = from; i < jpeg.length - 1; i++) {
    if (jpeg[i] !== 0xff) continue;
    const next = jpeg[i + 1] ?? 0;
    if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) continue;
    return i;
  }
  throw new JpegStructureError('no end-of-image marker');
}

export function stripJpegMetadata(jpeg: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new JpegStructureError('no start-of-image marker');
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
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
