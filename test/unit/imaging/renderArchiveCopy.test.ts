// The archive keeps the photo without its metadata: GPS, camera, XMP and comments gone, pixels untouched where the
// photo is an upright JPEG, re-encoded upright otherwise. Photos are generated here with sharp, metadata included.

import sharp from 'sharp';
import { inspectPhoto } from '../../../src/imaging/inspectPhoto';
import { renderArchiveCopy } from '../../../src/imaging/renderArchiveCopy';
import { stripJpegMetadata, JpegStructureError } from '../../../src/imaging/stripJpegMetadata';

const gps = {
  IFD0: { Make: 'PhoneCo', Model: 'Pocket 12', Copyright: 'Adele Vance' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '47/1 38/1 1234/100', GPSLongitudeRef: 'W', GPSLongitude: '122/1 7/1 0/1' },
};
const xmp =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="47,38.2N"/></rdf:RDF></x:xmpmeta>';

function photo(options: { orientation?: number; progressive?: boolean } = {}): Promise<Buffer> {
  let image = sharp({
    create: {
      width: 320,
      height: 200,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 120, sigma: 30 },
    },
  });
  // sharp writes the EXIF orientation from withMetadata only; the other tags merge into the same EXIF block.
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image
    .withExifMerge(gps)
    .withXmp(xmp)
    .withIccProfile('srgb')
    .jpeg({ quality: 85, progressive: options.progressive ?? false })
    .toBuffer();
}

/** A COM segment inserted after SOI and a trailer after EOI, as some cameras and phones write them. */
function withCommentAndTrailer(jpeg: Buffer): Buffer {
  const text = Buffer.from('shot at 12 Main Street', 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(text.length + 2);
  const com = Buffer.concat([Buffer.from([0xff, 0xfe]), length, text]);
  return Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2), Buffer.from('MOTION_PHOTO_TRAILER gps=47.6')]);
}

const inspect = (bytes: Buffer) => inspectPhoto(bytes, { maxBytes: 10_000_000, maxPixels: 50_000_000, minSide: 96 });
const pixels = (bytes: Buffer) => sharp(bytes).raw().toBuffer();

describe('stripJpegMetadata', () => {
  it.each([false, true])(
    'drops EXIF (GPS), XMP, comments and trailers, keeps every pixel (progressive: %s)',
    async (progressive) => {
      const original = withCommentAndTrailer(await photo({ progressive }));
      const before = await sharp(original).metadata();
      expect([before.exif !== undefined, before.xmp !== undefined]).toEqual([true, true]);

      const stripped = stripJpegMetadata(original);
      const after = await sharp(stripped).metadata();
      expect({ exif: after.exif, xmp: after.xmp, iptc: after.iptc, comments: after.comments }).toEqual({
        exif: undefined,
        xmp: undefined,
        iptc: undefined,
        comments: undefined,
      });
      expect(stripped.includes(Buffer.from('Main Street'))).toBe(false);
      expect(stripped.includes(Buffer.from('MOTION_PHOTO_TRAILER'))).toBe(false);
      expect(stripped.includes(Buffer.from('PhoneCo'))).toBe(false);
      expect(after.icc).toBeDefined();
      expect([after.width, after.height]).toEqual([320, 200]);
      expect((await pixels(stripped)).equals(await pixels(original))).toBe(true);
      // Stripping again changes nothing: the walk is a fixed point.
      expect(stripJpegMetadata(stripped).equals(stripped)).toBe(true);
    },
  );

  it('refuses what is not a well-formed JPEG rather than guessing', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(() => stripJpegMetadata(png)).toThrow(JpegStructureError);
    const jpeg = await photo();
    expect(() => stripJpegMetadata(jpeg.subarray(0, 400))).toThrow(JpegStructureError);
  });
});

describe('renderArchiveCopy', () => {
  const limits = { maxPixels: 50_000_000, timeoutSeconds: 30 };

  it('keeps an upright JPEG pixel for pixel, without its metadata', async () => {
    const original = await photo();
    const copy = await renderArchiveCopy(await inspect(original), limits);
    expect(copy.contentType).toBe('image/jpeg');
    expect((await sharp(copy.data).metadata()).exif).toBeUndefined();
    expect((await pixels(copy.data)).equals(await pixels(original))).toBe(true);
  });

  it('keeps a JPEG that stands upright through EXIF orientation as it is, with that one tag and no other', async () => {
    const original = await photo({ orientation: 6 });
    expect((await sharp(original).metadata()).orientation).toBe(6);
    const copy = await renderArchiveCopy(await inspect(original), limits);
    const meta = await sharp(copy.data).metadata();
    expect({ orientation: meta.orientation, xmp: meta.xmp, width: meta.width, height: meta.height }).toEqual({
      orientation: 6,
      xmp: undefined,
      width: 320,
      height: 200,
    });
    // The EXIF left is the orientation alone: no camera, no GPS, a few dozen bytes.
    expect(meta.exif?.length).toBeLessThan(48);
    expect(copy.data.includes(Buffer.from('PhoneCo'))).toBe(false);
    expect((await pixels(copy.data)).equals(await pixels(original))).toBe(true);
    // Displayed upright, as the original is.
    const upright = await sharp(copy.data).autoOrient().toBuffer({ resolveWithObject: true });
    expect([upright.info.width, upright.info.height]).toEqual([200, 320]);
  });

  it('writes PNG with transparency as PNG and other formats as JPEG, never with metadata', async () => {
    const png = await sharp({
      create: { width: 200, height: 200, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } },
    })
      .withExif(gps)
      .png()
      .toBuffer();
    const webp = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#345' } })
      .withExif(gps)
      .webp()
      .toBuffer();
    const [pngCopy, webpCopy] = await Promise.all([
      renderArchiveCopy(await inspect(png), limits),
      renderArchiveCopy(await inspect(webp), limits),
    ]);
    expect([pngCopy.contentType, webpCopy.contentType]).toEqual(['image/png', 'image/jpeg']);
    for (const copy of [pngCopy, webpCopy]) expect((await sharp(copy.data).metadata()).exif).toBeUndefined();
  });
});
