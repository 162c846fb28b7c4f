// Test images made at test time (nothing binary is committed). Small on purpose: the suite shares two cores.

import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { Sharp } from 'sharp';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export const RED: Rgb = { r: 255, g: 0, b: 0 };
export const BLUE: Rgb = { r: 0, g: 0, b: 255 };
export const WHITE: Rgb = { r: 255, g: 255, b: 255 };

/** Deterministic bytes that are no known format (a hash chain, so runs are reproducible). */
export function pseudoRandomBytes(length: number, seed = 'photo-sync'): Buffer {
  const chunks: Buffer[] = [];
  let block = createHash('sha256').update(seed).digest();
  for (let total = 0; total < length; total += block.length) {
    chunks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(chunks).subarray(0, length);
}

export function solid(width: number, height: number, colour: Rgb = RED): Sharp {
  return sharp({ create: { width, height, channels: 3, background: colour } });
}

/** Stored pixels: left half red, right half blue. EXIF orientation then says how to turn them upright. */
export async function halvesJpeg(options: { width: number; height: number; orientation?: number }): Promise<Buffer> {
  const { width, height } = options;
  const half = Math.floor(width / 2);
  const image = solid(width, height, RED).composite([
    { input: { create: { width: width - half, height, channels: 3, background: BLUE } }, left: half, top: 0 },
  ]);
  const jpeg = image.jpeg({ quality: 95 });
  return (options.orientation ? jpeg.withMetadata({ orientation: options.orientation }) : jpeg).toBuffer();
}

/** Noise compresses badly: a JPEG of it is large for its size. */
export async function noiseJpeg(width: number, height: number, quality = 95): Promise<Buffer> {
  const pixels = pseudoRandomBytes(width * height * 3, `noise-${width}x${height}`);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

export async function jpegWithGps(width = 160, height = 160): Promise<Buffer> {
  return solid(width, height)
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhotoSyncTest', Model: 'Generated', Copyright: 'Contoso HR' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '47/1 38/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '122/1 7/1 0/1' },
    })
    .withIccProfile('p3')
    .toBuffer();
}

/** Fully transparent: flattened on white it must come out white, not black. */
export async function transparentPng(width = 160, height = 160): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();
}

export async function cmykJpeg(width = 160, height = 160): Promise<Buffer> {
  return solid(width, height, RED).toColourspace('cmyk').jpeg().toBuffer();
}

export async function sixteenBitPng(width = 160, height = 160): Promise<Buffer> {
  return solid(width, height, BLUE).toColourspace('rgb16').png().toBuffer();
}

export async function greyscaleJpeg(width = 160, height = 160): Promise<Buffer> {
  return solid(width, height, { r: 128, g: 128, b: 128 }).toColourspace('b-w').jpeg().toBuffer();
}

/** Two frames, red then blue: only the first may be used. */
export async function animatedGif(width = 120, height = 120): Promise<Buffer> {
  const red = await solid(width, height, RED).raw().toBuffer();
  const blue = await solid(width, height, BLUE).raw().toBuffer();
  return sharp(Buffer.concat([red, blue]), { raw: { width, height: height * 2, channels: 3, pageHeight: height } })
    .gif({ delay: [100, 100] })
    .toBuffer();
}

export async function encoded(format: 'webp' | 'tiff' | 'avif' | 'png', width = 160, height = 160): Promise<Buffer> {
  return solid(width, height, BLUE).toFormat(format).toBuffer();
}

export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await noiseJpeg(256, 256, 90);
  return whole.subarray(0, Math.floor(whole.length * 0.6));
}

export function svgDrawing(): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">' +
      '<rect width="400" height="400" fill="red"/><text x="10" y="50">Adele</text></svg>',
  );
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A real, valid decompression bomb: a 1-bit greyscale PNG of `side`×`side` pixels (400 MP by default) that is a few
 * tens of kilobytes. Assembled with zlib rather than sharp because making sharp encode 400 MP is exactly the cost a
 * bomb imposes.
 */
export function pngDecompressionBomb(side = 20_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.writeUInt8(1, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  const rowBytes = 1 + Math.ceil(side / 8); // filter byte + packed pixels
  const pixels = deflateSync(Buffer.alloc(rowBytes * side), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function box(type: string, ...children: Buffer[]): Buffer {
  const body = Buffer.concat(children);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + body.length);
  return Buffer.concat([size, Buffer.from(type, 'latin1'), body]);
}

function fullBox(type: string, version: number, ...children: Buffer[]): Buffer {
  return box(type, Buffer.from([version, 0, 0, 0]), ...children);
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

/**
 * An HEIF container as iPhones write it (`ftyp` brand `heic`, one `hvc1` item with `hvcC` and `ispe` properties)
 * whose HEVC payload is NOT a real bitstream: neither sharp's prebuilt libheif nor any npm package can encode HEVC.
 * It exercises format detection, the header pixel check and the heic-decode call path, not a successful decode.
 */
export function heicContainer(options: { width: number; height: number }): Buffer {
  const payload = pseudoRandomBytes(256, 'hevc-payload');
  const hvcC = box(
    'hvcC',
    Buffer.from([1, 1, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0]),
  );
  const ispe = fullBox('ispe', 0, u32(options.width), u32(options.height));
  const ipma = fullBox('ipma', 0, u32(1), u16(1), Buffer.from([2, 0x81, 0x02]));
  const infe = fullBox('infe', 2, u16(1), u16(0), Buffer.from('hvc1', 'latin1'), Buffer.from('\0', 'latin1'));
  const ftyp = box('ftyp', Buffer.from('heic', 'latin1'), u32(0), Buffer.from('mif1heic', 'latin1'));
  const metaWithoutIloc = (iloc: Buffer): Buffer =>
    fullBox(
      'meta',
      0,
      fullBox('hdlr', 0, u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from('\0')),
      fullBox('pitm', 0, u16(1)),
      fullBox('iinf', 0, u16(1), infe),
      iloc,
      box('iprp', box('ipco', hvcC, ispe), ipma),
    );
  // iloc v0, offset_size 4, length_size 4, base_offset_size 0: one item, one extent pointing into mdat.
  const iloc = (offset: number): Buffer =>
    fullBox('iloc', 0, Buffer.from([0x44, 0x00]), u16(1), u16(1), u16(0), u16(1), u32(offset), u32(payload.length));
  const headerLength = ftyp.length + metaWithoutIloc(iloc(0)).length + 8;
  return Buffer.concat([ftyp, metaWithoutIloc(iloc(headerLength)), box('mdat', payload)]);
}
