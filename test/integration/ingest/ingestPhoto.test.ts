// ingestPhoto end to end on the local stack: real Azurite, the Microsoft 365 emulator as the directory, and the
// local Functions host running only the ingest registration, so the queued messages stay on the queues to be read.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import sharp from 'sharp';
import { blobPoisonQueue } from '../../../dev/runtime/BlobTriggerListener';
import { uploadPhotos } from '../../../dev/upload';
import { waitForOutcomes } from '../../../dev/upload/waitForOutcomes';
import type { InvocationCompletedEvent } from '../../../dev/runtime/invocationEvents';
import type { HostLogger } from '../../../dev/runtime/HostLogger';
import {
  EXCHANGE_WRITE_SCHEMA,
  SHAREPOINT_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
  type SharePointPhotoWriteMessage,
} from '../../../src/pipeline/messages/messageContracts';
import { decodeQueueMessage } from '../../../src/storage/queueMessageEncoding';
import { containers, queues } from '../../../src/storage/names';
import { archiveBlobName } from '../../../src/storage/PhotoBlobStore';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';
import { redeliver } from './redeliver';

let stack: LocalStack;
let blobs: BlobServiceClient;
const completed: InvocationCompletedEvent[] = [];
const hostLines: string[] = [];
/** Keeps every line the host logs (the app's JSON lines included) and prints errors, like the quiet test logger. */
const capturingLogger: HostLogger = {
  log(level, message) {
    hostLines.push(message);
    if (level === 'error') console.error(message);
  },
};

/** The app's structured log lines of one event. */
function logLines(event: string): Array<Record<string, unknown>> {
  return hostLines
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
}
const users = {
  adele: {
    id: 'a1f3c2e4-0000-4000-8000-000000000001',
    userPrincipalName: 'ingest.adele@contoso.test',
    employeeId: '004711',
  },
  alex: {
    id: 'a1f3c2e4-0000-4000-8000-000000000002',
    userPrincipalName: 'ingest.alex@contoso.test',
    employeeId: '004712',
  },
  megan: {
    id: 'a1f3c2e4-0000-4000-8000-000000000003',
    userPrincipalName: 'ingest.megan@contoso.test',
    employeeId: '004713',
  },
  lee: {
    id: 'a1f3c2e4-0000-4000-8000-000000000004',
    userPrincipalName: 'ingest.lee@contoso.test',
    employeeId: '004714',
  },
  flaky: {
    id: 'a1f3c2e4-0000-4000-8000-000000000005',
    userPrincipalName: 'ingest.flaky@contoso.test',
    employeeId: null,
  },
  broken: {
    id: 'a1f3c2e4-0000-4000-8000-000000000006',
    userPrincipalName: 'ingest.broken@contoso.test',
    employeeId: null,
  },
  ceo: {
    id: 'a1f3c2e4-0000-4000-8000-000000000007',
    userPrincipalName: 'ingest.ceo@contoso.test',
    employeeId: null,
  },
};
/** The protected-accounts group; the CEO is in it through a nested group, as checkMemberGroups counts. */
const protectedGroupId = 'b7c8d9e0-0000-4000-8000-00000000aaaa';
const executivesGroupId = 'b7c8d9e0-0000-4000-8000-00000000bbbb';

beforeAll(async () => {
  stack = await startTestStack({
    functionModules: [
      path.join(__dirname, '../../../src/functions/ingestPhoto.ts'),
      path.join(__dirname, '../../../src/functions/rejectOversizedUploads.ts'),
      path.join(__dirname, '../../../src/functions/retryParkedUploads.ts'),
    ],
    host: {
      hostJsonPath: path.join(__dirname, '../../fixtures/ingest/host.json'),
      blobConcurrency: 2,
      logger: capturingLogger,
    },
    extraSettings: {
      EMPLOYEE_ID_PATTERN: 'EMP-(\\d{6})',
      INGEST_MAX_BYTES: String(2 * 1024 * 1024),
      PROTECTED_ACCOUNTS_GROUP_ID: protectedGroupId,
      // A parked photo whose retry fails again comes back after a second (5 minutes on Azure).
      INGEST_PARKED_RETRY_SECONDS: '1',
    },
  });
  for (const [name, user] of Object.entries(users)) {
    stack.emulator.control.addUser({ ...user, displayName: name });
  }
  stack.emulator.control.addGroupMember(protectedGroupId, executivesGroupId);
  stack.emulator.control.addGroupMember(executivesGroupId, users.ceo.id);
  stack.host.on('invocationCompleted', (event) => completed.push(event));
  blobs = BlobServiceClient.fromConnectionString(stack.storageConnectionString);
});

afterAll(async () => {
  await stack?.stop();
});

const container = (name: string): ContainerClient => blobs.getContainerClient(name);

function portrait(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 80 } } })
    .composite([
      {
        input: Buffer.from(
          `<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#345"/></svg>`,
        ),
      },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function drop(
  name: string,
  data: Buffer | string,
  metadata: Record<string, string> = {},
): Promise<{ name: string; lastModified: Date; etag: string }> {
  const response = await container(containers.incoming)
    .getBlockBlobClient(name)
    .uploadData(Buffer.from(data), {
      metadata,
      blobHTTPHeaders: { blobContentType: name.endsWith('.csv') ? 'text/csv' : 'image/jpeg' },
    });
  return { name, lastModified: response.lastModified ?? new Date(), etag: response.etag ?? '' };
}

async function peekAll<T>(queueName: string): Promise<T[]> {
  const { peekedMessageItems } = await new QueueClient(stack.storageConnectionString, queueName).peekMessages({
    numberOfMessages: 32,
  });
  return peekedMessageItems.map((m) => decodeQueueMessage(m.messageText) as T);
}

/** Polls until the upload is archived; `meanwhile` runs before each look (a timer that may archive it). */
async function waitForArchive(
  upload: { name: string; lastModified: Date },
  meanwhile?: () => Promise<void>,
): Promise<Record<string, string>> {
  const archived = container(containers.archive).getBlobClient(archiveBlobName(upload.name, upload.lastModified));
  return waitFor(
    async () => {
      await meanwhile?.();
      return (await archived.exists()) && (await archived.getProperties()).metadata;
    },
    {
      what: `${upload.name} to be archived`,
      timeoutMs: 20_000,
    },
  );
}

async function waitForRejection(name: string): Promise<Record<string, unknown>> {
  const reason = container(containers.rejected).getBlobClient(`${name}.error.json`);
  return waitFor(
    async () =>
      (await reason.exists()) &&
      (JSON.parse((await reason.downloadToBuffer()).toString('utf8')) as Record<string, unknown>),
    {
      what: `${name} to be rejected`,
      timeoutMs: 20_000,
    },
  );
}

/** The host writes output messages after the handler returns, so "archived" is not yet "queued": wait for the end. */
function waitForSuccess(blobName: string): Promise<InvocationCompletedEvent> {
  return waitFor(
    () =>
      completed.find((e) => e.trigger.kind === 'blob' && e.trigger.blobName === blobName && e.outcome === 'succeeded'),
    { what: `the invocation for ${blobName} to complete`, timeoutMs: 20_000 },
  );
}

async function messagesFor(
  userId: string,
): Promise<{ exchange: ExchangePhotoWriteMessage[]; sharePoint: SharePointPhotoWriteMessage[] }> {
  const exchange = (await peekAll<ExchangePhotoWriteMessage>(queues.exchangePhotoWrites)).filter(
    (m) => m.exchangePhotoWrite.owner.userId === userId,
  );
  const sharePoint = (await peekAll<SharePointPhotoWriteMessage>(queues.sharePointPhotoWrites)).filter(
    (m) => m.sharePointPhotoWrite.owner.userId === userId,
  );
  return { exchange, sharePoint };
}

test('good photos named by UPN, metadata, object id, employee id and manifest are archived with renditions and two messages', async () => {
  const photo = await portrait(640, 480);
  await drop('team.csv', `UserPrincipalName,FileName\n"${users.lee.userPrincipalName}","IMG 0042, Lee.jpg"\n`);
  await waitFor(() => container(containers.archive).getBlobClient('manifests/team.csv').exists(), {
    what: 'the manifest to be stored',
  });
  const drops = await Promise.all([
    drop(`${users.adele.userPrincipalName.toUpperCase()}.jpg`, photo),
    drop('IMG_1234.jpg', photo, { upn: users.alex.userPrincipalName }),
    drop(`${users.megan.id}.jpeg`, photo),
    drop('EMP-004711.jpg', await portrait(500, 700)),
    drop('IMG 0042, Lee.jpg', photo),
  ]);
  const owners = [users.adele, users.alex, users.megan, users.adele, users.lee];
  const archivedMetadata = await Promise.all(drops.map((upload) => waitForArchive(upload)));
  await Promise.all(drops.map((upload) => waitForSuccess(upload.name)));
  archivedMetadata.forEach((metadata, i) => expect(metadata.userid).toBe(owners[i]?.id));
  expect(archivedMetadata[1]?.upn).toBe(users.alex.userPrincipalName);
  for (const upload of drops)
    expect(await container(containers.incoming).getBlobClient(upload.name).exists()).toBe(false);

  const { exchange, sharePoint } = await messagesFor(users.lee.id);
  expect(exchange).toHaveLength(1);
  expect(sharePoint).toHaveLength(1);
  const write = exchange[0]?.exchangePhotoWrite;
  expect(write).toMatchObject({
    schema: EXCHANGE_WRITE_SCHEMA,
    origin: 'hr-upload',
    attempt: 0,
    owner: { userId: users.lee.id, userPrincipalName: users.lee.userPrincipalName },
  });
  expect(sharePoint[0]?.sharePointPhotoWrite).toMatchObject({
    schema: SHAREPOINT_WRITE_SCHEMA,
    contentHash: write?.contentHash,
    correlationId: write?.correlationId,
  });
  expect(archivedMetadata[4]?.contenthash).toBe(write?.contentHash);

  const refs = { exchange: write?.photo, ...sharePoint[0]?.sharePointPhotoWrite.thumbnails };
  const expected = { exchange: 648, small: 48, medium: 72, large: 200 };
  for (const [key, size] of Object.entries(expected)) {
    const ref = refs[key as keyof typeof refs];
    const blob = container(containers.processed).getBlobClient(ref?.blobName ?? 'missing');
    const [props, bytes] = await Promise.all([blob.getProperties(), blob.downloadToBuffer()]);
    expect(props.contentType).toBe('image/jpeg');
    expect(bytes.length).toBe(ref?.bytes);
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: size, height: size });
  }
  expect((await messagesFor(users.adele.id)).exchange).toHaveLength(2);
}, 60_000);

test('corrupt, too small, vector and unknown-user files are rejected with a readable reason', async () => {
  const good = await portrait(400, 400);
  const cases = [
    [
      `${users.adele.userPrincipalName}-truncated.jpg`,
      good.subarray(0, Math.floor(good.length / 2)),
      { upn: users.adele.userPrincipalName },
      'corrupt-image',
    ],
    ['tiny.jpg', await portrait(64, 64), { upn: users.adele.userPrincipalName }, 'too-small'],
    [
      'logo.svg',
      '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400"/></svg>',
      { upn: users.adele.userPrincipalName },
      'vector-image',
    ],
    ['nobody@contoso.test.jpg', good, {}, 'unknown-user'],
    ['IMG_9999.jpg', good, {}, 'no-user-hint'],
  ] as const;
  const uploads = await Promise.all(cases.map(([name, data, metadata]) => drop(name, Buffer.from(data), metadata)));
  for (const [index, [name, , , code]] of cases.entries()) {
    const reason = await waitForRejection(name);
    expect(reason).toMatchObject({ code, receivedAt: uploads[index]?.lastModified.toISOString() });
    expect(typeof reason.message).toBe('string');
    expect(String(reason.message).length).toBeGreaterThan(20);
    expect(typeof reason.correlationId).toBe('string');
    expect(await container(containers.rejected).getBlobClient(name).exists()).toBe(true);
    expect(await container(containers.incoming).getBlobClient(name).exists()).toBe(false);
  }
}, 60_000);

test('an upload over INGEST_MAX_BYTES never reaches ingest and is rejected unread, with a reason HR reads', async () => {
  // 3 MB against the 2 MB limit; not an image at all, which ingest would say if it ever read it.
  const upload = await drop(`huge-${users.alex.userPrincipalName}.jpg`, Buffer.alloc(3 * 1024 * 1024, 7), {
    upn: users.alex.userPrincipalName,
  });
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(completed.filter((e) => e.trigger.kind === 'blob' && e.trigger.blobName === upload.name)).toEqual([]);

  await stack.host.triggerTimer('rejectOversizedUploads');
  const reason = await waitForRejection(upload.name);
  expect(reason).toMatchObject({
    code: 'too-many-bytes',
    details: { bytes: 3 * 1024 * 1024, maxBytes: 2 * 1024 * 1024 },
    receivedAt: upload.lastModified.toISOString(),
  });
  expect(String(reason.message)).toContain('3.0 MB');
  const rejected = container(containers.rejected).getBlobClient(upload.name);
  expect((await rejected.getProperties()).metadata).toMatchObject({
    upn: users.alex.userPrincipalName,
    rejectioncode: 'too-many-bytes',
  });
  expect(await container(containers.incoming).getBlobClient(upload.name).exists()).toBe(false);
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(completed.filter((e) => e.trigger.kind === 'blob' && e.trigger.blobName === upload.name)).toEqual([]);
}, 30_000);

test('the archive keeps the photo without its EXIF (GPS, camera) and XMP metadata, pixel for pixel', async () => {
  const base = await portrait(360, 360);
  const photo = await sharp(base)
    .withExifMerge({
      IFD0: { Make: 'PhoneCo', Model: 'Pocket 12' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '47/1 38/1 1234/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '122/1 7/1 0/1',
      },
    })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>')
    .jpeg({ quality: 85 })
    .toBuffer();
  expect((await sharp(photo).metadata()).exif).toBeDefined();
  const upload = await drop(`archive-${users.lee.userPrincipalName}.jpg`, photo, { upn: users.lee.userPrincipalName });
  const metadata = await waitForArchive(upload);
  const archived = await container(containers.archive)
    .getBlobClient(archiveBlobName(upload.name, upload.lastModified))
    .downloadToBuffer();
  const kept = await sharp(archived).metadata();
  expect({ exif: kept.exif, xmp: kept.xmp, width: kept.width, height: kept.height }).toEqual({
    exif: undefined,
    xmp: undefined,
    width: 360,
    height: 360,
  });
  expect(archived.includes(Buffer.from('PhoneCo'))).toBe(false);
  expect((await sharp(archived).raw().toBuffer()).equals(await sharp(photo).raw().toBuffer())).toBe(true);
  // Blob metadata is ours, not the photo's: who it was resolved to stays for the status page and the audit.
  expect(metadata).toMatchObject({ upn: users.lee.userPrincipalName, userid: users.lee.id });
}, 30_000);

test('a photo of a protected account is rejected with a readable reason and nothing is queued for them', async () => {
  const upload = await drop(`${users.ceo.userPrincipalName}.jpg`, await portrait(300, 300));
  const reason = await waitForRejection(upload.name);
  expect(reason).toMatchObject({ code: 'protected-account', details: { userId: users.ceo.id } });
  expect(String(reason.message)).toContain('PROTECTED_ACCOUNTS_GROUP_ID');
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  const queued = await messagesFor(users.ceo.id);
  expect([queued.exchange.length, queued.sharePoint.length]).toEqual([0, 0]);
  const renditions = container(containers.processed).listBlobsFlat({ prefix: `${users.ceo.id}/` });
  expect((await renditions.next()).done).toBe(true);
}, 30_000);

test('a blob version delivered a second time queues nothing', async () => {
  const photo = await portrait(300, 300);
  const upload = await drop(`${users.megan.userPrincipalName}.jpg`, photo);
  await waitForArchive(upload);
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  const before = await messagesFor(users.megan.id);

  const response = await redeliver(stack, { blobName: upload.name, etag: upload.etag, bytes: photo });
  expect(response.outputData ?? []).toEqual([]);
  const after = await messagesFor(users.megan.id);
  expect([after.exchange.length, after.sharePoint.length]).toEqual([before.exchange.length, before.sharePoint.length]);
}, 30_000);

test('a directory lookup failing twice is retried by the host and then succeeds', async () => {
  stack.emulator.control.injectFault({
    service: 'graph',
    method: 'GET',
    pathPattern: 'ingest\\.flaky@',
    status: 500,
    code: 'generalException',
    times: 2,
  });
  const upload = await drop(`${users.flaky.userPrincipalName}.jpg`, await portrait(300, 300));
  await waitForArchive(upload);
  await waitForSuccess(upload.name);
  const attempts = completed
    .filter((e) => e.trigger.kind === 'blob' && e.trigger.blobName === upload.name)
    .map((e) => e.outcome);
  expect(attempts).toEqual(['failed', 'failed', 'succeeded']);
  const { exchange, sharePoint } = await messagesFor(users.flaky.id);
  expect([exchange.length, sharePoint.length]).toEqual([1, 1]);
}, 30_000);

test('a photo whose lookup keeps failing is parked on webjobs-blobtrigger-poison, and written by the retry once Graph is back', async () => {
  stack.emulator.control.injectFault({
    service: 'graph',
    method: 'GET',
    pathPattern: 'ingest\\.broken@',
    status: 500,
    code: 'generalException',
    times: Infinity,
  });
  const upload = await drop(`${users.broken.userPrincipalName}.jpg`, await portrait(300, 300));
  const poison = await waitFor(
    async () =>
      (await peekAll<{ BlobName: string; ContainerName: string }>(blobPoisonQueue)).find(
        (m) => m.BlobName === upload.name,
      ),
    { what: 'the poison-queue report', timeoutMs: 30_000 },
  );
  expect(poison.ContainerName).toBe(containers.incoming);
  const tries = () =>
    completed.filter((e) => e.trigger.kind === 'blob' && e.trigger.blobName === upload.name).map((e) => e.outcome);
  // host.json's poisonBlobThreshold (5 in this fixture's host.json) tries, one after the other.
  expect(tries()).toEqual(Array(5).fill('failed'));
  expect(await container(containers.incoming).getBlobClient(upload.name).exists()).toBe(true);
  expect(await container(containers.rejected).getBlobClient(`${upload.name}.error.json`).exists()).toBe(false);

  // The retry timer while Graph still fails: the photo stays where it is and its report waits.
  const failedRetries = () => logLines('parked-upload-retry').filter((l) => l.blob === upload.name);
  await stack.host.triggerTimer('retryParkedUploads');
  expect(failedRetries().map((l) => l.result)).toEqual(['postponed']);
  expect(await container(containers.incoming).getBlobClient(upload.name).exists()).toBe(true);
  expect((await messagesFor(users.broken.id)).exchange).toHaveLength(0);

  // Graph recovers: the next run after the report's wait ingests the photo and deletes the report.
  stack.emulator.control.clearFaults();
  await waitForArchive(upload, async () => {
    await stack.host.triggerTimer('retryParkedUploads');
  });
  expect(failedRetries().map((l) => l.result)).toEqual(['postponed', 'ingested']);
  const { exchange, sharePoint } = await messagesFor(users.broken.id);
  expect([exchange.length, sharePoint.length]).toEqual([1, 1]);
  await stack.host.triggerTimer('retryParkedUploads');
  const queue = new QueueClient(stack.storageConnectionString, blobPoisonQueue);
  expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
}, 60_000);

test('the upload command sends a folder with its manifest and reports each file as archived or rejected', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'upload-'));
  try {
    mkdirSync(path.join(folder, 'batch'));
    writeFileSync(path.join(folder, 'batch', 'P1000.jpg'), await portrait(320, 320));
    writeFileSync(path.join(folder, 'notes.txt'), 'not a photo');
    writeFileSync(path.join(folder, '.DS_Store'), 'hidden');
    const manifest = path.join(folder, 'people.csv');
    writeFileSync(manifest, `\uFEFFFileName,UserPrincipalName\r\nP1000.jpg,${users.alex.userPrincipalName}\r\n`);

    const report = await uploadPhotos({ targets: [folder], manifest, connectionString: stack.storageConnectionString });
    expect(report.uploaded.map((u) => u.blobName).sort()).toEqual(['batch/P1000.jpg', 'notes.txt', 'people.csv']);
    expect([report.skipped, report.failed]).toEqual([['.DS_Store'], []]);

    const outcomes = await waitForOutcomes(blobs, report.uploaded, { timeoutMs: 20_000, intervalMs: 100 });
    expect(outcomes.get('batch/P1000.jpg')?.kind).toBe('archived');
    expect(outcomes.get('people.csv')).toEqual({ kind: 'archived', location: 'photos-archive/manifests/people.csv' });
    expect(outcomes.get('notes.txt')).toMatchObject({ kind: 'rejected', code: 'no-user-hint' });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}, 40_000);
