// A removal racing an ingest, on real Azurite with the real adapters (blob store, PhotoSyncState table, the eraser
// the removal consumer uses): the interleaving the Functions host can produce is forced by running the removal's
// mark and deletes inside ingest, between queueing the write messages and archiving the original, so no timing is
// guessed. A photo received before the removal leaves nothing; one received after it is kept whole.

import { BlobServiceClient } from '@azure/storage-blob';
import sharp from 'sharp';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import { provisionStorage } from '../../../dev/provisionStorage';
import { loadIngestConfig } from '../../../src/config';
import { renderRenditions } from '../../../src/imaging/renderRenditions';
import { ingestPhoto, type IngestOptions, type IngestPorts } from '../../../src/pipeline/ingest/ingestPhoto';
import { markRemoved } from '../../../src/pipeline/status/removePerson';
import { containers } from '../../../src/storage/names';
import { PhotoBlobStore } from '../../../src/storage/PhotoBlobStore';
import { PhotoStateStore } from '../../../src/storage/PhotoStateStore';
import { StoredPhotoEraser } from '../../../src/storage/StoredPhotoEraser';
import { InMemoryDirectory } from '../../support/InMemoryDirectory';

let azurite: Azurite;
let blobs: BlobServiceClient;
let state: PhotoStateStore;
let eraser: StoredPhotoEraser;
let ports: IngestPorts;
const config = loadIngestConfig({});
const options: IngestOptions = { maxBytes: config.maxBytes, targets: { exchange: true, sharePoint: true } };
const directory = new InMemoryDirectory();

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
  await provisionStorage(azurite.connectionString);
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  state = PhotoStateStore.create({ connectionString: azurite.connectionString });
  eraser = new StoredPhotoEraser(blobs);
  ports = {
    store: new PhotoBlobStore(blobs),
    directory,
    render: (bytes) => renderRenditions(bytes, config),
    send: () => Promise.resolve(),
    state,
  };
});

afterAll(async () => {
  await azurite?.stop();
});

const photo = (colour: string) =>
  sharp({ create: { width: 400, height: 400, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();

async function drop(name: string, bytes: Buffer) {
  const uploaded = await blobs.getContainerClient(containers.incoming).getBlockBlobClient(name).uploadData(bytes);
  return { blobName: name, bytes, etag: uploaded.etag ?? '', correlationId: `test-${name}` };
}

/** Every blob of ours that belongs to the person. */
async function storedBlobsOf(userId: string): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of blobs.getContainerClient(containers.processed).listBlobsFlat({ prefix: `${userId}/` })) {
    found.push(`${containers.processed}/${blob.name}`);
  }
  for await (const blob of blobs.getContainerClient(containers.archive).listBlobsFlat({ includeMetadata: true })) {
    if (blob.metadata?.userid === userId) found.push(`${containers.archive}/${blob.name}`);
  }
  return found;
}

async function incomingNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of blobs.getContainerClient(containers.incoming).listBlobsFlat()) names.push(blob.name);
  return names;
}

it('leaves nothing of a photo received before a removal whose deletes ran while it was being ingested', async () => {
  const person = directory.add({
    id: 'b7c1d2e3-0000-4000-8000-000000000001',
    userPrincipalName: 'race.one@contoso.test',
  });
  const request = await drop(`${person.userPrincipalName}.jpg`, await photo('#2266aa'));
  let removalDeleted = -1;
  const racing: IngestPorts = {
    ...ports,
    // The removal, asked for after the upload, runs its mark and its deletes while ingest is between storing the
    // renditions and archiving: it deletes the renditions it finds, and finds no archive copy yet.
    send: async () => {
      const removedAt = new Date().toISOString();
      await markRemoved(state, person.id, removedAt);
      removalDeleted = await eraser.deleteStoredPhotos(person.id, removedAt);
    },
  };
  const outcome = await ingestPhoto(request, racing, options);

  expect(removalDeleted).toBe(4);
  expect(outcome).toMatchObject({ kind: 'removed', owner: { userId: person.id } });
  expect(await storedBlobsOf(person.id)).toEqual([]);
  expect(await incomingNames()).not.toContain(request.blobName);
});

it('keeps a photo received after the removal was asked for, even while that removal is still deleting', async () => {
  const person = directory.add({
    id: 'b7c1d2e3-0000-4000-8000-000000000002',
    userPrincipalName: 'race.two@contoso.test',
  });
  // The removal was asked for before this upload (a moment safely past Last-Modified's one-second precision).
  const removedAt = new Date(Date.now() - 2_000).toISOString();
  await markRemoved(state, person.id, removedAt);
  const request = await drop(`${person.userPrincipalName}.jpg`, await photo('#aa6622'));
  const outcome = await ingestPhoto(request, ports, options);
  expect(outcome.kind).toBe('accepted');

  // The removal's deletes now run (a retry of it, say): they leave the new photo's copies alone.
  expect(await eraser.deleteStoredPhotos(person.id, removedAt)).toBe(0);
  expect(await storedBlobsOf(person.id)).toHaveLength(5);
});
