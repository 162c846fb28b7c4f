// A photo changed in Outlook/Teams (the emulator's person action) reaches SharePoint through the whole local stack.
// With the emulator's defaults (a real tenant's: no notification for photo changes, reads a minute behind writes,
// photos re-encoded, a new etag per write) the path is reconcile alone, and a forced run
// (`POST /admin/functions/reconcilePhotos`) does it in seconds; our own HR write is never propagated back. On a tenant
// that does notify: renewSubscriptions creates the Graph subscription (validation handshake included), Graph
// notifies graphNotifications, processPhotoChange renders, writeSharePointPhoto uploads, and our own Exchange write
// echoing back causes no second write.

import path from 'node:path';
import sharp from 'sharp';
import { BlobServiceClient } from '@azure/storage-blob';
import { containers } from '../../../src/storage/names';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';
import { DEFAULT_PHOTO_READ_LAG_MS } from '../../../dev/m365-emulator';

let stack: LocalStack;

function thumbnailName(upn: string, size: 'S' | 'M' | 'L'): string {
  return `${upn.replace(/[@.]/g, '_')}_${size}Thumb.jpg`;
}

async function photo(colour: { r: number; g: number; b: number }, size = 300): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

/** The three thumbnails when all of them show `colour` (JPEG-tolerant), else undefined. */
async function thumbnailsIn(upn: string, colour: { r: number; g: number; b: number }): Promise<number[] | undefined> {
  const widths: number[] = [];
  for (const size of ['S', 'M', 'L'] as const) {
    const file = stack.emulator.control.getSharePointFile(thumbnailName(upn, size));
    if (!file) return undefined;
    const { channels } = await sharp(file).stats();
    const [r, g, b] = channels.map((c) => c.mean);
    if (Math.abs((r ?? 0) - colour.r) > 12 || Math.abs((g ?? 0) - colour.g) > 12 || Math.abs((b ?? 0) - colour.b) > 12)
      return undefined;
    widths.push((await sharp(file).metadata()).width ?? 0);
  }
  return widths;
}

function count(route: string): number {
  return stack.emulator.control.stats().byRoute[route] ?? 0;
}

function exchangeUsers() {
  return stack.emulator.users.filter((u) => u.mailbox === 'exchangeOnline');
}

/** Graph's read-after-write lag as the emulator models it, on its own clock: the test lets it pass without sleeping. */
function letGraphCatchUp(): void {
  stack.emulator.control.advanceClock(DEFAULT_PHOTO_READ_LAG_MS + 1_000);
}

async function forceReconcile(): Promise<void> {
  // The host's admin API sits beside the route prefix (`/api`), not under it.
  const response = await fetch(new URL('/admin/functions/reconcilePhotos', stack.host.httpBaseUrl), { method: 'POST' });
  expect(response.status).toBe(202);
}

beforeAll(async () => {
  stack = await startTestStack({
    functionModules: [path.resolve(__dirname, '../../../src/functions/*.ts')],
    // Our side's read-after-write window, in real time; the emulator's lag runs on its clock (letGraphCatchUp).
    extraSettings: { PHOTO_READ_LAG_MS: '2000' },
  });
  await stack.host.triggerTimer('renewSubscriptions');
  expect(stack.emulator.control.listSubscriptions()).toHaveLength(1);
});

afterAll(async () => {
  await stack?.stop();
});

test('renewSubscriptions creates one /users subscription through the validation handshake', () => {
  const [subscription] = stack.emulator.control.listSubscriptions();
  expect(subscription).toMatchObject({ resource: '/users', changeType: 'updated' });
  expect(subscription?.notificationUrl).toBe(stack.settings.NOTIFICATION_URL);
});

describe('on a tenant that does not notify photo changes (the default)', () => {
  test('a photo changed in Outlook reaches SharePoint through reconcile alone, seconds after a forced run', async () => {
    const user = exchangeUsers()[3];
    if (!user) throw new Error('the demo tenant needs four users with a mailbox');
    await stack.host.waitForIdle();
    const deliveriesBefore = stack.emulator.control.deliveries().length;
    const colour = { r: 240, g: 200, b: 10 };
    await stack.emulator.control.changePhotoAsUser(user.userPrincipalName, await photo(colour));
    letGraphCatchUp();
    const started = Date.now();
    await forceReconcile();
    const widths = await waitFor(() => thumbnailsIn(user.userPrincipalName, colour), {
      timeoutMs: 20_000,
      what: 'the reconciled thumbnails',
    });
    expect(widths).toEqual([48, 72, 200]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(stack.emulator.control.deliveries().length).toBe(deliveriesBefore);
  });

  test('a photo the person removes in Outlook puts SharePoint back to its placeholder, through reconcile', async () => {
    const user = exchangeUsers()[3];
    if (!user) throw new Error('the demo tenant needs four users with a mailbox');
    const upn = user.userPrincipalName;
    // The previous test propagated this person's photo.
    await waitFor(() => stack.emulator.control.getSharePointFile(thumbnailName(upn, 'M')), {
      what: 'the thumbnails from before',
    });
    await stack.host.waitForIdle();
    stack.emulator.control.removePhotoAsUser(upn);
    letGraphCatchUp();
    await forceReconcile();
    // The reset sets the properties first (never a PictureURL to a deleted file), then deletes the thumbnails.
    const properties = await waitFor(
      () => {
        const p = stack.emulator.control.getProfileProperties(upn);
        const filesGone = (['S', 'M', 'L'] as const).every(
          (size) => stack.emulator.control.getSharePointFile(thumbnailName(upn, size)) === undefined,
        );
        return p?.['SPS-PicturePlaceholderState'] === '1' && filesGone ? p : undefined;
      },
      { timeoutMs: 20_000, what: 'the placeholder state and the thumbnails deleted' },
    );
    expect(properties.PictureURL).toBe('');
  });

  test('a change Graph does not serve yet (read-after-write lag) is found by a later run', async () => {
    const user = exchangeUsers()[4];
    if (!user) throw new Error('the demo tenant needs five users with a mailbox');
    await stack.host.waitForIdle();
    const colour = { r: 20, g: 40, b: 230 };
    await stack.emulator.control.changePhotoAsUser(user.userPrincipalName, await photo(colour));
    await stack.host.triggerTimer('reconcilePhotos');
    await stack.host.waitForIdle({ timeoutMs: 30_000 });
    expect(await thumbnailsIn(user.userPrincipalName, colour)).toBeUndefined();
    letGraphCatchUp();
    await forceReconcile();
    await waitFor(() => thumbnailsIn(user.userPrincipalName, colour), {
      timeoutMs: 20_000,
      what: 'the thumbnails once Graph serves the change',
    });
  });

  test('our own HR photo in Exchange, re-encoded under a new etag, is never written back to SharePoint', async () => {
    const user = exchangeUsers()[5];
    if (!user) throw new Error('the demo tenant needs six users with a mailbox');
    await stack.host.waitForIdle();
    const colour = { r: 90, g: 160, b: 90 };
    await BlobServiceClient.fromConnectionString(stack.storageConnectionString)
      .getContainerClient(containers.incoming)
      .getBlockBlobClient(`${user.userPrincipalName}.jpg`)
      .uploadData(await photo(colour, 400), { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    await waitFor(() => thumbnailsIn(user.userPrincipalName, colour), {
      timeoutMs: 30_000,
      what: 'the HR photo in SharePoint',
    });
    await stack.host.waitForIdle({ timeoutMs: 30_000 });
    const uploads = stack.emulator.control.getSharePointFileVersion(thumbnailName(user.userPrincipalName, 'M'));
    // Runs within the lag see the photo from before our write; runs after it see Exchange's copy of ours.
    await stack.host.triggerTimer('reconcilePhotos');
    await stack.host.waitForIdle({ timeoutMs: 30_000 });
    letGraphCatchUp();
    await stack.host.triggerTimer('reconcilePhotos');
    await stack.host.waitForIdle({ timeoutMs: 30_000 });
    expect(stack.emulator.control.getSharePointFileVersion(thumbnailName(user.userPrincipalName, 'M'))).toBe(uploads);
  });
});

describe('on a tenant that notifies photo changes and serves them at once', () => {
  beforeAll(async () => {
    await stack.host.waitForIdle();
    stack.emulator.control.setNotifyOnPhotoChange(true);
    stack.emulator.control.setPhotoStoreRealism({ photoReadLagMs: 0 });
  });
  afterAll(() => {
    stack.emulator.control.setNotifyOnPhotoChange(false);
    stack.emulator.control.setPhotoStoreRealism({ photoReadLagMs: DEFAULT_PHOTO_READ_LAG_MS });
  });

  test('a photo changed in Outlook reaches the three SharePoint thumbnails and PictureURL within seconds', async () => {
    const user = exchangeUsers()[0];
    if (!user) throw new Error('the demo tenant has no user with a mailbox');
    const colour = { r: 200, g: 30, b: 160 };
    const started = Date.now();
    await stack.emulator.control.changePhotoAsUser(user.userPrincipalName, await photo(colour));
    const widths = await waitFor(() => thumbnailsIn(user.userPrincipalName, colour), {
      timeoutMs: 20_000,
      what: 'the new SharePoint thumbnails',
    });
    expect(widths).toEqual([48, 72, 200]);
    // The writer sets PictureURL, then the placeholder state: wait for both.
    const properties = await waitFor(
      () => {
        const p = stack.emulator.control.getProfileProperties(user.userPrincipalName);
        const done =
          p?.PictureURL?.endsWith(thumbnailName(user.userPrincipalName, 'M')) &&
          p?.['SPS-PicturePlaceholderState'] === '0';
        return done ? p : undefined;
      },
      { timeoutMs: 10_000, what: 'PictureURL and SPS-PicturePlaceholderState' },
    );
    expect(properties.PictureURL).toMatch(/^https:\/\//);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('our own Exchange write echoing back as a notification causes no second write', async () => {
    const user = exchangeUsers()[1];
    if (!user) throw new Error('the demo tenant needs two users with a mailbox');
    await stack.host.waitForIdle();
    stack.emulator.control.resetStats();
    const deliveriesBefore = stack.emulator.control.deliveries().length;
    const colour = { r: 20, g: 190, b: 60 };
    const incoming = BlobServiceClient.fromConnectionString(stack.storageConnectionString).getContainerClient(
      containers.incoming,
    );
    const bytes = await photo(colour, 400);
    await incoming
      .getBlockBlobClient(`${user.userPrincipalName}.jpg`)
      .uploadData(bytes, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });

    await waitFor(() => thumbnailsIn(user.userPrincipalName, colour), {
      timeoutMs: 30_000,
      what: 'the HR photo in SharePoint',
    });
    // The Exchange write raised a notification; wait until it was delivered and everything settled.
    await waitFor(
      () =>
        stack.emulator.control
          .deliveries()
          .slice(deliveriesBefore)
          .some((d) => d.kind === 'change' && d.delivered),
      { timeoutMs: 15_000, what: 'the echo notification' },
    );
    await stack.host.waitForIdle({ timeoutMs: 30_000 });
    expect(count('graph PUT photo.value.put')).toBe(1);
    expect(count('mySite POST sp.files.add')).toBe(3);
  });
});
