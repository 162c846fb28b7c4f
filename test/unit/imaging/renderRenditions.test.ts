import { createHash } from 'node:crypto';
import { loadIngestConfig } from '../../../src/config';
import sharp from 'sharp';
import {
  EXCHANGE_MAX_BYTES,
  renderInspectedPhoto,
  renderRenditions,
  RenditionOptions,
} from '../../../src/imaging/renderRenditions';
import { PhotoRejectedError } from '../../../src/pipeline/ingest/PhotoRejectedError';
import {
  animatedGif,
  BLUE,
  cmykJpeg,
  greyscaleJpeg,
  halvesJpeg,
  jpegWithGps,
  noiseJpeg,
  RED,
  Rgb,
  sixteenBitPng,
  solid,
  transparentPng,
  truncatedJpeg,
  WHITE,
} from '../../support/generatedImages';

// The product's defaults (no settings): 648, 48/72/200, 96 px minimum side, 50 MB, 50 MP.
const options: RenditionOptions = loadIngestConfig({});

let noisePhoto: Promise<Buffer> | undefined;
/** Noise is the worst case for JPEG size; made once, it is the slowest fixture. */
function noise(): Promise<Buffer> {
  noisePhoto ??= noiseJpeg(700, 700);
  return noisePhoto;
}

async function pixelAt(jpeg: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const index = (y * info.width + x) * info.channels;
  return { r: data[index] ?? -1, g: data[index + 1] ?? -1, b: data[index + 2] ?? -1 };
}

/** JPEG is lossy: a colour is "the same" within a small distance per channel. */
function expectColour(actual: Rgb, expected: Rgb, tolerance = 24): void {
  const distance = Math.max(
    Math.abs(actual.r - expected.r),
    Math.abs(actual.g - expected.g),
    Math.abs(actual.b - expected.b),
  );
  if (distance > tolerance) throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function expectSrgbJpeg(jpeg: Buffer, edge: number): Promise<void> {
  const metadata = await sharp(jpeg).metadata();
  expect(metadata).toMatchObject({ format: 'jpeg', width: edge, height: edge, space: 'srgb', channels: 3 });
  expect(metadata.depth).toBe('uchar');
  expect(metadata.hasAlpha).toBe(false);
}

describe('renderRenditions', () => {
  it('produces a 648 square for Exchange and 48, 72 and 200 squares for SharePoint from a landscape photo', async () => {
    const result = await renderRenditions(await solid(400, 300).jpeg().toBuffer(), options);
    expect(result.source).toEqual({ format: 'jpeg', width: 400, height: 300 });
    for (const [rendition, edge] of [
      [result.exchange, 648],
      [result.small, 48],
      [result.medium, 72],
      [result.large, 200],
    ] as const) {
      expect(rendition).toMatchObject({ width: edge, height: edge });
      await expectSrgbJpeg(rendition.data, edge);
    }
  });

  it('honours configured sizes', async () => {
    const result = await renderRenditions(await solid(300, 500).png().toBuffer(), {
      ...options,
      exchangeSize: 360,
      sharePointSizes: { small: 32, medium: 64, large: 128 },
    });
    await expectSrgbJpeg(result.exchange.data, 360);
    await expectSrgbJpeg(result.small.data, 32);
    await expectSrgbJpeg(result.medium.data, 64);
    await expectSrgbJpeg(result.large.data, 128);
  });

  it.each([
    ['no orientation tag', undefined, { topLeft: RED, topRight: BLUE, bottomLeft: RED }],
    ['orientation 6 (rotate 90° clockwise)', 6, { topLeft: RED, topRight: RED, bottomLeft: BLUE }],
    ['orientation 8 (rotate 90° anticlockwise)', 8, { topLeft: BLUE, topRight: BLUE, bottomLeft: RED }],
  ])('applies EXIF orientation before cropping: %s', async (_name, orientation, expected) => {
    const bytes = await halvesJpeg({ width: 200, height: 120, ...(orientation ? { orientation } : {}) });
    const { exchange } = await renderRenditions(bytes, options);
    expectColour(await pixelAt(exchange.data, 100, 100), expected.topLeft);
    expectColour(await pixelAt(exchange.data, 548, 100), expected.topRight);
    expectColour(await pixelAt(exchange.data, 100, 548), expected.bottomLeft);
  });

  it('converts a CMYK JPEG to 3-channel sRGB', async () => {
    const input = await cmykJpeg();
    expect((await sharp(input).metadata()).space).toBe('cmyk');
    const { exchange, small } = await renderRenditions(input, options);
    await expectSrgbJpeg(exchange.data, 648);
    await expectSrgbJpeg(small.data, 48);
    expectColour(await pixelAt(exchange.data, 324, 324), RED, 40);
  });

  it('converts greyscale to 3-channel sRGB', async () => {
    const { exchange } = await renderRenditions(await greyscaleJpeg(), options);
    await expectSrgbJpeg(exchange.data, 648);
    expectColour(await pixelAt(exchange.data, 324, 324), { r: 128, g: 128, b: 128 }, 6);
  });

  it('reduces a 16-bit PNG to 8-bit sRGB', async () => {
    const input = await sixteenBitPng();
    expect((await sharp(input).metadata()).depth).toBe('ushort');
    const { exchange } = await renderRenditions(input, options);
    await expectSrgbJpeg(exchange.data, 648);
    expectColour(await pixelAt(exchange.data, 324, 324), BLUE);
  });

  it('flattens transparency on white, not black', async () => {
    const { exchange, large } = await renderRenditions(await transparentPng(), options);
    await expectSrgbJpeg(exchange.data, 648);
    expectColour(await pixelAt(exchange.data, 10, 10), WHITE, 4);
    expectColour(await pixelAt(large.data, 100, 100), WHITE, 4);
  });

  it('uses the first frame of an animated GIF', async () => {
    const { exchange } = await renderRenditions(await animatedGif(), options);
    expectColour(await pixelAt(exchange.data, 324, 324), RED);
  });

  it('strips EXIF, GPS, XMP, IPTC and ICC metadata from every rendition', async () => {
    const input = await jpegWithGps();
    const before = await sharp(input).metadata();
    expect(before.exif?.includes(Buffer.from('PhotoSyncTest'))).toBe(true);
    expect(before.icc).toBeDefined();
    const result = await renderRenditions(input, options);
    for (const rendition of [result.exchange, result.small, result.medium, result.large]) {
      const after = await sharp(rendition.data).metadata();
      expect(after.exif).toBeUndefined();
      expect(after.xmp).toBeUndefined();
      expect(after.iptc).toBeUndefined();
      expect(after.icc).toBeUndefined();
      expect(after.orientation).toBeUndefined();
      expect(rendition.data.includes(Buffer.from('PhotoSyncTest'))).toBe(false);
    }
  });

  it('keeps the Exchange photo under the 4 MB Graph limit at the highest quality', async () => {
    const { exchange } = await renderRenditions(await noise(), { ...options, jpegQuality: 100 });
    expect(exchange.data.length).toBeLessThanOrEqual(EXCHANGE_MAX_BYTES);
  });

  it('lowers JPEG quality until the Exchange photo fits its byte limit', async () => {
    const small = { ...options, exchangeSize: 240 };
    const unconstrained = await renderRenditions(await noise(), small);
    const limit = Math.floor(unconstrained.exchange.data.length * 0.8);
    const constrained = await renderRenditions(await noise(), { ...small, exchangeMaxBytes: limit });
    expect(constrained.exchange.data.length).toBeLessThanOrEqual(limit);
    expect(constrained.exchange).toMatchObject({ width: 240, height: 240 });
  });

  it('rejects with too-many-bytes when no quality fits the Exchange byte limit', async () => {
    const attempt = renderRenditions(await noise(), { ...options, exchangeSize: 240, exchangeMaxBytes: 2000 });
    await expect(attempt).rejects.toMatchObject({ code: 'too-many-bytes', details: { maxBytes: 2000 } });
  });

  it('rejects a truncated JPEG as corrupt-image rather than rendering grey bands', async () => {
    const attempt = renderRenditions(await truncatedJpeg(), options);
    await expect(attempt).rejects.toBeInstanceOf(PhotoRejectedError);
    await expect(attempt).rejects.toMatchObject({ code: 'corrupt-image', details: { format: 'jpeg' } });
  });

  it('names the content hash after the original bytes, so a re-drop of the same file has the same hash', async () => {
    const bytes = await solid(200, 200).jpeg().toBuffer();
    const first = await renderRenditions(bytes, options);
    const again = await renderRenditions(Buffer.from(bytes), options);
    const other = await renderRenditions(await solid(200, 200, BLUE).jpeg().toBuffer(), options);
    expect(first.contentHash).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(again.contentHash).toBe(first.contentHash);
    expect(other.contentHash).not.toBe(first.contentHash);
  });

  it('crops to the salient part of a wide photo with the attention strategy, to the centre by default', async () => {
    // Flat grey with a saturated, busy subject at the right edge.
    const stripes = await sharp({ create: { width: 200, height: 200, channels: 3, background: RED } })
      .composite(
        Array.from({ length: 10 }, (_, i) => ({
          input: { create: { width: 10, height: 200, channels: 3 as const, background: { r: 255, g: 230, b: 0 } } },
          left: i * 20,
          top: 0,
        })),
      )
      .png()
      .toBuffer();
    const photo = await solid(600, 200, { r: 128, g: 128, b: 128 })
      .composite([{ input: stripes, left: 400, top: 0 }])
      .png()
      .toBuffer();
    const centre = await renderRenditions(photo, options);
    const attention = await renderRenditions(photo, { ...options, crop: 'attention' });
    expectColour(await pixelAt(centre.exchange.data, 324, 324), { r: 128, g: 128, b: 128 }, 8);
    const salient = await pixelAt(attention.exchange.data, 324, 324);
    expect(salient.r).toBeGreaterThan(200);
    expect(salient.b).toBeLessThan(60);
  });

  it('renders decoded RGBA pixels (the shape heic-decode returns) with alpha on white', async () => {
    // Left half transparent, right half opaque blue, RGBA interleaved as heic-decode returns it.
    const info = { width: 160, height: 120 };
    const data = Buffer.alloc(info.width * info.height * 4);
    for (let i = 0; i < info.width * info.height; i += 1) {
      if (i % info.width >= info.width / 2) data.set([BLUE.r, BLUE.g, BLUE.b, 255], i * 4);
    }
    const result = await renderInspectedPhoto(
      {
        format: 'heic',
        width: info.width,
        height: info.height,
        input: { kind: 'raw', pixels: { width: info.width, height: info.height, channels: 4, data } },
      },
      options,
    );
    await expectSrgbJpeg(result.exchange.data, 648);
    expectColour(await pixelAt(result.exchange.data, 40, 324), WHITE, 6);
    expectColour(await pixelAt(result.exchange.data, 600, 324), BLUE);
    expect(result.source).toEqual({ format: 'heic', width: 160, height: 120 });
  });
});
