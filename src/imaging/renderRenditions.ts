// Turns one validated upload into every rendition the writers need, from ONE decode: libvips decodes the original
// straight to an upright, white-flattened sRGB square of the Exchange size (JPEG and WebP shrink on load, so a 24 MP
// photo is decoded at 1/4 or 1/8 scale), and the SharePoint thumbnails are resized from that small raw buffer.
// Measured by `npm run bench:ingest` against a single resize of the same image (see docs/benchmarks in the README).

import sharp, { Sharp } from 'sharp';
import type { IngestConfig } from '../config';
import { contentHash } from './contentHash';
import { renderArchiveCopy } from './renderArchiveCopy';
import { decodeFailure, InspectedPhoto, InspectOptions, inspectPhoto } from './inspectPhoto';
import type { AcceptedFormat } from './imageFormats';
import { PhotoRejectedError } from '../pipeline/ingest/PhotoRejectedError';
import type { RenderedRenditions, RenditionImage } from '../pipeline/messages/renditions';

// Every upload is a different photo: libvips' operation cache would only hold memory (sharp docs, "cache").
sharp.cache(false);

/** Graph `PUT /users/{id}/photo/$value` refuses bodies over 4 MB. */
export const EXCHANGE_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 30;
const LOWEST_QUALITY = 40;

export type RenditionOptions = InspectOptions &
  Pick<IngestConfig, 'crop' | 'exchangeSize' | 'sharePointSizes' | 'jpegQuality'> & {
    /** Upper bound for the Exchange JPEG; quality is lowered until it fits. Default 4 MB (the Graph limit). */
    exchangeMaxBytes?: number;
    /** Applied to every sharp pipeline so one pathological photo cannot hold a worker. Default 30 s. */
    timeoutSeconds?: number;
    /** Also make the copy photos-archive keeps: the photo without its metadata (renderArchiveCopy). */
    archiveCopy?: boolean;
  };

/** Every rendition, the hash of the original, and what the original was (for the log and the benchmarks). */
export type PhotoRenditions = RenderedRenditions & {
  source: { format: AcceptedFormat; width: number; height: number };
};

interface SquarePixels {
  data: Buffer;
  size: number;
}

function openInput(photo: InspectedPhoto, options: RenditionOptions): Sharp {
  if (photo.input.kind === 'raw') {
    const { data, width, height, channels } = photo.input.pixels;
    return sharp(data, { raw: { width, height, channels }, limitInputPixels: options.maxPixels });
  }
  return sharp(photo.input.bytes, {
    // Decoder warnings (truncated scans, bad CRCs) abort instead of rendering grey bands: HR re-exports the photo.
    failOn: 'warning',
    limitInputPixels: options.maxPixels,
    autoOrient: true,
    // First frame of an animated GIF/WebP, first page of a multi-page TIFF.
    pages: 1,
  });
}

/** The single decode: upright, cropped to a square, alpha flattened on white, 8-bit sRGB, no metadata. */
async function decodeSquare(photo: InspectedPhoto, options: RenditionOptions, seconds: number): Promise<SquarePixels> {
  const { small, medium, large } = options.sharePointSizes;
  // Normally the Exchange size; never smaller than a thumbnail, so no rendition is ever upscaled from the square.
  const size = Math.max(options.exchangeSize, small, medium, large);
  try {
    const { data, info } = await openInput(photo, options)
      .timeout({ seconds })
      .flatten({ background: '#ffffff' })
      .resize(size, size, {
        fit: 'cover',
        position: options.crop === 'attention' ? sharp.strategy.attention : 'centre',
      })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size || info.height !== size) {
      throw new Error(`expected ${size}×${size}×3, decoded ${info.width}×${info.height}×${info.channels}`);
    }
    return { data, size };
  } catch (error) {
    throw decodeFailure(error, photo.format, seconds);
  }
}

async function encodeJpeg(square: SquarePixels, edge: number, quality: number, seconds: number): Promise<Buffer> {
  let pipeline = sharp(square.data, { raw: { width: square.size, height: square.size, channels: 3 } }).timeout({
    seconds,
  });
  if (edge !== square.size) pipeline = pipeline.resize(edge, edge);
  // Output carries no EXIF, XMP, IPTC or ICC (sharp strips unless asked to keep): untagged JPEG is read as sRGB.
  // libjpeg-turbo with optimised Huffman tables, not mozjpeg: measured here, mozjpeg's trellis quantisation cost
  // 42 ms CPU per 648² encode against 4.6 ms, more than decoding a 12 MP original at 1/4 scale, for ~10% fewer bytes.
  return pipeline.jpeg({ quality, optimiseCoding: true }).toBuffer();
}

async function renderExchange(
  square: SquarePixels,
  options: RenditionOptions,
  seconds: number,
): Promise<RenditionImage> {
  const maxBytes = options.exchangeMaxBytes ?? EXCHANGE_MAX_BYTES;
  let quality = options.jpegQuality;
  for (;;) {
    const data = await encodeJpeg(square, options.exchangeSize, quality, seconds);
    if (data.length <= maxBytes) return { data, width: options.exchangeSize, height: options.exchangeSize };
    if (quality <= LOWEST_QUALITY) {
      throw new PhotoRejectedError(
        'too-many-bytes',
        `The Exchange photo is still ${data.length} bytes at JPEG quality ${quality}; the limit is ${maxBytes} bytes.`,
        { bytes: data.length, maxBytes, quality, rendition: 'exchange' },
      );
    }
    quality = Math.max(LOWEST_QUALITY, quality - 10);
  }
}

async function renderThumbnail(
  square: SquarePixels,
  edge: number,
  quality: number,
  seconds: number,
): Promise<RenditionImage> {
  const data = await encodeJpeg(square, edge, quality, seconds);
  return { data, width: edge, height: edge };
}

/** Renders a photo `inspectPhoto` accepted (exported for the raw-pixel path HEIC takes). */
export async function renderInspectedPhoto(
  photo: InspectedPhoto,
  options: RenditionOptions,
): Promise<Omit<PhotoRenditions, 'contentHash'>> {
  const seconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const square = await decodeSquare(photo, options, seconds);
  const { small, medium, large } = options.sharePointSizes;
  const [exchange, smallRendition, mediumRendition, largeRendition, archiveCopy] = await Promise.all([
    renderExchange(square, options, seconds),
    renderThumbnail(square, small, options.jpegQuality, seconds),
    renderThumbnail(square, medium, options.jpegQuality, seconds),
    renderThumbnail(square, large, options.jpegQuality, seconds),
    options.archiveCopy
      ? renderArchiveCopy(photo, { maxPixels: options.maxPixels, timeoutSeconds: seconds })
      : undefined,
  ]);
  return {
    ...(archiveCopy ? { archiveCopy } : {}),
    source: { format: photo.format, width: photo.width, height: photo.height },
    exchange,
    small: smallRendition,
    medium: mediumRendition,
    large: largeRendition,
  };
}

/** Validates (see `inspectPhoto`) and renders; throws `PhotoRejectedError` for a photo HR must replace. */
export async function renderRenditions(bytes: Buffer, options: RenditionOptions): Promise<PhotoRenditions> {
  const photo = await inspectPhoto(bytes, options);
  return { contentHash: contentHash(bytes), ...(await renderInspectedPhoto(photo, options)) };
}
