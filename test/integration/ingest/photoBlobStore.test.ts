// The blob adapter against real Azurite: ETag conditions, server-side copies that keep metadata, content types and
// content-addressed renditions behave as the ingest use case assumes.

import { BlobClient, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import { provisionStorage } from '../../../dev/provisionStorage';
import { containers } from '../../../src/storage/names';
import { StoredPhotoEraser } from '../../../src/storage/StoredPhotoEraser';
import { PhotoBlobStore } from '../../../src/storage/PhotoBlobStore';

let azurite: Azurite;
let blobs: BlobServiceClient;
let store: PhotoBlobStore;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
  await provisionStorage(azurite.connectionString);
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  store = new PhotoBlobStore(blobs);
});

afterAll(async () => {
  await azurite?.stop();
});

async function drop(name: string, data: string | Buffer, metadata: Record<string, string> = {}): Promise<string> {
  const response = await blobs
    .getContainerClient(containers.incoming)
    .getBlockBlobClient(name)
    .uploadData(Buffer.from(data), { metadata, blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
  return response.etag ?? '';
}

const owner = { userId: '3f9a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b', userPrincipalName: 'AdeleV@contoso.com' };
const image = (fill: number, size: number) => ({ data: Buffer.alloc(size, fill), width: size, height: size });

test('renditions land under {userId}/{hash}/ as image/jpeg and an existing rendition is never rewritten', async () => {
  const hash = 'abc123'.padEnd(64, '0');
  const refs = await store.writeRenditions(owner, hash, {
    exchange: image(1, 64),
    small: image(2, 8),
    medium: image(3, 9),
    large: image(4, 10),
  });
  expect(refs.medium).toEqual({ blobName: `${owner.userId}/${hash}/M.jpg`, width: 9, height: 9, bytes: 9 });
  const exchange = blobs.getContainerClient(containers.processed).getBlobClient(`${owner.userId}/${hash}/exchange.jpg`);
  const before = await exchange.getProperties();
  expect(before.contentType).toBe('image/jpeg');

  await store.writeRenditions(owner, hash, {
    exchange: image(9, 64),
    small: image(9, 8),
    medium: image(9, 9),
    large: image(9, 10),
  });
  expect((await exchange.getProperties()).etag).toBe(before.etag);
  expect((await exchange.downloadToBuffer())[0]).toBe(1);
  // The bytes here are not a JPEG, and a name outside the rendition shape is never read at all.
  await expect(store.readRendition(`${owner.userId}/${hash}/exchange.jpg`)).rejects.toThrow(/not a JPEG/);
  await expect(store.readRendition(`${owner.userId}/${hash}/../../photos-archive/a.jpg`)).rejects.toThrow(
    /not a rendition name/,
  );
  expect(await store.renditionsExist(owner.userId, hash)).toBe(true);
  expect(await store.renditionsExist(owner.userId, 'other')).toBe(false);
});

test('older rendition sets of a person are tagged superseded=true (blob index tags), out of order and re-drops too', async () => {
  const person = { userId: '5d6e7f80-1a2b-4c3d-8e9f-a0b1c2d3e4f5', userPrincipalName: 'megan@contoso.com' };
  const set = (fill: number) => ({
    exchange: image(fill, 64),
    small: image(fill, 8),
    medium: image(fill, 9),
    large: image(fill, 10),
  });
  const [january, march, february] = ['a1', 'b2', 'c3'].map((h) => h.padEnd(64, '0')) as [string, string, string];
  const processed = blobs.getContainerClient(containers.processed);
  /** The superseded tag of each of the set's four blobs. */
  const supersededOf = async (hash: string) =>
    Promise.all(
      ['exchange', 'S', 'M', 'L'].map(
        async (file) =>
          (await processed.getBlobClient(`${person.userId}/${hash}/${file}.jpg`).getTags()).tags.superseded,
      ),
    );
  const hr = (iso: string) => ({ receivedAt: new Date(iso), origin: 'hr-upload' as const });

  await store.writeRenditions(person, january, set(1), hr('2026-01-10T00:00:00Z'));
  await store.writeRenditions(person, march, set(3), hr('2026-03-10T00:00:00Z'));
  // February's photo is delivered last: it is older than March's, so it is superseded on arrival.
  await store.writeRenditions(person, february, set(2), hr('2026-02-10T00:00:00Z'));
  expect(await supersededOf(january)).toEqual(['true', 'true', 'true', 'true']);
  expect(await supersededOf(february)).toEqual(['true', 'true', 'true', 'true']);
  expect(await supersededOf(march)).toEqual(['false', 'false', 'false', 'false']);

  // The person's own change in Teams is newer, but the newest HR photo stays (PHOTO_AUTHORITY=hr puts it back).
  const own = 'd4'.padEnd(64, '0');
  await store.writeRenditions(person, own, set(4), {
    receivedAt: new Date('2026-04-01T00:00:00Z'),
    origin: 'user-change',
  });
  expect([(await supersededOf(march))[0], (await supersededOf(own))[0]]).toEqual(['false', 'false']);

  // HR drops January's photo again: it is current again and loses its tag; the others are now superseded.
  await store.writeRenditions(person, january, set(1), hr('2026-05-01T00:00:00Z'));
  expect((await supersededOf(january))[0]).toBe('false');
  expect([(await supersededOf(march))[0], (await supersededOf(own))[0]]).toEqual(['true', 'true']);
  // The lifecycle rule's filter (superseded == 'true') finds exactly those blobs.
  const found: string[] = [];
  for await (const blob of processed.findBlobsByTags(`superseded = 'true'`)) {
    if (blob.name.startsWith(person.userId)) found.push(blob.name);
  }
  expect(found.filter((n) => n.includes(january))).toEqual([]);
  expect(found).toHaveLength(12);
});

test('archiving copies the original into a dated folder with its metadata; the acknowledgement deletes it', async () => {
  const etag = await drop('batch 1/Adele Vance.jpg', 'original bytes', { upn: 'AdeleV@contoso.com' });
  const original = await store.probeOriginal('batch 1/Adele Vance.jpg', { etag });
  if (!original) throw new Error('probe found nothing');
  const location = await store.copyToArchive('batch 1/Adele Vance.jpg', new Date('2026-02-03T23:59:00Z'), {
    etag,
    metadata: original.metadata,
    extraMetadata: { contenthash: 'abc123' },
  });
  expect(location).toBe('photos-archive/2026/02/03/batch 1/Adele Vance.jpg');
  const archived = blobs.getContainerClient(containers.archive).getBlobClient('2026/02/03/batch 1/Adele Vance.jpg');
  const props = await archived.getProperties();
  expect(props.metadata).toEqual({ upn: 'AdeleV@contoso.com', contenthash: 'abc123' });
  expect(props.contentType).toBe('image/jpeg');
  expect((await archived.downloadToBuffer()).toString()).toBe('original bytes');
  // Still in photos-incoming until ingest acknowledges it.
  expect(await store.probeOriginal('batch 1/Adele Vance.jpg', { etag })).toBeDefined();
  await store.deleteOriginal('batch 1/Adele Vance.jpg', { etag });
  expect(await store.probeOriginal('batch 1/Adele Vance.jpg', { etag })).toBeUndefined();

  // A photo a removal covers: its renditions and this archive copy go (twice is fine).
  const hash = 'c'.repeat(64);
  const processed = blobs.getContainerClient(containers.processed);
  for (const file of ['exchange', 'S']) {
    await processed.getBlockBlobClient(`${owner.userId}/${hash}/${file}.jpg`).uploadData(Buffer.from('x'));
  }
  await processed.getBlockBlobClient(`${owner.userId}/${'d'.repeat(64)}/S.jpg`).uploadData(Buffer.from('kept'));
  const removedAt = '2026-02-03T12:00:00.000Z';
  await store.deleteStoredCopies(owner.userId, hash, location, removedAt);
  await store.deleteStoredCopies(owner.userId, hash, location, removedAt);
  expect(await archived.exists()).toBe(false);
  const left: string[] = [];
  for await (const blob of processed.listBlobsFlat({ prefix: `${owner.userId}/` })) left.push(blob.name);
  expect(left.filter((name) => name.includes(hash))).toEqual([]);
  expect(left).toContain(`${owner.userId}/${'d'.repeat(64)}/S.jpg`);
});

test('a photo a removal covers leaves the renditions of the same image dropped again after the removal', async () => {
  const removedAt = '2026-02-03T12:00:00.000Z';
  const image = { data: Buffer.from('rendition'), width: 48, height: 48 };
  const set = { exchange: image, small: image, medium: image, large: image };
  const names = async (hash: string) => {
    const found: string[] = [];
    for await (const blob of blobs
      .getContainerClient(containers.processed)
      .listBlobsFlat({ prefix: `${owner.userId}/${hash}/` }))
      found.push(blob.name);
    return found;
  };
  // Dropped before the removal, ingested after it: its own renditions go.
  const before = 'e'.repeat(64);
  await store.writeRenditions(owner, before, set, {
    receivedAt: new Date('2026-02-03T11:00:00Z'),
    origin: 'hr-upload',
  });
  await store.deleteStoredCopies(owner.userId, before, 'photos-archive/none.jpg', removedAt);
  expect(await names(before)).toEqual([]);
  // The same image dropped again after the removal shares the blobs (content-addressed): the late ingest of the
  // earlier drop, which wrote them first, must not take them from the later drop's writers.
  const again = 'f'.repeat(64);
  await store.writeRenditions(owner, again, set, { receivedAt: new Date('2026-02-03T11:00:00Z'), origin: 'hr-upload' });
  await store.writeRenditions(owner, again, set, { receivedAt: new Date('2026-02-03T13:00:00Z'), origin: 'hr-upload' });
  await store.deleteStoredCopies(owner.userId, again, 'photos-archive/none.jpg', removedAt);
  expect(await names(again)).toHaveLength(4);
});

test('a newer upload under the same name survives the move of the older version', async () => {
  const oldEtag = await drop('race.jpg', 'old');
  const newEtag = await drop('race.jpg', 'new');
  expect(await store.probeOriginal('race.jpg', { etag: oldEtag })).toBeUndefined();
  await expect(store.copyToArchive('race.jpg', new Date(), { etag: oldEtag, metadata: {} })).rejects.toMatchObject({
    statusCode: 412,
  });
  const incoming = blobs.getContainerClient(containers.incoming).getBlobClient('race.jpg');
  expect((await incoming.getProperties()).etag).toBe(newEtag);
});

test('a rejection leaves the original and a readable error JSON in photos-rejected', async () => {
  const etag = await drop('broken.jpg', 'not really a jpeg');
  const rejection = {
    code: 'corrupt-image',
    message: 'The image data is damaged.',
    details: { format: 'jpeg' },
    correlationId: 'c-1',
    receivedAt: '2026-02-03T10:00:00.000Z',
  };
  expect(await store.rejectOriginal('broken.jpg', rejection, { etag, metadata: {} })).toBe(
    'photos-rejected/broken.jpg',
  );
  const rejected = blobs.getContainerClient(containers.rejected);
  const reason = rejected.getBlobClient('broken.jpg.error.json');
  expect((await reason.getProperties()).contentType).toMatch(/^application\/json/);
  expect(JSON.parse((await reason.downloadToBuffer()).toString('utf8'))).toEqual(rejection);
  expect((await rejected.getBlobClient('broken.jpg').getProperties()).metadata).toEqual({
    rejectioncode: 'corrupt-image',
  });
  expect(await blobs.getContainerClient(containers.incoming).getBlobClient('broken.jpg').exists()).toBe(false);
});

test('manifests are read from photos-incoming and from the archive, and unreadable ones are left out', async () => {
  const before = new Date(Date.now() - 60_000);
  const etag = await drop('march.csv', 'UserPrincipalName,FileName\nAdeleV@contoso.com,IMG_1.jpg\n');
  await drop('broken.csv', 'no header here');
  await drop('april.csv', 'UserPrincipalName,FileName\nAlexW@contoso.com,IMG_2.jpg\n');
  await store.archiveManifest('march.csv', { etag, metadata: {} });

  const manifests = await store.readManifests({ receivedAfter: before, photoUploadedAt: new Date() });
  expect(manifests.map((m) => m.name).sort()).toEqual(['april.csv', 'march.csv']);
  expect(manifests.find((m) => m.name === 'march.csv')?.rows).toEqual([
    { userPrincipalName: 'AdeleV@contoso.com', fileName: 'IMG_1.jpg', line: 2 },
  ]);
  expect(
    await store.readManifests({ receivedAfter: new Date(Date.now() + 60_000), photoUploadedAt: new Date() }),
  ).toEqual([]);
});

describe('one listing of the manifests serves every photo uploaded before it began', () => {
  let listings: jest.SpyInstance;
  beforeEach(() => {
    listings = jest.spyOn(ContainerClient.prototype, 'listBlobsFlat');
  });
  afterEach(() => {
    listings.mockRestore();
  });
  const names = (manifests: { name: string }[]): string[] => manifests.map((m) => m.name).sort();

  test('photos waiting in a drop share one listing; a photo uploaded since gets a new one that sees newer manifests', async () => {
    const lister = new PhotoBlobStore(blobs);
    const receivedAfter = new Date(Date.now() - 600_000);
    await drop('may.csv', 'UserPrincipalName,FileName\nAdeleV@contoso.com,IMG_5.jpg\n');
    // A backlog: photos uploaded a minute ago, picked up now, eight at once.
    const waiting = { receivedAfter, photoUploadedAt: new Date(Date.now() - 60_000) };
    const first = await Promise.all(Array.from({ length: 8 }, () => lister.readManifests(waiting)));
    // One listing: photos-incoming and the archive's manifests/ folder, once each.
    const listed = listings.mock.calls.length;
    expect(listed).toBe(2);
    for (const manifests of first) expect(names(manifests)).toContain('may.csv');
    expect(names(await lister.readManifests(waiting))).toEqual(names(first[0] ?? []));
    expect(listings.mock.calls).toHaveLength(listed);

    await drop('june.csv', 'UserPrincipalName,FileName\nAlexW@contoso.com,IMG_6.jpg\n');
    const fresh = await lister.readManifests({ receivedAfter, photoUploadedAt: new Date() });
    expect(names(fresh)).toContain('june.csv');
    expect(listings.mock.calls.length).toBeGreaterThan(listed);
  });

  test('a photo older than the manifests a listing covers gets its own listing', async () => {
    const lister = new PhotoBlobStore(blobs);
    const uploadedAt = new Date(Date.now() - 60_000);
    await lister.readManifests({ receivedAfter: new Date(Date.now() - 1_000), photoUploadedAt: uploadedAt });
    const listed = listings.mock.calls.length;
    const older = await lister.readManifests({ receivedAfter: new Date(0), photoUploadedAt: uploadedAt });
    expect(listings.mock.calls.length).toBeGreaterThan(listed);
    expect(names(older)).toContain('march.csv');
  });

  test('a listing that saw a manifest replaced while it read it is not reused', async () => {
    const lister = new PhotoBlobStore(blobs);
    await drop('july.csv', 'UserPrincipalName,FileName\nAdeleV@contoso.com,IMG_7.jpg\n');
    // The manifest is replaced between the listing and its download (HR uploads a corrected one).
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to the instance below
    const realDownload = BlobClient.prototype.downloadToBuffer;
    let replaced = false;
    const download = jest.spyOn(BlobClient.prototype, 'downloadToBuffer').mockImplementation(async function (
      this: BlobClient,
      ...args: unknown[]
    ) {
      if (!replaced && this.name === 'july.csv') {
        replaced = true;
        await drop('july.csv', 'UserPrincipalName,FileName\nAlexW@contoso.com,IMG_7.jpg\n');
      }
      return realDownload.apply(this, args as Parameters<typeof realDownload>);
    });
    const waiting = { receivedAfter: new Date(Date.now() - 600_000), photoUploadedAt: new Date(Date.now() - 60_000) };
    const seen = await lister.readManifests(waiting);
    expect(replaced).toBe(true);
    expect(names(seen)).not.toContain('july.csv');
    const listed = listings.mock.calls.length;
    const again = await lister.readManifests(waiting);
    expect(listings.mock.calls.length).toBeGreaterThan(listed);
    expect(again.find((m) => m.name === 'july.csv')?.rows[0]?.userPrincipalName).toBe('AlexW@contoso.com');
    download.mockRestore();
  });
});

test("a removal's eraser leaves the renditions the same image dropped again after the removal re-tagged", async () => {
  // The eraser also keeps what was created after the removal: the blobs here are created now, the removal comes later.
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);
  const removedAt = at(1).toISOString();
  const image = { data: Buffer.from('rendition'), width: 48, height: 48 };
  const set = { exchange: image, small: image, medium: image, large: image };
  const person = { userId: '5e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b', userPrincipalName: 'MeganB@contoso.com' };
  const covered = 'a'.repeat(64);
  const reused = 'b'.repeat(64);
  await store.writeRenditions(person, covered, set, {
    receivedAt: at(-60),
    origin: 'hr-upload',
  });
  await store.writeRenditions(person, reused, set, {
    receivedAt: at(-60),
    origin: 'hr-upload',
  });
  // The same image as `reused`, dropped again after the removal: same blobs, now tagged with the later drop.
  await store.writeRenditions(person, reused, set, {
    receivedAt: at(2),
    origin: 'hr-upload',
  });
  expect(await new StoredPhotoEraser(blobs).deleteStoredPhotos(person.userId, removedAt)).toBe(4);
  const left: string[] = [];
  for await (const blob of blobs
    .getContainerClient(containers.processed)
    .listBlobsFlat({ prefix: `${person.userId}/` }))
    left.push(blob.name);
  expect(left.every((name) => name.startsWith(`${person.userId}/${reused}/`))).toBe(true);
  expect(left).toHaveLength(4);
});
