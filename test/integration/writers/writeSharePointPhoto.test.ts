// writeSharePointPhoto in the local Functions host, against Azurite and the emulator's My Site and admin hosts.

import { createM365Clients } from '../../../src/m365/createM365Clients';
import type { SharePointClient } from '../../../src/m365/SharePointClient';
import { thumbnailFileName } from '../../../src/m365/sharePointAccount';
import { queues } from '../../../src/storage/names';
import type { LocalStack } from '../../support/localStackFixture';
import { emulatorM365Config } from './emulatorM365Config';
import {
  deliverTwice,
  demoUser,
  poisonMessages,
  queueFreshPhoto,
  requestsTo,
  startWritersStack,
  stateStore,
  waitForState,
} from './writerFixture';

const queue = queues.sharePointPhotoWrites;
let stack: LocalStack;
let sharePoint: SharePointClient;

beforeAll(async () => {
  stack = await startWritersStack();
  sharePoint = createM365Clients(emulatorM365Config(stack.emulator)).sharePoint;
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  stack.emulator.control.clearFaults();
  stack.emulator.control.setThrottling({ service: 'sharepoint' });
});

function thumbnailUrl(upn: string, size: 'S' | 'M' | 'L'): string {
  return new URL(
    `${stack.emulator.profilePicturesFolderUrl}/${thumbnailFileName(upn, size)}`,
    stack.emulator.urls.mySiteUrl,
  ).href;
}

it('uploads the three thumbnails and sets PictureURL to the medium one, for a user without a mailbox too', async () => {
  for (const user of [demoUser(stack, 'exchangeOnline', 0), demoUser(stack, 'none')]) {
    const photo = await queueFreshPhoto(stack, user, 'sharepoint');
    await waitForState(stack, user.id, 'sharepoint', (s) => s.lastContentHash === photo.contentHash);
    const upn = user.userPrincipalName;
    expect((await sharePoint.downloadFile(thumbnailUrl(upn, 'S'))).equals(photo.bytes.small)).toBe(true);
    expect((await sharePoint.downloadFile(thumbnailUrl(upn, 'M'))).equals(photo.bytes.medium)).toBe(true);
    expect((await sharePoint.downloadFile(thumbnailUrl(upn, 'L'))).equals(photo.bytes.large)).toBe(true);
    const profile = await sharePoint.getPropertiesFor(upn);
    expect(profile).toMatchObject({ PictureUrl: thumbnailUrl(upn, 'M') });
    const properties = stack.emulator.control.getProfileProperties(upn);
    expect(properties).toMatchObject({ 'SPS-PicturePlaceholderState': '0', 'SPS-PictureExchangeSyncState': '0' });
    expect(Number(properties?.['SPS-PictureTimestamp'])).toBeGreaterThan(Date.now() / 1000 - 600);
  }
});

it('does not upload again for a duplicate message', async () => {
  const uploads = await deliverTwice(stack, demoUser(stack, 'exchangeOnline', 1), 'sharepoint', 'POST sp.files.add');
  expect(uploads.afterWrite).toBeGreaterThanOrEqual(3);
  expect(uploads.afterRedelivery).toBe(uploads.afterWrite);
});

it('waits out a Retry-After in the middle of a photo instead of handing it back to upload again', async () => {
  const user = demoUser(stack, 'exchangeOnline', 2);
  const uploadsBefore = requestsTo(stack, 'POST sp.files.add');
  stack.emulator.control.injectFault({
    service: 'sharepoint',
    method: 'POST',
    pathPattern: 'Files/add',
    status: 429,
    retryAfterSeconds: 6,
  });
  const photo = await queueFreshPhoto(stack, user, 'sharepoint');
  await waitForState(stack, user.id, 'sharepoint', (s) => s.lastContentHash === photo.contentHash, {
    timeoutMs: 30_000,
  });
  // 6 s is past the 5 s a Retry-After may hold a writer, but the photo's calls had begun (they are reserved
  // together): rescheduling would repeat them, so the writer waits. 3 uploads and the one refused, nothing more.
  expect(requestsTo(stack, 'POST sp.files.add') - uploadsBefore).toBe(4);
  expect(await stateStore(stack).get(user.id, 'sharepoint')).toMatchObject({ lastOutcome: 'written' });
  expect(await poisonMessages(stack, queue)).toHaveLength(0);
});

it('survives injected 5xx faults on the admin host through retries', async () => {
  const user = demoUser(stack, 'exchangeOnline', 3);
  stack.emulator.control.injectFault({ service: 'admin', status: 500, times: 1 });
  stack.emulator.control.injectFault({ service: 'admin', status: 503, times: 1 });
  const photo = await queueFreshPhoto(stack, user, 'sharepoint');
  await waitForState(stack, user.id, 'sharepoint', (s) => s.lastContentHash === photo.contentHash);
  expect(stack.emulator.control.stats().faults).toBeGreaterThanOrEqual(2);
  expect(await sharePoint.getPropertiesFor(user.userPrincipalName)).toMatchObject({
    PictureUrl: thumbnailUrl(user.userPrincipalName, 'M'),
  });
});
