// Distinct photos made at run time: a different background colour per photo (and per phase) under gaussian grain,
// so every content hash differs and the JPEGs weigh what a lightly compressed 800×800 portrait does (~100-200 KB).

import sharp from 'sharp';

export interface BenchPhotoOptions {
  size?: number;
  /** Shifts the colour wheel so a second phase gives every user a photo they have not had yet. */
  phase: number;
}

function colour(index: number, count: number, phase: number): { r: number; g: number; b: number } {
  // Hue spread over the wheel, lightness alternating per phase: no two (index, phase) pairs share a colour.
  const hue = ((index / Math.max(1, count)) * 360 + phase * 7) % 360;
  const lightness = phase % 2 === 0 ? 0.45 : 0.6;
  const chroma = (1 - Math.abs(2 * lightness - 1)) * 0.7;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x];
  const m = lightness - chroma / 2;
  const to255 = (v: number): number => Math.round((v + m) * 255);
  return { r: to255(r), g: to255(g), b: to255(b) };
}

export async function generateBenchPhotos(count: number, options: BenchPhotoOptions): Promise<Buffer[]> {
  const photos: Buffer[] = [];
  for (let index = 0; index < count; index += 1) photos.push(await generateBenchPhoto(index, count, options));
  return photos;
}

/** Photo `index` of `count`: what generateBenchPhotos holds at that index, made on demand (a bulk drop of 10,000). */
export async function generateBenchPhoto(index: number, count: number, options: BenchPhotoOptions): Promise<Buffer> {
  const size = options.size ?? 800;
  const background = colour(index, count, options.phase);
  const grain = await sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 24 },
    },
  })
    .raw()
    .toBuffer();
  // Mid-grey grain blended with `overlay` leaves the hue alone and adds sensor-like texture.
  return sharp({ create: { width: size, height: size, channels: 3, background } })
    .composite([{ input: grain, raw: { width: size, height: size, channels: 3 }, blend: 'overlay' }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * `jpeg` with a comment (COM) segment naming `index` right after its start-of-image marker: different bytes (and so
 * a different content hash), the same pixels. A bulk drop of 10,000 reuses a pool of rendered photos this way.
 */
export function withJpegComment(jpeg: Buffer, index: number): Buffer {
  const text = Buffer.from(`bench photo ${index}`, 'latin1');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)]);
}
