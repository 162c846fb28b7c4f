// `npm run upload -- <folder|file...> [--manifest users.csv] [--connection-string ...] [--wait]`: puts photos into
// photos-incoming the way HR would, with a progress bar and a closing summary. With a manifest, the manifest is
// uploaded first and each photo it names gets the blob metadata `upn` (the strongest hint the pipeline reads).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { findManifestMatch, parsePhotoManifest, type PhotoManifest } from '../src/pipeline/ingest/photoManifest';
import { containers } from '../src/storage/names';
import { collectUploadFiles, contentTypeFor, type UploadFile } from './upload/collectUploadFiles';
import { resolveStorageConnection } from './upload/resolveStorageConnection';
import { waitForOutcomes, type UploadedBlob, type UploadOutcome } from './upload/waitForOutcomes';

export interface UploadOptions {
  targets: string[];
  manifest?: string;
  connectionString: string;
  concurrency?: number;
  onProgress?: (done: number, total: number, current: string) => void;
}

export interface UploadReport {
  uploaded: UploadedBlob[];
  skipped: string[];
  failed: { blobName: string; reason: string }[];
}

export async function uploadPhotos(options: UploadOptions): Promise<UploadReport> {
  const client = BlobServiceClient.fromConnectionString(options.connectionString);
  const incoming = client.getContainerClient(containers.incoming);
  const { files, skipped } = collectUploadFiles(
    options.targets,
    options.manifest ? { exclude: [options.manifest] } : {},
  );
  // Parsed here too, so a broken manifest stops the upload before any photo is sent without its mapping.
  const manifestRows = options.manifest ? parsePhotoManifest(readFileSync(options.manifest)) : [];
  const manifestFile: UploadFile[] = options.manifest
    ? [{ path: options.manifest, blobName: path.basename(options.manifest) }]
    : [];
  const queue = [...manifestFile, ...files];
  // The manifest given to this command speaks for the photos of this upload in whichever of its folders they are (the
  // pipeline matches a bare name only in the manifest's own folder): its rows become each photo's `upn` metadata.
  const receivedAt = new Date();
  const perFolder = new Map<string, PhotoManifest[]>();
  const manifestsFor = (blobName: string): PhotoManifest[] => {
    const folder = blobName.slice(0, blobName.lastIndexOf('/') + 1);
    let manifests = perFolder.get(folder);
    if (!manifests) {
      manifests = [{ name: `${folder}manifest`, receivedAt, rows: manifestRows }];
      perFolder.set(folder, manifests);
    }
    return manifests;
  };
  const report: UploadReport = { uploaded: [], skipped, failed: [] };
  let done = 0;

  const send = async (file: UploadFile): Promise<void> => {
    const upn =
      manifestRows.length > 0
        ? findManifestMatch(manifestsFor(file.blobName), file.blobName)?.userPrincipalNames
        : undefined;
    try {
      const response = await incoming.getBlockBlobClient(file.blobName).uploadData(readFileSync(file.path), {
        blobHTTPHeaders: { blobContentType: contentTypeFor(file.blobName) },
        // Only an unambiguous row becomes metadata; a conflicting manifest is left for the pipeline to reject.
        ...(upn?.length === 1 && upn[0] ? { metadata: { upn: upn[0] } } : {}),
      });
      report.uploaded.push({ blobName: file.blobName, lastModified: response.lastModified ?? new Date() });
    } catch (error) {
      report.failed.push({
        blobName: file.blobName,
        reason: (error as Error).message.split('\n')[0] ?? 'unknown error',
      });
    }
    done += 1;
    options.onProgress?.(done, queue.length, file.blobName);
  };

  // The manifest (and any CSV in the folder, sorted first) must exist before the photos that need it.
  const csvCount = queue.filter((f) => f.blobName.toLowerCase().endsWith('.csv')).length;
  for (const file of queue.slice(0, csvCount)) await send(file);
  const photos = queue.slice(csvCount);
  const workers = Array.from({ length: Math.max(1, options.concurrency ?? 4) }, async () => {
    for (let file = photos.shift(); file; file = photos.shift()) await send(file);
  });
  await Promise.all(workers);
  return report;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number above 0.');
  return n;
}

function describeOutcome(outcome: UploadOutcome): string {
  if (outcome.kind === 'archived') return `archived (${outcome.location})`;
  if (outcome.kind === 'rejected') return `rejected: ${outcome.code}: ${outcome.message}`;
  return `no outcome yet: ${outcome.message}`;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('upload')
    .description('Upload photos to photos-incoming, as HR would.')
    .argument('<paths...>', 'photo files or folders (folders are walked; hidden files are skipped)')
    .option(
      '--manifest <file>',
      'CSV with UserPrincipalName,FileName: uploaded first, and sets metadata upn on the photos it names',
    )
    .option(
      '--connection-string <value>',
      'storage connection string (default: the running local stack, then AzureWebJobsStorage)',
    )
    .option('--concurrency <n>', 'parallel uploads', positiveInteger, 4)
    .option('--wait', 'wait for each file to be archived or rejected, and print the outcome')
    .option('--timeout <seconds>', 'how long --wait waits', positiveInteger, 120)
    .parse(argv);
  const opts = program.opts<{
    manifest?: string;
    connectionString?: string;
    concurrency: number;
    wait?: boolean;
    timeout: number;
  }>();
  const connection = resolveStorageConnection({
    ...(opts.connectionString ? { connectionString: opts.connectionString } : {}),
    cwd: process.cwd(),
    env: process.env,
  });
  console.log(`Uploading to ${containers.incoming} (storage from ${connection.source})`);

  const bar = new SingleBar({ format: ' {bar} {value}/{total} {file}', hideCursor: true }, Presets.shades_classic);
  let started = false;
  const report = await uploadPhotos({
    targets: program.args,
    connectionString: connection.connectionString,
    concurrency: opts.concurrency,
    ...(opts.manifest ? { manifest: opts.manifest } : {}),
    onProgress: (done, total, file) => {
      if (!started) bar.start(total, 0, { file: '' });
      started = true;
      bar.update(done, { file });
    },
  });
  if (started) bar.stop();

  console.log(
    `Uploaded ${report.uploaded.length}, skipped ${report.skipped.length} (hidden), failed ${report.failed.length}.`,
  );
  for (const name of report.skipped) console.log(`  skipped ${name}`);
  for (const failure of report.failed) console.log(`  failed  ${failure.blobName}: ${failure.reason}`);
  let unresolved = 0;
  if (opts.wait && report.uploaded.length > 0) {
    console.log(`Waiting up to ${opts.timeout} s for the pipeline's verdicts...`);
    const client = BlobServiceClient.fromConnectionString(connection.connectionString);
    const outcomes = await waitForOutcomes(client, report.uploaded, {
      timeoutMs: opts.timeout * 1000,
      onOutcome: (upload, outcome) => console.log(`  ${upload.blobName}: ${describeOutcome(outcome)}`),
    });
    const counts = { archived: 0, rejected: 0, pending: 0 };
    for (const outcome of outcomes.values()) counts[outcome.kind] += 1;
    unresolved = counts.pending;
    console.log(`Archived ${counts.archived}, rejected ${counts.rejected}, no outcome ${counts.pending}.`);
  }
  return report.failed.length > 0 || unresolved > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}
