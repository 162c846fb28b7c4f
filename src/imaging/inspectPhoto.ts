// Validates an untrusted upload by content before anything is decoded: size in bytes first (the bytes are already in
// memory, a decoder must not see more), then the magic bytes, then the image header (dimensions without pixels), so
// a decompression bomb is refused from its header. Messages are written for the HR person reading the rejection
// JSON; `details` carries the figures for tools. See docs/design "sharp for untrusted input".

import sharp, { Metadata } from 'sharp';
import type { IngestConfig } from '../config';
import {
  decodeHeic,
  DecodedPixels,
  defaultHeicDecodeLimits,
  HeicDecodeError,
  HeicDecodeTimeoutError,
  readHeifHeader,
} from './decodeHeic';
import { AcceptedFormat, sniffImageFormat } from './imageFormats';
import { checkPhotoSize } from '../pipeline/ingest/checkPhotoSize';
import { PhotoRejectedError } from '../pipeline/ingest/PhotoRejectedError';
import { PhotoRenderTimeoutError } from './PhotoRenderTimeoutError';

export type InspectOptions = Pick<IngestConfig, 'maxBytes' | 'maxPixels' | 'minSide'> &
  Partial<Pick<IngestConfig, 'heic'>>;

export type PhotoInput =
  | { kind: 'encoded'; bytes: Buffer }
  /** HEVC HEIC, already decoded by heic-decode (upright, RGBA). */
  | { kind: 'raw'; pixels: DecodedPixels };

export interface InspectedPhoto {
  /** What the content is, whatever the file is called. */
  format: AcceptedFormat;
  /** Upright size: EXIF orientation 5–8 swaps width and height. */
  width: number;
  height: number;
  input: PhotoInput;
}

const FORMAT_NAMES: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  tiff: 'TIFF',
  avif: 'AVIF',
  heic: 'HEIC',
  heif: 'HEIF',
  svg: 'SVG',
  pdf: 'PDF',
  postscript: 'PostScript/EPS',
  wmf: 'Windows Metafile',
  emf: 'Enhanced Metafile',
};

/** The libvips loader each sniffed format must reach (`metadata().format`). */
const SHARP_LOADERS: Record<AcceptedFormat, string> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  avif: 'heif',
  heic: 'heif',
  heif: 'heif',
};

const ACCEPTED_LIST = 'JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC';

function megapixels(pixels: number): string {
  return `${(pixels / 1_000_000).toFixed(1)} megapixels`;
}

/** Maps a decoder failure on bytes whose signature looked right: the data inside is damaged or truncated. */
export function decodeFailure(error: unknown, format: AcceptedFormat, timeoutSeconds?: number): Error {
  if (error instanceof PhotoRejectedError || error instanceof PhotoRenderTimeoutError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (timeoutSeconds !== undefined && /^timeout: \d+% complete/m.test(reason)) {
    return new PhotoRenderTimeoutError(timeoutSeconds, { cause: error });
  }
  if (/exceeds pixel limit/i.test(reason)) {
    return new PhotoRejectedError('too-many-pixels', 'The photo has more pixels than allowed.', { format, reason });
  }
  return new PhotoRejectedError(
    'corrupt-image',
    `The ${FORMAT_NAMES[format]} data in the file is damaged or incomplete (for example a copy that stopped ` +
      'part-way). Export or copy the photo again.',
    { format, reason: reason.split('\n')[0] ?? reason },
    { cause: error },
  );
}

function checkGeometry(format: AcceptedFormat, width: number, height: number, options: InspectOptions): void {
  const pixels = width * height;
  if (pixels > options.maxPixels) {
    throw new PhotoRejectedError(
      'too-many-pixels',
      `The photo is ${width}×${height} pixels (${megapixels(pixels)}); the limit is ${megapixels(options.maxPixels)}. ` +
        'Resize it before uploading.',
      { format, width, height, pixels, maxPixels: options.maxPixels },
    );
  }
  if (Math.min(width, height) < options.minSide) {
    throw new PhotoRejectedError(
      'too-small',
      `The photo is ${width}×${height} pixels; the shortest side must be at least ${options.minSide} pixels.`,
      { format, width, height, minSide: options.minSide },
    );
  }
}

/** HEVC-coded HEIF goes to heic-decode; AV1-coded HEIF (AVIF, whatever its brand says) stays with sharp. */
async function inspectHeif(bytes: Buffer, format: 'heic' | 'heif', options: InspectOptions): Promise<InspectedPhoto> {
  const header = readHeifHeader(bytes);
  if (!header) throw decodeFailure(new Error('no image properties (ipco/ispe) in the HEIF container'), format);
  if (header.codec !== 'hevc') return inspectWithSharp(bytes, 'avif', options);
  if (options.heic?.enabled === false) {
    throw new PhotoRejectedError(
      'unsupported-format',
      'HEIC photos (iPhone) are switched off here (INGEST_HEIC=off). Save the photo as JPEG and upload it again.',
      { format: 'heic' },
    );
  }
  checkGeometry('heic', header.width, header.height, options);
  try {
    const pixels = await decodeHeic(bytes, options.heic ?? defaultHeicDecodeLimits);
    checkGeometry('heic', pixels.width, pixels.height, options);
    return { format: 'heic', width: pixels.width, height: pixels.height, input: { kind: 'raw', pixels } };
  } catch (error) {
    if (error instanceof HeicDecodeTimeoutError) {
      throw new PhotoRenderTimeoutError(Math.ceil(error.timeoutMs / 1000), { cause: error });
    }
    throw error instanceof HeicDecodeError ? decodeFailure(error, 'heic') : error;
  }
}

async function inspectWithSharp(
  bytes: Buffer,
  format: AcceptedFormat,
  options: InspectOptions,
): Promise<InspectedPhoto> {
  let metadata: Metadata;
  try {
    // Header only: no pixel is decoded here, so the pixel limit is ours to check with readable figures.
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'warning' }).metadata();
  } catch (error) {
    throw decodeFailure(error, format);
  }
  // libvips picks its loader from the content too; a disagreement with our sniffing means a malformed file.
  if (metadata.format !== SHARP_LOADERS[format]) {
    throw decodeFailure(new Error(`decoded as ${metadata.format}, signature says ${format}`), format);
  }
  const { width, height } = metadata.autoOrient;
  checkGeometry(format, width, height, options);
  return { format, width, height, input: { kind: 'encoded', bytes } };
}

/** Checks an upload without decoding its pixels (except HEVC HEIC, which only heic-decode can read at all). */
export async function inspectPhoto(bytes: Buffer, options: InspectOptions): Promise<InspectedPhoto> {
  checkPhotoSize(bytes.length, options.maxBytes);
  const sniffed = sniffImageFormat(bytes);
  switch (sniffed.kind) {
    case 'unknown':
      throw new PhotoRejectedError('not-an-image', `The file is not an image. Upload a ${ACCEPTED_LIST} photo.`, {
        bytes: bytes.length,
      });
    case 'vector':
      throw new PhotoRejectedError(
        'vector-image',
        `The file is a drawing (${FORMAT_NAMES[sniffed.format]}), not a photo. Upload a ${ACCEPTED_LIST} photo.`,
        { format: sniffed.format },
      );
    case 'unsupported':
      throw new PhotoRejectedError(
        'unsupported-format',
        `The file's format (${sniffed.format.toUpperCase()}) is not supported. Save the photo as JPEG or PNG.`,
        { format: sniffed.format },
      );
    case 'accepted':
      break;
  }

  const format = sniffed.format;
  if (format === 'heic' || format === 'heif') return inspectHeif(bytes, format, options);
  return inspectWithSharp(bytes, format, options);
}
