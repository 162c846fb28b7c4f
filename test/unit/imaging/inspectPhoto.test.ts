import { inspectPhoto, InspectOptions } from '../../../src/imaging/inspectPhoto';
import { sniffImageFormat } from '../../../src/imaging/imageFormats';
import { decodeHeic, HeicDecodeTimeoutError, readHeifHeader } from '../../../src/imaging/decodeHeic';
import { PhotoRejectedError, RejectionCode } from '../../../src/pipeline/ingest/PhotoRejectedError';
import {
  animatedGif,
  encoded,
  halvesJpeg,
  heicContainer,
  pngDecompressionBomb,
  pseudoRandomBytes,
  solid,
  svgDrawing,
  truncatedJpeg,
} from '../../support/generatedImages';

const options: InspectOptions = { maxBytes: 50 * 1024 * 1024, maxPixels: 50_000_000, minSide: 96 };

async function rejection(bytes: Buffer, overrides: Partial<InspectOptions> = {}): Promise<PhotoRejectedError> {
  try {
    await inspectPhoto(bytes, { ...options, ...overrides });
  } catch (error) {
    if (error instanceof PhotoRejectedError) return error;
    throw error;
  }
  throw new Error('expected the photo to be rejected');
}

async function expectCode(bytes: Buffer, code: RejectionCode, overrides: Partial<InspectOptions> = {}) {
  const error = await rejection(bytes, overrides);
  expect(error.code).toBe(code);
  expect(error.retryable).toBe(false);
  return error;
}

describe('inspectPhoto accepts', () => {
  it.each([
    ['JPEG', () => solid(120, 100).jpeg().toBuffer(), 'jpeg'],
    ['PNG', () => encoded('png', 120, 100), 'png'],
    ['WebP', () => encoded('webp', 120, 100), 'webp'],
    ['TIFF', () => encoded('tiff', 120, 100), 'tiff'],
    ['AVIF', () => encoded('avif', 120, 100), 'avif'],
  ])('a %s photo, reporting its format and size', async (_name, make, format) => {
    const photo = await inspectPhoto(await make(), options);
    expect(photo).toMatchObject({ format, width: 120, height: 100, input: { kind: 'encoded' } });
  });

  it('an animated GIF, measuring one frame rather than the whole strip', async () => {
    const photo = await inspectPhoto(await animatedGif(120, 110), options);
    expect(photo).toMatchObject({ format: 'gif', width: 120, height: 110 });
  });

  it('reports the upright size when EXIF orientation turns the picture', async () => {
    const photo = await inspectPhoto(await halvesJpeg({ width: 200, height: 120, orientation: 6 }), options);
    expect(photo).toMatchObject({ width: 120, height: 200 });
  });
});

describe('inspectPhoto rejects', () => {
  it('an empty file with empty-file', async () => {
    const error = await expectCode(Buffer.alloc(0), 'empty-file');
    expect(error.message).toBe('The file is empty (0 bytes).');
  });

  it('bytes that are no image with not-an-image', async () => {
    await expectCode(pseudoRandomBytes(4096), 'not-an-image');
    await expectCode(Buffer.from('UserPrincipalName,FileName\nadele@contoso.com,adele.jpg\n'), 'not-an-image');
  });

  it('an SVG drawing with vector-image, even when it is called .jpg', async () => {
    const error = await expectCode(svgDrawing(), 'vector-image');
    expect(error.details).toEqual({ format: 'svg' });
    expect(error.message).toContain('drawing (SVG)');
  });

  it('PDF and EPS files with vector-image', async () => {
    await expectCode(Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), 'vector-image');
    await expectCode(Buffer.from('%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n'), 'vector-image');
  });

  it('a BMP or PSD image with unsupported-format', async () => {
    const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
    expect((await expectCode(bmp, 'unsupported-format')).details).toEqual({ format: 'bmp' });
    await expectCode(Buffer.concat([Buffer.from('8BPS'), Buffer.alloc(60)]), 'unsupported-format');
  });

  it('a JPEG whose header is damaged with corrupt-image', async () => {
    const jpeg = await solid(120, 120).jpeg().toBuffer();
    const damaged = Buffer.concat([jpeg.subarray(0, 4), Buffer.alloc(200, 0xff)]);
    const error = await expectCode(damaged, 'corrupt-image');
    expect(error.details).toMatchObject({ format: 'jpeg' });
  });

  it('a truncated JPEG only once its pixels are read, so inspection lets its intact header through', async () => {
    await expect(inspectPhoto(await truncatedJpeg(), options)).resolves.toMatchObject({ format: 'jpeg' });
  });

  it('a photo whose shortest side is under the minimum with too-small, in words HR can act on', async () => {
    const error = await expectCode(await solid(64, 80).jpeg().toBuffer(), 'too-small');
    expect(error.message).toBe('The photo is 64×80 pixels; the shortest side must be at least 96 pixels.');
    expect(error.details).toEqual({ format: 'jpeg', width: 64, height: 80, minSide: 96 });
  });

  it('a file over the byte limit with too-many-bytes before looking at its content', async () => {
    // Random bytes would be not-an-image if they were looked at: the size check comes first.
    const error = await expectCode(pseudoRandomBytes(3000), 'too-many-bytes', { maxBytes: 2048 });
    expect(error.details).toEqual({ bytes: 3000, maxBytes: 2048 });
  });

  it('a PNG decompression bomb with too-many-pixels from its header alone', async () => {
    const bomb = pngDecompressionBomb();
    expect(bomb.length).toBeLessThan(200_000);
    const started = process.hrtime.bigint();
    const error = await expectCode(bomb, 'too-many-pixels');
    // Decoding 400 MP would take seconds and gigabytes; reading a header takes milliseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
    expect(error.details).toMatchObject({ width: 20_000, height: 20_000, pixels: 400_000_000, maxPixels: 50_000_000 });
    expect(error.message).toContain('400.0 megapixels');
  });

  it('a photo over a configured pixel limit with too-many-pixels', async () => {
    await expectCode(await solid(1100, 1000).png().toBuffer(), 'too-many-pixels', { maxPixels: 1_000_000 });
  });
});

describe('HEIC (iPhone) input', () => {
  it('is recognised from its ftyp brand and its size read from the container without decoding', () => {
    const heic = heicContainer({ width: 4032, height: 3024 });
    expect(sniffImageFormat(heic)).toEqual({ kind: 'accepted', format: 'heic' });
    expect(readHeifHeader(heic)).toEqual({ codec: 'hevc', width: 4032, height: 3024 });
  });

  it('is refused as too-many-pixels from the container header before heic-decode runs', async () => {
    const error = await expectCode(heicContainer({ width: 20_000, height: 20_000 }), 'too-many-pixels');
    expect(error.details).toMatchObject({ format: 'heic', pixels: 400_000_000 });
  });

  it('is refused as too-small from the container header', async () => {
    await expectCode(heicContainer({ width: 80, height: 60 }), 'too-small');
  });

  it('goes to heic-decode, whose failure on a damaged HEVC stream is corrupt-image', async () => {
    // libheif-js reports its decoder error on console.log as well as through the promise.
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const error = await expectCode(heicContainer({ width: 640, height: 480 }), 'corrupt-image');
      expect(String(error.details.reason)).toContain('heic-decode');
    } finally {
      log.mockRestore();
    }
  });

  it('is refused as unsupported-format without decoding when INGEST_HEIC=off', async () => {
    const error = await expectCode(heicContainer({ width: 640, height: 480 }), 'unsupported-format', {
      heic: { enabled: false, timeoutMs: 20_000, maxMemoryMb: 512 },
    });
    expect(error.message).toMatch(/INGEST_HEIC=off/);
  });

  it('is decoded in a thread that is stopped at its deadline, as a retryable render timeout', async () => {
    await expect(
      inspectPhoto(heicContainer({ width: 640, height: 480 }), {
        ...options,
        heic: { enabled: true, timeoutMs: 1, maxMemoryMb: 64 },
      }),
    ).rejects.toMatchObject({ code: 'render-timeout', retryable: true });
    await expect(
      decodeHeic(heicContainer({ width: 640, height: 480 }), { timeoutMs: 1, maxMemoryMb: 64 }),
    ).rejects.toBeInstanceOf(HeicDecodeTimeoutError);
  });

  it('that is really AV1-coded is decoded by sharp as AVIF', async () => {
    const avif = await encoded('avif', 120, 100);
    const relabelled = Buffer.from(avif);
    relabelled.write('heic', 8, 'latin1');
    expect(sniffImageFormat(relabelled)).toEqual({ kind: 'accepted', format: 'heic' });
    await expect(inspectPhoto(relabelled, options)).resolves.toMatchObject({ format: 'avif', width: 120 });
  });
});
