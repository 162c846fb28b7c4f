// `npm run upload -- --wait`: after the upload, watch for each file's outcome as the pipeline records it, so HR sees
// "archived" or "rejected: code, message" without opening Storage Explorer. Polls with a deadline.

import { RestError, type BlobServiceClient } from '@azure/storage-blob';
import { archiveBlobName, archivedManifestPrefix } from '../../src/storage/PhotoBlobStore';
import { containers } from '../../src/storage/names';

export interface UploadedBlob {
  blobName: string;
  /** Last-Modified of the uploaded version: the pipeline dates the archive path and `receivedAt` from it. */
  lastModified: Date;
}

export type UploadOutcome =
  | { kind: 'archived'; location: string }
  | { kind: 'rejected'; code: string; message: string }
  | { kind: 'pending'; message: string };

async function readIfExists(client: BlobServiceClient, container: string, name: string): Promise<Buffer | undefined> {
  try {
    return await client.getContainerClient(container).getBlobClient(name).downloadToBuffer();
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) return undefined;
    throw error;
  }
}

async function exists(client: BlobServiceClient, container: string, name: string): Promise<boolean> {
  return client.getContainerClient(container).getBlobClient(name).exists();
}

const sameSecond = (a: Date, b: Date): boolean => Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);

export async function checkOutcome(
  client: BlobServiceClient,
  upload: UploadedBlob,
): Promise<UploadOutcome | undefined> {
  const isManifest = upload.blobName.toLowerCase().endsWith('.csv');
  const archived = isManifest
    ? `${archivedManifestPrefix}${upload.blobName}`
    : archiveBlobName(upload.blobName, upload.lastModified);
  if (await exists(client, containers.archive, archived))
    return { kind: 'archived', location: `${containers.archive}/${archived}` };
  const reason = await readIfExists(client, containers.rejected, `${upload.blobName}.error.json`);
  if (reason) {
    const parsed = JSON.parse(reason.toString('utf8')) as { code?: string; message?: string; receivedAt?: string };
    // An error JSON left by an earlier upload under the same name is not this upload's verdict.
    if (parsed.receivedAt && sameSecond(new Date(parsed.receivedAt), upload.lastModified)) {
      return { kind: 'rejected', code: parsed.code ?? 'unknown', message: parsed.message ?? '' };
    }
  }
  return undefined;
}

export async function waitForOutcomes(
  client: BlobServiceClient,
  uploads: UploadedBlob[],
  options: {
    timeoutMs: number;
    intervalMs?: number;
    onOutcome?: (upload: UploadedBlob, outcome: UploadOutcome) => void;
  },
): Promise<Map<string, UploadOutcome>> {
  const outcomes = new Map<string, UploadOutcome>();
  const deadline = Date.now() + options.timeoutMs;
  let pending = [...uploads];
  while (pending.length > 0 && Date.now() <= deadline) {
    const checked = await Promise.all(pending.map(async (u) => [u, await checkOutcome(client, u)] as const));
    for (const [upload, outcome] of checked) {
      if (!outcome) continue;
      outcomes.set(upload.blobName, outcome);
      options.onOutcome?.(upload, outcome);
    }
    pending = pending.filter((u) => !outcomes.has(u.blobName));
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
  for (const upload of pending) {
    const stillThere = await exists(client, containers.incoming, upload.blobName);
    const outcome: UploadOutcome = {
      kind: 'pending',
      message: stillThere
        ? `still in ${containers.incoming}: is the pipeline running (npm start)? Failing photos are retried, then parked on webjobs-blobtrigger-poison and tried again every 5 minutes (retryParkedUploads).`
        : 'no longer in photos-incoming, but no archived copy or error JSON was found for it.',
    };
    outcomes.set(upload.blobName, outcome);
    options.onOutcome?.(upload, outcome);
  }
  return outcomes;
}
