// What goes to photos-archive instead of the upload itself: the same photo without its metadata (EXIF GPS position,
// camera serial, capture time, XMP, IPTC, comments; design brief: "GPS is personal data"). A JPEG loses only its
// metadata segments and keeps its orientation as the one EXIF tag left (stripJpegMetadata: same pixels, a few
// milliseconds). Any other format (PNG, WebP, GIF, TIFF, AVIF, HEIC) is re-encoded upright by sharp, which writes no
// metadata unless asked: lossless PNG when the photo has transparency, JPEG otherwise.

import sharp from 'sharp';
import type { InspectedPhoto } from './inspectPhoto';
import { stripJpegMetadata } from './stripJpegMetadata';

export interface ArchiveCopy {
  data: Buffer;
  contentType: 'image/jpeg' | 'image/png';
}

const ARCHIVE_JPEG_QUALITY = 92;

export async function renderArchiveCopy(
  photo: InspectedPhoto,
  options: { maxPixels: number; timeoutSeconds: number },
): Promise<ArchiveCopy> {
  if (photo.input.kind === 'encoded' && photo.format === 'jpeg') {
    const { orientation } = await sharp(photo.input.bytes).metadata();
    try {
      return {
        data: stripJpegMetadata(photo.input.bytes, { orientation: orientation ?? 1 }),
        contentType: 'image/jpeg',
      };
    } catch {
      // A structure libjpeg tolerated but the segment walk does not (or a nonsense orientation): re-encode below.
    }
  }
  if (photo.input.kind === 'raw') {
    // HEIC arrives decoded as RGBA; a camera photo's alpha is opaque, so it is flattened into a JPEG.
    const { data, width, height, channels } = photo.input.pixels;
    const jpeg = await sharp(data, { raw: { width, height, channels }, limitInputPixels: options.maxPixels })
      .timeout({ seconds: options.timeoutSeconds })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: ARCHIVE_JPEG_QUALITY })
      .toBuffer();
    return { data: jpeg, contentType: 'image/jpeg' };
  }
  const image = sharp(photo.input.bytes, { limitInputPixels: options.maxPixels, autoOrient: true, pages: 1 })
    .timeout({ seconds: options.timeoutSeconds })
    .toColourspace('srgb');
  const { hasAlpha } = await sharp(photo.input.bytes).metadata();
  return hasAlpha
    ? { data: await image.png().toBuffer(), contentType: 'image/png' }
    : { data: await image.jpeg({ quality: ARCHIVE_JPEG_QUALITY }).toBuffer(), contentType: 'image/jpeg' };
}
