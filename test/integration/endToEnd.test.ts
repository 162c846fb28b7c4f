// End to end, with every function of the app in the local host: a photo dropped in photos-incoming becomes, within
// a deadline, the user's Graph photo and their three SharePoint thumbnails with PictureURL set.

import { BlobServiceClient } from '@azure/storage-blob';
import sharp from 'sharp';
import { createM365Clients, type M365Clients } from '../../src/m365/createM365Clients';
import { thumbnailFileName } from '../../src/m365/sharePointAccount';
import { containers } from '../../src/storage/names';
import { startTestStack, waitFor, type LocalStack } from '../support/localStackFixture';
import { DEFAULT_PHOTO_READ_LAG_MS } from '../../dev/m365-emulator';
import { emulatorM365Config } from './writers/emulatorM365Config';

const deadlineMs = 30_000;
let stack: LocalStack;
let m365: M365Clients;

beforeAll(async () => {
  stack = await startTestStack();
  m365 = createM365Clients(emulatorM365Config(stack.emulator));
});

afterAll(async () => {
  await stack?.stop();
});

it('turns a dropped photo into the Graph photo and the three SharePoint thumbnails with PictureURL', async () => {
  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  if (!user) throw new Error('the demo tenant has no user with a mailbox');
  const before = stack.emulator.control.getPhoto(user.id)?.mediaEtag;
  const original = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#2266aa' } })
    .jpeg()
    .toBuffer();
  const startedAt = Date.now();
  await BlobServiceClient.fromConnectionString(stack.storageConnectionString)
    .getContainerClient(containers.incoming)
    .getBlockBlobClient(`${user.userPrincipalName}.jpg`)
    .uploadData(original);

  // What Exchange holds; Graph reads serve it a minute later (the emulator's read-after-write lag, on its clock).
  await waitFor(() => stack.emulator.control.getPhoto(user.id)?.mediaEtag !== before, {
    what: 'the new photo in Exchange',
    timeoutMs: deadlineMs,
    intervalMs: 200,
  });
  stack.emulator.control.advanceClock(DEFAULT_PHOTO_READ_LAG_MS + 1_000);
  const photo = await m365.graph.getPhotoMetadata(user.id);
  expect(photo).toMatchObject({ width: 648, height: 648 });
  expect(photo?.mediaEtag).toBe(stack.emulator.control.getPhoto(user.id)?.mediaEtag);
  const graphBytes = await m365.graph.getPhotoContent(user.id);
  expect((await sharp(graphBytes).metadata()).format).toBe('jpeg');

  const folder = stack.emulator.profilePicturesFolderUrl;
  const urlOf = (size: 'S' | 'M' | 'L') =>
    new URL(`${folder}/${thumbnailFileName(user.userPrincipalName, size)}`, stack.emulator.urls.mySiteUrl).href;
  const profile = await waitFor(
    async () => {
      const properties = await m365.sharePoint.getPropertiesFor(user.userPrincipalName);
      return properties?.PictureUrl === urlOf('M') ? properties : undefined;
    },
    {
      what: 'PictureURL on the SharePoint profile',
      timeoutMs: Math.max(1_000, deadlineMs - (Date.now() - startedAt)),
      intervalMs: 200,
    },
  );
  expect(profile.PictureUrl).toBe(urlOf('M'));
  const sizes = { S: 48, M: 72, L: 200 } as const;
  for (const size of ['S', 'M', 'L'] as const) {
    const thumbnail = await m365.sharePoint.downloadFile(urlOf(size));
    expect(await sharp(thumbnail).metadata()).toMatchObject({
      width: sizes[size],
      height: sizes[size],
      format: 'jpeg',
    });
  }
  expect(Date.now() - startedAt).toBeLessThan(deadlineMs);
});
