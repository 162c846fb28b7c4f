// PHOTO_AUTHORITY=hr through the whole local stack: a person replacing their HR photo in Outlook/Teams gets the HR
// photo put back in Exchange (one forced Graph PUT, logged as a warning and recorded in PhotoSyncState), SharePoint
// keeps the HR thumbnails, and the echo of the restore is recognised, so nothing loops.

import path from 'node:path';
import sharp from 'sharp';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { DemoUser } from '../../../dev/m365-emulator';
import type { HostLogger, HostLogLevel } from '../../../dev/runtime/HostLogger';
import { containers } from '../../../src/storage/names';
import { PhotoStateStore } from '../../../src/storage/PhotoStateStore';
import { photoFingerprint } from '../../../src/imaging/photoFingerprint';
import { fingerprintsMatch } from '../../../src/pipeline/photoChange/photoFingerprintMatch';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';

interface Colour {
  r: number;
  g: number;
  b: number;
}

interface LogLine {
  level: HostLogLevel;
  message: string;
}

const hrColour: Colour = { r: 30, g: 90, b: 210 };
const userColour: Colour = { r: 230, g: 120, b: 20 };

let stack: LocalStack;
let processed: ContainerClient;
const logs: LogLine[] = [];

/** Keeps every line the host logs (app `context.*` lines included) and prints errors, like the quiet test logger. */
const capturingLogger: HostLogger = {
  log(level, message) {
    logs.push({ level, message });
    if (level === 'error') console.error(message);
  },
};

function thumbnailName(upn: string, size: 'S' | 'M' | 'L'): string {
  return `${upn.replace(/[@.]/g, '_')}_${size}Thumb.jpg`;
}

function photo(colour: Colour, size: number): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

async function shows(bytes: Buffer, colour: Colour): Promise<boolean> {
  const { channels } = await sharp(bytes).stats();
  const [r, g, b] = channels.map((c) => c.mean);
  return (
    Math.abs((r ?? 0) - colour.r) <= 12 && Math.abs((g ?? 0) - colour.g) <= 12 && Math.abs((b ?? 0) - colour.b) <= 12
  );
}

/** True when all three SharePoint thumbnails of this user show `colour` (JPEG-tolerant). */
async function thumbnailsShow(upn: string, colour: Colour): Promise<boolean> {
  for (const size of ['S', 'M', 'L'] as const) {
    const file = stack.emulator.control.getSharePointFile(thumbnailName(upn, size));
    if (!file || !(await shows(file, colour))) return false;
  }
  return true;
}

/** The 648 renditions ingest wrote for this user (`photos-processed/{userId}/{contentHash}/exchange.jpg`). */
async function exchangeRenditions(userId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of processed.listBlobsFlat({ prefix: `${userId}/` })) {
    if (blob.name.endsWith('/exchange.jpg')) names.push(blob.name);
  }
  return names;
}

/** Whether Exchange holds `bytes` (our rendition) as it stores photos: re-encoded, so compared by what it shows. */
async function exchangeShows(upn: string, bytes: Buffer): Promise<boolean> {
  const stored = stack.emulator.control.getPhoto(upn);
  if (!stored) return false;
  return fingerprintsMatch(await photoFingerprint(stored.bytes), await photoFingerprint(bytes));
}

function graphPhotoPuts(): number {
  return stack.emulator.control.stats().byRoute['graph PUT photo.value.put'] ?? 0;
}

function sharePointUploads(): number {
  return stack.emulator.control.stats().byRoute['mySite POST sp.files.add'] ?? 0;
}

/** The processPhotoChange log lines (JSON) about this user. */
function photoChangeLines(userId: string): Array<{ line: LogLine; fields: Record<string, unknown> }> {
  return logs.flatMap((line) => {
    const start = line.message.indexOf('{"event":"photo-change"');
    if (start < 0) return [];
    const fields = JSON.parse(line.message.slice(start)) as Record<string, unknown>;
    return fields.userId === userId ? [{ line, fields }] : [];
  });
}

/** Waits until every change notification raised so far reached the endpoint, then until the host has no work left. */
async function settle(): Promise<void> {
  await waitFor(
    () =>
      stack.emulator.control
        .deliveries()
        .filter((d) => d.kind === 'change')
        .every((d) => d.delivered),
    { timeoutMs: 15_000, what: 'every change notification delivered' },
  );
  await stack.host.waitForIdle({ timeoutMs: 30_000 });
}

function exchangeUser(): DemoUser {
  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  if (!user) throw new Error('the demo tenant has no user with a mailbox');
  return user;
}

beforeAll(async () => {
  stack = await startTestStack({
    // Everything but the reconcile timer: its schedule (every 15 minutes) would otherwise fire mid-test and
    // propagate other demo users' photos, which the tenant-wide request counts below would pick up.
    functionModules: [
      'ingestPhoto.ts',
      'writeExchangePhoto.ts',
      'writeSharePointPhoto.ts',
      'graphNotifications.ts',
      'processPhotoChange.ts',
      'renewSubscriptions.ts',
    ].map((file) => path.resolve(__dirname, '../../../src/functions', file)),
    // Our read-after-write window, short for a test; this tenant serves reads at once (below).
    extraSettings: { PHOTO_AUTHORITY: 'hr', PHOTO_READ_LAG_MS: '3000' },
    // A tenant that notifies photo changes and serves them at once; Exchange still re-encodes and gives every write
    // a new etag. The lagging, silent reading is covered by echoUnderEveryReading.test.ts and photoPropagation.
    emulator: { notifyOnPhotoChange: true, photoReadLagMs: 0 },
    host: { logger: capturingLogger },
  });
  processed = BlobServiceClient.fromConnectionString(stack.storageConnectionString).getContainerClient(
    containers.processed,
  );
  await stack.host.triggerTimer('renewSubscriptions');
  expect(stack.emulator.control.listSubscriptions()).toHaveLength(1);
});

afterAll(async () => {
  await stack?.stop();
});

test('with PHOTO_AUTHORITY=hr a photo the person sets in Outlook is replaced by the HR photo once, without a loop', async () => {
  const user = exchangeUser();
  const upn = user.userPrincipalName;
  const state = PhotoStateStore.create({ connectionString: stack.storageConnectionString });

  // 1. HR drops a photo: it reaches Exchange and SharePoint, and the echo of our Exchange write settles.
  await BlobServiceClient.fromConnectionString(stack.storageConnectionString)
    .getContainerClient(containers.incoming)
    .getBlockBlobClient(`${upn}.jpg`)
    .uploadData(await photo(hrColour, 400), { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
  await waitFor(() => thumbnailsShow(upn, hrColour), { timeoutMs: 30_000, what: 'the HR thumbnails in SharePoint' });
  const hrWrite = await waitFor(
    async () => {
      const row = await state.get(user.id, 'exchange');
      return row?.lastOutcome === 'written' && row.lastMediaEtag ? row : undefined;
    },
    { timeoutMs: 20_000, what: 'the HR photo written to Exchange' },
  );
  expect(hrWrite.lastOrigin).toBe('hr-upload');
  const renditions = await exchangeRenditions(user.id);
  expect(renditions).toHaveLength(1);
  const hrExchangeBytes = await processed.getBlockBlobClient(renditions[0] ?? '').downloadToBuffer();
  expect(await exchangeShows(upn, hrExchangeBytes)).toBe(true);
  await settle();
  stack.emulator.control.resetStats();
  const linesBefore = photoChangeLines(user.id).length;

  // 2. The person sets their own photo in Outlook/Teams.
  const userPhoto = await photo(userColour, 300);
  const { mediaEtag: userEtag } = await stack.emulator.control.changePhotoAsUser(upn, userPhoto);
  expect(await exchangeShows(upn, hrExchangeBytes)).toBe(false);

  // 3. Within the deadline Exchange/Graph holds the HR 648 rendition again.
  await waitFor(() => exchangeShows(upn, hrExchangeBytes), {
    timeoutMs: 20_000,
    what: 'the HR photo restored in Exchange',
  });

  // 4. The restore echoes back as a notification; once it is processed, nothing else is written.
  await settle();
  expect(graphPhotoPuts()).toBe(1);
  expect(sharePointUploads()).toBe(0);
  expect(await thumbnailsShow(upn, hrColour)).toBe(true);
  expect(await exchangeRenditions(user.id)).toEqual(renditions);

  // 5. The replacement is logged as a warning naming the replaced etag, and recorded in PhotoSyncState.
  const lines = photoChangeLines(user.id).slice(linesBefore);
  const restoreIndex = lines.findIndex((l) => l.fields.outcome === 'restored-hr');
  expect(lines.filter((l) => l.fields.outcome === 'restored-hr')).toHaveLength(1);
  expect(lines[restoreIndex]?.line.level).toBe('warn');
  expect(lines[restoreIndex]?.fields).toMatchObject({ replacedEtag: userEtag, authority: 'hr' });
  // The echo of the restore (and any duplicate notification about the replacement) was seen and skipped.
  const afterRestore = lines.slice(restoreIndex + 1);
  expect(afterRestore.length).toBeGreaterThan(0);
  // The restore's echo comes back re-encoded under a new etag: recognised as our own write by what it looks like.
  expect(afterRestore.every((l) => ['skipped', 'settling', 'deferred'].includes(String(l.fields.outcome)))).toBe(true);
  expect(afterRestore.some((l) => l.fields.reason === 'own-write')).toBe(true);
  const exchangeRow = await state.get(user.id, 'exchange');
  expect(exchangeRow).toMatchObject({ lastOutcome: 'written', lastOrigin: 'hr-upload' });

  // 6. Stable: a further idle check finds no new work and no new write.
  await stack.host.waitForIdle({ timeoutMs: 10_000 });
  expect(graphPhotoPuts()).toBe(1);

  // 7. Setting the very same photo again (same bytes, so the same mediaEtag) is put back again, once.
  await stack.emulator.control.changePhotoAsUser(upn, userPhoto);
  await waitFor(async () => graphPhotoPuts() === 2 && (await exchangeShows(upn, hrExchangeBytes)), {
    timeoutMs: 20_000,
    what: 'the HR photo restored a second time',
  });
  await settle();
  expect(graphPhotoPuts()).toBe(2);
  expect(sharePointUploads()).toBe(0);
});
