// Removal against the local stack, as HR does it: the Remove button and its confirmation step in a real browser
// (headless Chromium), a removal request file dropped in photos-incoming, a removal that half-fails and is finished
// by its retries while the page shows why it is still trying, and the retention of a person who left the directory.
// "Removed" is checked where it matters: Graph has no photo, SharePoint shows its placeholder with no thumbnail left,
// our containers hold nothing of the person, and the audit record says who asked, when and why, without the photo.

import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { thumbnailFileName } from '../../../src/m365/sharePointAccount';
import { containers, tables } from '../../../src/storage/names';
import type { HeadlessBrowser } from '../../support/headlessChromium';
import { waitFor, type LocalStack } from '../../support/localStackFixture';
import {
  closeStatusPage,
  demoUser as demoUserOf,
  dropIncoming,
  fetchPersonStatus,
  openStatusPage,
  saveScreenshot,
  searchLabel,
} from './statusPageFixture';

let stack: LocalStack;
let browser: HeadlessBrowser;
let page: Page;
let statusUrl: string;

const slow = { timeoutMs: 30_000, intervalMs: 250 };

const demoUser = (givenName: string) => demoUserOf(stack, givenName);
const blobs = () => BlobServiceClient.fromConnectionString(stack.storageConnectionString);
const drop = (name: string, bytes: Buffer, metadata: Record<string, string> = {}) =>
  dropIncoming(stack, name, bytes, metadata);

const photo = (colour: string) =>
  sharp({ create: { width: 800, height: 800, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();

interface ApiStatus {
  targets: { target: string; state: string }[];
  removal?: { state: string; text: string; requestedBy: string; reason: string; lastErrorCode?: string };
  protectedAccount: boolean;
}

const apiStatus = (q: string) => fetchPersonStatus<ApiStatus>(statusUrl, q);

async function writtenEverywhere(upn: string, colour: string): Promise<void> {
  await drop(`${upn}.jpg`, await photo(colour));
  await waitFor(async () => (await apiStatus(upn)).targets.every((t) => t.state === 'written'), {
    what: `${upn}'s photo written to both targets`,
    ...slow,
  });
}

/** Every blob of ours that belongs to the person: renditions, and archived originals tagged with their id. */
async function storedBlobsOf(userId: string): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of blobs()
    .getContainerClient(containers.processed)
    .listBlobsFlat({ prefix: `${userId}/` })) {
    found.push(`${containers.processed}/${blob.name}`);
  }
  for await (const blob of blobs().getContainerClient(containers.archive).listBlobsFlat({ includeMetadata: true })) {
    if (blob.metadata?.userid === userId) found.push(`${containers.archive}/${blob.name}`);
  }
  return found;
}

function thumbnailsOf(upn: string): string[] {
  const names = (['S', 'M', 'L'] as const).map((size) => thumbnailFileName(upn, size).toLowerCase());
  return stack.emulator.control
    .listSharePointFiles()
    .filter((path) => names.some((n) => path.toLowerCase().endsWith(`/${n}`)));
}

async function auditRecords(userId: string): Promise<Record<string, unknown>[]> {
  const table = TableClient.fromConnectionString(stack.storageConnectionString, tables.photoRemovals, {
    allowInsecureConnection: true,
  });
  const records: Record<string, unknown>[] = [];
  for await (const entity of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${userId}'` } })) {
    records.push(entity);
  }
  return records;
}

/** Nothing of the photo is left anywhere but the audit record. */
async function expectNoTrace(user: { id: string; userPrincipalName: string }): Promise<void> {
  expect(stack.emulator.control.getPhoto(user.id)).toBeUndefined();
  expect(thumbnailsOf(user.userPrincipalName)).toEqual([]);
  expect(stack.emulator.control.getProfileProperties(user.userPrincipalName)).toMatchObject({
    PictureURL: '',
    'SPS-PicturePlaceholderState': '1',
  });
  expect(await storedBlobsOf(user.id)).toEqual([]);
}

const screenshot = (name: string) => saveScreenshot(page, name);

// Diego is a protected account: a member of the group PROTECTED_ACCOUNTS_GROUP_ID names.
const protectedGroupId = randomUUID();

beforeAll(async () => {
  ({ stack, browser, page, statusUrl } = await openStatusPage({
    extraSettings: { PROTECTED_ACCOUNTS_GROUP_ID: protectedGroupId },
  }));
  stack.emulator.control.addGroupMember(protectedGroupId, demoUser('Diego').id);
});

afterAll(() => closeStatusPage({ stack, browser }));

it('removes a photo from the page after its confirmation step, leaving only the audit record', async () => {
  const adele = demoUser('Adele');
  await writtenEverywhere(adele.userPrincipalName, '#2266aa');
  expect(await storedBlobsOf(adele.id)).not.toEqual([]);

  await page.goto(statusUrl);
  await page.getByLabel(searchLabel).fill(adele.userPrincipalName);
  await page.getByRole('button', { name: 'Show photos' }).click();
  await page.getByRole('link', { name: 'Remove the photo of Adele Vance…' }).click();
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Remove the photo of Adele Vance?');
  // Leaving the confirmation step without confirming changes nothing.
  expect(stack.emulator.control.getPhoto(adele.id)).toBeDefined();
  await page.getByLabel('Why (kept in the audit record)').fill('Privacy request from the employee');
  await screenshot('status-remove.png');
  await page.getByRole('button', { name: 'Remove the photo of Adele Vance' }).click();
  await page.waitForURL(/done=removal-requested/);
  await expect(page.getByRole('status').textContent()).resolves.toContain('removal was asked for');

  await waitFor(async () => (await apiStatus(adele.id)).removal?.state === 'removed', {
    what: "Adele's removal completed",
    ...slow,
  });
  await expectNoTrace(adele);

  await page.reload();
  await expect(page.locator('[data-removal]').getAttribute('data-removal')).resolves.toBe('removed');
  // The URL still says done=removal-requested: the notice now says the removal finished, not that it was asked for.
  expect(page.url()).toMatch(/done=removal-requested/);
  const finished = await page.getByRole('status').textContent();
  expect(finished).toContain('The removal is done');
  expect(finished).not.toContain('asked for');
  await expect(page.locator('section[aria-labelledby="h-removal"]').textContent()).resolves.toContain(
    'Privacy request from the employee',
  );
  await page.waitForFunction('[...document.images].every((img) => img.complete)');
  await screenshot('status-removed.png');
  const states = await Promise.all(
    (await page.locator('[data-state]').all()).map((el) => el.getAttribute('data-state')),
  );
  expect(states).toEqual(['removed', 'removed']);

  const [record, ...more] = await auditRecords(adele.id);
  expect(more).toEqual([]);
  expect(record).toMatchObject({
    userPrincipalName: adele.userPrincipalName,
    requestedBy: 'localhost',
    via: 'status-page',
    reason: 'Privacy request from the employee',
    status: 'completed',
    exchange: 'deleted',
    sharePoint: 'reset',
    thumbnailsDeleted: 3,
  });
  expect(record?.storedPhotosDeleted).toBeGreaterThanOrEqual(5);
  // Who, whom, when, why and what went: never the photo, its hash or where it was.
  expect(JSON.stringify(record)).not.toMatch(/[0-9a-f]{64}|photos-|\.jpg/);
});

it('refuses a removal that is not confirmed, or of an unknown person, and changes nothing', async () => {
  const alex = demoUser('Alex');
  await writtenEverywhere(alex.userPrincipalName, '#aa2266');
  const unconfirmed = await fetch(`${statusUrl}/people/${alex.id}/remove`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'no confirm' }),
  });
  expect(unconfirmed.status).toBe(400);
  expect(((await unconfirmed.json()) as { error: { code: string } }).error.code).toBe('not-confirmed');

  const unknown = await fetch(`${statusUrl}/people/00000000-0000-4000-8000-000000000000/remove`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ confirm: true }),
  });
  expect(unknown.status).toBe(404);

  expect(stack.emulator.control.getPhoto(alex.id)).toBeDefined();
  expect(thumbnailsOf(alex.userPrincipalName)).toHaveLength(3);
  expect(await auditRecords(alex.id)).toEqual([]);
  expect((await apiStatus(alex.id)).targets.map((t) => t.state)).toEqual(['written', 'written']);
});

it("refuses, in the browser and the API, to remove a protected account's photo, and changes nothing", async () => {
  const diego = demoUser('Diego');
  // His photo, as an administrator set it in Exchange: not the pipeline's to change.
  await stack.emulator.control.changePhotoAsUser(diego.id, await photo('#22aa66'));

  await page.goto(`${statusUrl}/people/${diego.id}/remove`);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
    'The photo of Diego Siciliani cannot be removed here',
  );
  await expect(page.getByRole('alert').textContent()).resolves.toContain('protected account');
  // The reason and a way back: no button that would only fail.
  expect(await page.getByRole('button').count()).toBe(0);
  await page.getByRole('link', { name: 'Back to Diego Siciliani' }).click();
  await page.waitForURL(new RegExp(`q=${diego.id}`));
  // His own page says why and offers no removal that would only be refused.
  await expect(page.locator('[data-protected]').textContent()).resolves.toContain('protected account');
  expect(await page.getByRole('link', { name: /^Remove the photo of/ }).count()).toBe(0);
  expect((await apiStatus(diego.id)).protectedAccount).toBe(true);

  const asked = await fetch(`${statusUrl}/people/${diego.id}/remove`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ confirm: true, reason: 'should not happen' }),
  });
  expect(asked.status).toBe(403);
  expect(((await asked.json()) as { error: { code: string } }).error.code).toBe('protected-account');
  expect(stack.emulator.control.getPhoto(diego.id)).toBeDefined();
  expect(await auditRecords(diego.id)).toEqual([]);
});

it('takes a removal request file: the named person is removed, a file naming nobody is rejected with why', async () => {
  const grady = demoUser('Grady');
  await writtenEverywhere(grady.userPrincipalName, '#22aa66');
  await drop(`${grady.employeeId}.remove`, Buffer.from('Left the company\n'), { requestedby: 'hr.ops@contoso.com' });
  await drop('nobody.here@contoso.example.remove', Buffer.from(''));

  await waitFor(async () => (await apiStatus(grady.id)).removal?.state === 'removed', {
    what: "Grady's removal from a request file",
    ...slow,
  });
  await expectNoTrace(grady);
  expect(await auditRecords(grady.id)).toEqual([
    expect.objectContaining({
      requestedBy: 'hr.ops@contoso.com',
      via: `removal-file:${grady.employeeId}.remove`,
      reason: 'Left the company',
    }),
  ]);

  const reason = await waitFor(
    async () => {
      const blob = blobs()
        .getContainerClient(containers.rejected)
        .getBlobClient('nobody.here@contoso.example.remove.error.json');
      return (await blob.exists()) && (JSON.parse((await blob.downloadToBuffer()).toString()) as { code: string });
    },
    { what: 'the unknown removal request rejected', ...slow },
  );
  expect(reason.code).toBe('unknown-user');
  const incoming: string[] = [];
  for await (const blob of blobs().getContainerClient(containers.incoming).listBlobsFlat()) incoming.push(blob.name);
  expect(incoming).toEqual([]);
});

it('shows a removal that half-failed as still trying, with why, and finishes it once SharePoint answers', async () => {
  const johanna = demoUser('Johanna');
  await writtenEverywhere(johanna.userPrincipalName, '#6622aa');
  stack.emulator.control.injectFault({
    service: 'mySite',
    method: 'POST',
    pathPattern: 'GetFileByServerRelativePath',
    status: 500,
    code: '-1, System.InvalidOperationException',
    message: 'Operation is not valid due to the current state of the object.',
    times: Infinity,
  });
  const asked = await fetch(`${statusUrl}/people/${johanna.id}/remove`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ confirm: true, reason: 'Wrong photo' }),
  });
  expect(asked.status).toBe(202);

  const trying = await waitFor(
    async () => {
      const removal = (await apiStatus(johanna.id)).removal;
      return removal?.state === 'removing' && removal.lastErrorCode ? removal : undefined;
    },
    { what: 'the removal recorded as still trying', ...slow },
  );
  expect(trying.text).toContain('still trying');
  // The Graph photo went first and stays gone; the writers' rows already say removed.
  expect(stack.emulator.control.getPhoto(johanna.id)).toBeUndefined();

  stack.emulator.control.clearFaults();
  await waitFor(async () => (await apiStatus(johanna.id)).removal?.state === 'removed', {
    what: "Johanna's removal finished by a retry",
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  await expectNoTrace(johanna);
});

it('deletes the stored photos of a person who left the directory once the retention has passed', async () => {
  const isaiah = demoUser('Isaiah');
  await writtenEverywhere(isaiah.userPrincipalName, '#aa6622');
  stack.emulator.control.deleteUser(isaiah.id);

  await stack.host.triggerTimer('purgeDepartedPeople');
  const [scheduled] = await auditRecords(isaiah.id);
  expect(scheduled).toMatchObject({ status: 'scheduled', requestedBy: 'retention policy', via: 'retention' });
  const dueAt = Date.parse(String(scheduled?.dueAt));
  expect(dueAt - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);
  expect(await storedBlobsOf(isaiah.id)).not.toEqual([]);

  // The retention is over (the record's due date moved into the past, as 30 days would).
  const table = TableClient.fromConnectionString(stack.storageConnectionString, tables.photoRemovals, {
    allowInsecureConnection: true,
  });
  await table.updateEntity(
    { partitionKey: isaiah.id, rowKey: 'retention', dueAt: new Date(Date.now() - 1000).toISOString() },
    'Merge',
  );
  await stack.host.triggerTimer('purgeDepartedPeople');
  await waitFor(async () => (await auditRecords(isaiah.id))[0]?.status === 'completed', {
    what: "Isaiah's photos deleted after the retention",
    ...slow,
  });
  expect(await storedBlobsOf(isaiah.id)).toEqual([]);
  expect(thumbnailsOf(isaiah.userPrincipalName)).toEqual([]);
  expect((await auditRecords(isaiah.id))[0]).toMatchObject({ exchange: 'not-in-directory' });
});
