// "Nothing lost", checked against storage and the emulator rather than the benchmark's own bookkeeping: every
// photo's content hash is recorded as written to both targets in PhotoSyncState, the Graph photo and the medium
// thumbnail are this photo's renditions byte for byte, PictureURL points at the thumbnail, nothing sits in photos-rejected,
// and no `-poison` queue holds a message.

import { createHash } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { M365Emulator } from '../../dev/m365-emulator';
import { fileUrl, thumbnailFileName } from '../../src/m365/sharePointAccount';
import { containers } from '../../src/storage/names';
import { renditionBlobName } from '../../src/pipeline/messages/renditions';
import { PhotoStateStore } from '../../src/storage/PhotoStateStore';
import { photoFingerprint } from '../../src/imaging/photoFingerprint';
import { fingerprintsMatch } from '../../src/pipeline/photoChange/photoFingerprintMatch';

export interface ExpectedPhoto {
  blobName: string;
  userId: string;
  userPrincipalName: string;
  /** From the ingest log line; undefined when ingest never accepted the photo (itself a loss). */
  contentHash: string | undefined;
}

export interface LossReport {
  problems: string[];
  rejected: number;
  poisonMessages: Record<string, number>;
}

async function looksAlike(a: Buffer, b: Buffer): Promise<boolean> {
  return fingerprintsMatch(await photoFingerprint(a), await photoFingerprint(b));
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const checksAtOnce = 16;

export async function verifyNothingLost(
  expected: ExpectedPhoto[],
  options: { storageConnectionString: string; emulator: M365Emulator },
): Promise<LossReport> {
  const problems: string[] = [];
  const state = PhotoStateStore.create({ connectionString: options.storageConnectionString });
  const blobs = BlobServiceClient.fromConnectionString(options.storageConnectionString);
  const processed = blobs.getContainerClient(containers.processed);
  const { emulator } = options;
  const pictureUrlOf = (upn: string): string =>
    fileUrl(emulator.urls.mySiteUrl, emulator.profilePicturesFolderUrl, thumbnailFileName(upn, 'M'));

  // A bounded number of people at once: a company-sized check opening every connection together runs out of files.
  let next = 0;
  const checkOne = async (photo: ExpectedPhoto): Promise<void> => {
    if (!photo.contentHash) {
      problems.push(`${photo.blobName}: never accepted by ingest`);
      return;
    }
    const [exchange, sharePoint] = await Promise.all([
      state.get(photo.userId, 'exchange'),
      state.get(photo.userId, 'sharepoint'),
    ]);
    for (const [target, row] of [
      ['exchange', exchange],
      ['sharepoint', sharePoint],
    ] as const) {
      if (row?.lastContentHash !== photo.contentHash) {
        problems.push(
          `${photo.blobName}: ${target} state holds ${row?.lastContentHash?.slice(0, 12) ?? 'nothing'} ` +
            `(outcome ${row?.lastOutcome ?? '—'} ${row?.lastErrorCode ?? ''}), expected ${photo.contentHash.slice(0, 12)}`,
        );
      }
    }
    const graphPhoto = emulator.control.getPhoto(photo.userId);
    const rendition = exchange?.lastRendition?.blobName;
    if (!graphPhoto || !rendition) problems.push(`${photo.blobName}: no Graph photo or no rendition recorded`);
    // Exchange stores a re-encoded copy (as the emulator does by default): the same picture, not the same bytes.
    else if (!(await looksAlike(graphPhoto.bytes, await processed.getBlobClient(rendition).downloadToBuffer())))
      problems.push(`${photo.blobName}: the Graph photo is not the Exchange rendition`);
    const thumbnail = emulator.control.getSharePointFile(thumbnailFileName(photo.userPrincipalName, 'M'));
    // Checked before reading: a photo ingest has not accepted yet has no rendition, and a 404 thrown from here
    // would hide every other problem behind one message-less error.
    const medium = processed.getBlobClient(renditionBlobName(photo.userId, photo.contentHash, 'medium'));
    if (!(await medium.exists())) problems.push(`${photo.blobName}: no medium rendition in photos-processed`);
    else if (!thumbnail || sha256(thumbnail) !== sha256(await medium.downloadToBuffer()))
      problems.push(`${photo.blobName}: the medium thumbnail on the My Site host is not this photo's`);
    const pictureUrl = emulator.control.getProfileProperties(photo.userPrincipalName)?.PictureURL;
    if (pictureUrl !== pictureUrlOf(photo.userPrincipalName))
      problems.push(`${photo.blobName}: PictureURL is ${pictureUrl ?? 'unset'}`);
  };
  await Promise.all(
    Array.from({ length: checksAtOnce }, async () => {
      for (let photo = expected[next++]; photo; photo = expected[next++]) await checkOne(photo);
    }),
  );

  let rejected = 0;
  for await (const blob of blobs.getContainerClient(containers.rejected).listBlobsFlat()) {
    if (!blob.name.endsWith('.error.json')) rejected += 1;
  }
  if (rejected > 0) problems.push(`${rejected} photo(s) in ${containers.rejected}`);

  const queueService = QueueServiceClient.fromConnectionString(options.storageConnectionString);
  const poisonMessages: Record<string, number> = {};
  for await (const queue of queueService.listQueues()) {
    if (!queue.name.endsWith('-poison')) continue;
    const peeked = await queueService.getQueueClient(queue.name).peekMessages({ numberOfMessages: 32 });
    poisonMessages[queue.name] = peeked.peekedMessageItems.length;
    if (peeked.peekedMessageItems.length > 0)
      problems.push(`${peeked.peekedMessageItems.length} message(s) in ${queue.name}`);
  }
  return { problems, rejected, poisonMessages };
}
