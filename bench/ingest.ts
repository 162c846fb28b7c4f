// `npm run bench:ingest`: cost of the full rendition set (validation, one decode, Exchange 648 + SharePoint 48/72/200)
// against a FLOOR measured in the same run on the same images: one `sharp(src).resize(648, 648).jpeg().toBuffer()`.
// Targets (issue 2): full set ≤ 1.2× the floor's CPU per photo; peak RSS < 400 MB at the default concurrency on
// 24 MP inputs. Floor and full runs alternate so thermal/neighbour drift hits both; medians are reported.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import sharp from 'sharp';
import { loadIngestConfig } from '../src/config';
import { renderRenditions, RenditionOptions } from '../src/imaging/renderRenditions';
import { positiveInteger } from './benchCli';

const TARGET_RATIO = 1.2;
const TARGET_RSS_MB = 400;

interface Fixture {
  name: string;
  megapixels: number;
  bytes: Buffer;
}

interface RunResult {
  cpuMsPerPhoto: number;
  photosPerSecond: number;
}

const options: RenditionOptions = loadIngestConfig({});

/** Photo-like content: smooth colour fields plus sensor grain, so JPEG sizes resemble a phone's (a few MB). */
async function photoLikeJpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const fields = await sharp({
    create: {
      width: 48,
      height: 32,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .resize(width, height, { kernel: 'cubic' })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const grain = await sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const jpeg = sharp(fields, { limitInputPixels: false })
    .composite([{ input: grain, blend: 'overlay', limitInputPixels: false }])
    .jpeg({ quality: 92 });
  // Both variants carry an ICC profile like a camera's (withMetadata embeds sRGB), so only orientation differs.
  return jpeg.withMetadata(orientation ? { orientation } : {}).toBuffer();
}

async function makeFixtures(): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  for (const [width, height] of [
    [4000, 3000],
    [6000, 4000],
  ] as const) {
    const megapixels = (width * height) / 1e6;
    for (const orientation of [undefined, 6]) {
      const bytes = await photoLikeJpeg(width, height, orientation);
      fixtures.push({ name: `${megapixels} MP${orientation ? ', EXIF 6' : ''}`, megapixels, bytes });
    }
  }
  return fixtures;
}

async function floor(bytes: Buffer): Promise<void> {
  await sharp(bytes).resize(648, 648).jpeg().toBuffer();
}

/** What ingest runs: every rendition and the copy photos-archive keeps (without metadata). */
async function full(bytes: Buffer): Promise<void> {
  await renderRenditions(bytes, { ...options, archiveCopy: true });
}

/** `count` photos through `concurrency` workers; CPU is the whole process (libvips threads included). */
async function run(work: (bytes: Buffer) => Promise<void>, bytes: Buffer, count: number, concurrency: number) {
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      await work(bytes);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpuMsPerPhoto: (cpu.user + cpu.system) / 1000 / count, photosPerSecond: count / seconds };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** Runs in a fresh child process so its peak RSS is the pipeline's, not fixture generation's. */
function measurePeakRss(file: string, concurrency: number, photos: number): number {
  const child = spawnSync(
    process.execPath,
    [__filename, '--rss-probe', file, '--concurrency', String(concurrency), '--iterations', String(photos)],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`RSS probe failed: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as { peakRssMb: number };
  return report.peakRssMb;
}

/**
 * The address space's high-water mark (`VmHWM`, reset by exec). getrusage's `maxRSS` is not used on Linux: it
 * survives execve, so a child forked from this process would report the parent's peak (fixture generation).
 */
function peakRssKb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1]) return Number(match[1]);
  } catch {
    // Not Linux: fall back to getrusage below.
  }
  return process.resourceUsage().maxRSS;
}

async function rssProbe(file: string, concurrency: number, photos: number): Promise<void> {
  const bytes = readFileSync(file);
  await run(full, bytes, photos, concurrency);
  process.stdout.write(JSON.stringify({ peakRssMb: peakRssKb() / 1024 }));
}

async function main(): Promise<void> {
  const program = new Command()
    .name('bench:ingest')
    .option('--concurrency <n>', 'photos processed at once', positiveInteger, 2)
    .option('--iterations <n>', 'alternating floor/full rounds per image', positiveInteger, 5)
    .option('--photos <n>', 'photos per round', positiveInteger, 4)
    .option('--rss-probe <file>', 'internal: render <file> and print peak RSS')
    .parse();
  const {
    concurrency,
    iterations,
    photos,
    rssProbe: probeFile,
  } = program.opts<{
    concurrency: number;
    iterations: number;
    photos: number;
    rssProbe?: string;
  }>();
  if (probeFile) return rssProbe(probeFile, concurrency, iterations);

  console.log(`sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, libvips threads ${sharp.concurrency()}`);
  console.log(`concurrency ${concurrency}, ${iterations} rounds × ${photos} photos per image and mode\n`);
  const fixtures = await makeFixtures();
  const rows: string[][] = [
    ['image', 'size', 'floor ms CPU', 'full ms CPU', 'ratio', 'floor photos/s', 'full photos/s'],
  ];
  const ratios: number[] = [];
  for (const fixture of fixtures) {
    await full(fixture.bytes); // warm-up: code paths, libvips operation tables
    const floors: RunResult[] = [];
    const fulls: RunResult[] = [];
    for (let round = 0; round < iterations; round += 1) {
      // Alternate which mode goes first, so neither always follows the other.
      if (round % 2 === 0) {
        floors.push(await run(floor, fixture.bytes, photos, concurrency));
        fulls.push(await run(full, fixture.bytes, photos, concurrency));
      } else {
        fulls.push(await run(full, fixture.bytes, photos, concurrency));
        floors.push(await run(floor, fixture.bytes, photos, concurrency));
      }
    }
    const floorCpu = median(floors.map((r) => r.cpuMsPerPhoto));
    const fullCpu = median(fulls.map((r) => r.cpuMsPerPhoto));
    ratios.push(fullCpu / floorCpu);
    rows.push([
      fixture.name,
      `${(fixture.bytes.length / 1024 / 1024).toFixed(1)} MB`,
      floorCpu.toFixed(1),
      fullCpu.toFixed(1),
      `${(fullCpu / floorCpu).toFixed(2)}×`,
      median(floors.map((r) => r.photosPerSecond)).toFixed(2),
      median(fulls.map((r) => r.photosPerSecond)).toFixed(2),
    ]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));

  const worst = Math.max(...ratios);
  console.log(
    `\nCPU ratio full/floor: worst ${worst.toFixed(2)}×, median ${median(ratios).toFixed(2)}× ` +
      `(target ≤ ${TARGET_RATIO}×) ${worst <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`,
  );

  const directory = mkdtempSync(path.join(tmpdir(), 'bench-ingest-'));
  try {
    const largest = fixtures.filter((f) => f.megapixels === 24);
    const peaks = largest.map((fixture, index) => {
      const file = path.join(directory, `24mp-${index}.jpg`);
      writeFileSync(file, fixture.bytes);
      return { name: fixture.name, peak: measurePeakRss(file, concurrency, Math.max(8, photos * 2)) };
    });
    for (const { name, peak } of peaks) {
      console.log(
        `peak RSS, ${name}, concurrency ${concurrency}: ${peak.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ` +
          `${peak < TARGET_RSS_MB ? 'OK' : 'OVER TARGET'}`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
