// A photo changed in Outlook/Teams (the emulator's person action) reaches SharePoint through the whole local stack:
// renewSubscriptions creates the Graph subscription (validation handshake included), Graph notifies
// graphNotifications, processPhotoChange renders, writeSharePointPhoto uploads. Also: our own Exchange write
// echoing back causes no second write, and the reconcile timer catches a change Graph never announced.

import path from 'node:path';
import sharp from 'sharp';
import { BlobServiceClient } from '@azure/storage-blob';
import { containers } from '../../../src/storage/names';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';

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

beforeAll(async () => {
  stack = await startTestStack({ functionModules: [path.resolve(__dirname, '../../../src/functions/*.ts')] });
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

test('the reconcile timer catches a change that raised no notification', async () => {
  const user = exchangeUsers()[2];
  if (!user) throw new Error('the demo tenant needs three users with a mailbox');
  await stack.host.waitForIdle();
  stack.emulator.control.setNotifyOnPhotoChange(false);
  try {
    const deliveriesBefore = stack.emulator.control.deliveries().length;
    const colour = { r: 240, g: 200, b: 10 };
    await stack.emulator.control.changePhotoAsUser(user.userPrincipalName, await photo(colour));
    await stack.host.triggerTimer('reconcilePhotos');
    await waitFor(() => thumbnailsIn(user.userPrincipalName, colour), {
      timeoutMs: 30_000,
      what: 'the reconciled thumbnails',
    });
    expect(stack.emulator.control.deliveries().length).toBe(deliveriesBefore);
  } finally {
    stack.emulator.control.setNotifyOnPhotoChange(true);
  }
});
