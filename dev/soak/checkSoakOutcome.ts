// The soak's verdict, read from storage and the emulator (never from the host's own log): each person holds their
// newest photo on both targets (an older one on top is a failure), every dropped file was archived, nothing is left
// in photos-incoming or photos-rejected, no poison queue holds a message; and how many visible writes each photo
// cost (Graph photo PUTs and SharePoint thumbnail uploads, counted by the emulator).

import { createHash } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import type { M365Emulator } from '../m365-emulator';
import { thumbnailFileName } from '../../src/m365/sharePointAccount';
import { containers } from '../../src/storage/names';
import { renditionBlobName } from '../../src/pipeline/messages/renditions';
import { archiveBlobName } from '../../src/storage/PhotoBlobStore';
import { PhotoStateStore } from '../../src/storage/PhotoStateStore';
import { verifyNothingLost } from '../../bench/e2e/verifyNothingLost';
import type { SoakUserRole } from './soakPlan';
import { photoFingerprint } from '../../src/imaging/photoFingerprint';
import { fingerprintsMatch } from '../../src/pipeline/photoChange/photoFingerprintMatch';

async function photoLooksAlike(a: Buffer, b: Buffer): Promise<boolean> {
  return fingerprintsMatch(await photoFingerprint(a), await photoFingerprint(b));
}

export interface SoakPerson {
  role: SoakUserRole;
  userId: string;
  userPrincipalName: string;
  /** Content hashes of the photos this person was given, in order (a re-drop repeats one). */
  photos: string[];
  /** HR files that reached photos-incoming, with the Last-Modified storage gave them. */
  drops: Array<{ blobName: string; lastModified: Date }>;
  /** Photos the person set in Outlook themselves (visible writes that are not the pipeline's). */
  ownChanges: number;
  /** The bytes of the photo they were given last (Exchange keeps a re-encoded copy: compared by what it shows). */
  newestBytes?: Buffer;
}

export interface PersonWrites {
  userPrincipalName: string;
  role: SoakUserRole;
  photos: number;
  exchange: number;
  sharePoint: number;
}

export interface SoakOutcome {
  problems: string[];
  writes: PersonWrites[];
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export async function checkSoakOutcome(
  people: SoakPerson[],
  options: { storageConnectionString: string; emulator: M365Emulator },
): Promise<SoakOutcome> {
  const { emulator } = options;
  const hr = people.filter((p) => p.role === 'hr' && p.photos.length > 0);
  const nothingLost = await verifyNothingLost(
    hr.map((p) => ({
      blobName: p.drops[p.drops.length - 1]?.blobName ?? '(never dropped)',
      userId: p.userId,
      userPrincipalName: p.userPrincipalName,
      contentHash: p.photos[p.photos.length - 1],
    })),
    options,
  );
  const problems = [...nothingLost.problems];
  const blobs = BlobServiceClient.fromConnectionString(options.storageConnectionString);
  const archive = blobs.getContainerClient(containers.archive);
  const processed = blobs.getContainerClient(containers.processed);
  const state = PhotoStateStore.create({ connectionString: options.storageConnectionString });

  for await (const blob of blobs.getContainerClient(containers.incoming).listBlobsFlat())
    problems.push(`${blob.name}: still in ${containers.incoming}`);
  for (const person of hr) {
    for (const drop of person.drops) {
      if (!(await archive.getBlobClient(archiveBlobName(drop.blobName, drop.lastModified)).exists()))
        problems.push(`${drop.blobName}: not archived`);
    }
  }
  for (const person of people.filter((p) => p.role === 'outlook' && p.photos.length > 0)) {
    // Exchange re-encodes what the person sets (as a real tenant does): what reached SharePoint is rendered from
    // Exchange's copy, whose hash is the content hash the pipeline records.
    const graph = emulator.control.getPhoto(person.userId);
    if (!graph || !person.newestBytes || !(await photoLooksAlike(graph.bytes, person.newestBytes)))
      problems.push(`${person.userPrincipalName}: Exchange no longer holds the photo they set last`);
    const newest = graph ? sha256(graph.bytes) : '';
    const row = await state.get(person.userId, 'sharepoint');
    if (row?.lastContentHash !== newest)
      problems.push(
        `${person.userPrincipalName}: sharepoint state holds ${row?.lastContentHash?.slice(0, 12) ?? 'nothing'} ` +
          `(outcome ${row?.lastOutcome ?? '—'}), expected their newest Outlook photo ${newest.slice(0, 12)}`,
      );
    const thumbnail = emulator.control.getSharePointFile(thumbnailFileName(person.userPrincipalName, 'M'));
    const medium = processed.getBlobClient(renditionBlobName(person.userId, newest, 'medium'));
    if (!thumbnail || !(await medium.exists()) || sha256(thumbnail) !== sha256(await medium.downloadToBuffer()))
      problems.push(`${person.userPrincipalName}: the medium thumbnail is not their newest Outlook photo`);
  }

  const writes = people.map((person) => ({
    userPrincipalName: person.userPrincipalName,
    role: person.role,
    photos: new Set(person.photos).size,
    exchange: Math.max(0, (emulator.control.getPhoto(person.userId)?.version ?? 0) - person.ownChanges),
    sharePoint: emulator.control.getSharePointFileVersion(thumbnailFileName(person.userPrincipalName, 'M')) ?? 0,
  }));
  return { problems, writes };
}
