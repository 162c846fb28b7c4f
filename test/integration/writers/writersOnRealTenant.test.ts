// The writers in the local Functions host against the emulator's realistic defaults (issue 10, and "one person, one
// file" of issue 14): a guest's #EXT# UPN, two people the SharePoint naming convention would merge, a new hire
// without a SharePoint profile yet, a property an admin has not made editable, and each answer Graph is reported to
// give for a person without an Exchange Online mailbox. Each ends in a state an admin can read, never in the poison
// queue for something that only needs time.

import { createHash } from 'node:crypto';
import { mailboxlessPhotoWrites, type DemoUser, type MailboxlessPhotoWrite } from '../../../dev/m365-emulator';
import { fileUrl, thumbnailFileName } from '../../../src/m365/sharePointAccount';
import type { LocalStack } from '../../support/localStackFixture';
import {
  enqueue,
  poisonMessages,
  queueFreshPhoto,
  requestsTo,
  startWritersStack,
  waitForState,
  writeMessage,
  writeQueues,
} from './writerFixture';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startWritersStack();
});
afterAll(async () => {
  await stack?.stop();
});

const sha256 = (bytes: Buffer | undefined) => (bytes ? createHash('sha256').update(bytes).digest('hex') : 'none');

/** A person added to the directory now; `profile: true` gives them a SharePoint profile at once. */
function newPerson(upn: string, options: { profile: boolean; mailbox?: DemoUser['mailbox'] }): DemoUser {
  const user = stack.emulator.control.addUser(
    { displayName: upn, userPrincipalName: upn, mailbox: options.mailbox ?? 'exchangeOnline' },
    options.profile ? { sharePointProfile: 'now' } : {},
  );
  return { ...user, mail: user.mail, employeeId: user.employeeId };
}

function pictureUrlOf(upn: string): string {
  const folder = stack.emulator.profilePicturesFolderUrl;
  return fileUrl(stack.emulator.urls.mySiteUrl, folder, thumbnailFileName(upn, 'M'));
}

it("puts a guest's photo on SharePoint: #EXT# in the file name, percent-encoded in PictureURL", async () => {
  const guest = newPerson('jane_fabrikam.com#EXT#@contoso.onmicrosoft.com', { profile: true });
  const photo = await queueFreshPhoto(stack, guest, 'sharepoint');
  await waitForState(stack, guest.id, 'sharepoint', (s) => s.lastContentHash === photo.contentHash);
  const properties = stack.emulator.control.getProfileProperties(guest.userPrincipalName);
  expect(properties?.PictureURL).toBe(pictureUrlOf(guest.userPrincipalName));
  expect(properties?.PictureURL).toContain('%23ext%23');
  const medium = stack.emulator.control.getSharePointFile(thumbnailFileName(guest.userPrincipalName, 'M'));
  expect(sha256(medium)).toBe(sha256(photo.bytes.medium));
});

it('keeps the faces of a.b@ and a_b@ apart, though SharePoint would name both a_b_contoso_com', async () => {
  const dotted = newPerson('a.b@contoso.com', { profile: true });
  const underscored = newPerson('a_b@contoso.com', { profile: true });
  const first = await queueFreshPhoto(stack, dotted, 'sharepoint');
  await waitForState(stack, dotted.id, 'sharepoint', (s) => s.lastContentHash === first.contentHash);
  const second = await queueFreshPhoto(stack, underscored, 'sharepoint');
  await waitForState(stack, underscored.id, 'sharepoint', (s) => s.lastContentHash === second.contentHash);

  for (const [person, photo] of [
    [dotted, first],
    [underscored, second],
  ] as const) {
    const url = stack.emulator.control.getProfileProperties(person.userPrincipalName)?.PictureURL ?? '';
    const path = decodeURIComponent(new URL(url).pathname);
    expect(sha256(stack.emulator.control.getSharePointFile(path))).toBe(sha256(photo.bytes.medium));
  }
});

it('waits for a new hire without a SharePoint profile, uploading once, and finishes once SharePoint has one', async () => {
  const hire = newPerson('new.hire@contoso.com', { profile: false });
  const photo = await queueFreshPhoto(stack, hire, 'sharepoint');
  const waiting = await waitForState(stack, hire.id, 'sharepoint', (s) => s.lastOutcome === 'waiting');
  expect(waiting).toMatchObject({ lastErrorCode: 'waiting-for-profile', resumeContentHash: photo.contentHash });
  expect(waiting.lastErrorMessage).toMatch(/UserNotFoundException/);
  expect(await poisonMessages(stack, writeQueues.sharepoint)).toEqual([]);
  const uploads = requestsTo(stack, 'sp.files.add');

  // SharePoint provisions the profile; the waiting message comes back (here: delivered again at once).
  stack.emulator.control.provisionProfile(hire.userPrincipalName);
  await enqueue(stack, writeQueues.sharepoint, writeMessage(photo, 'sharepoint'));
  await waitForState(stack, hire.id, 'sharepoint', (s) => s.lastContentHash === photo.contentHash);
  expect(requestsTo(stack, 'sp.files.add')).toBe(uploads);
  expect(stack.emulator.control.getProfileProperties(hire.userPrincipalName)?.PictureURL).toBe(
    pictureUrlOf(hire.userPrincipalName),
  );
});

it('records a property an admin has not made editable once, naming it, without retries', async () => {
  const person = newPerson('locked.down@contoso.com', { profile: true });
  stack.emulator.control.setProfilePropertyEditable('SPS-PictureExchangeSyncState', false);
  try {
    const before = requestsTo(stack, 'sp.profile.set');
    await queueFreshPhoto(stack, person, 'sharepoint');
    const state = await waitForState(stack, person.id, 'sharepoint', (s) => s.lastOutcome === 'permanent-failure');
    expect(state.lastErrorCode).toBe('profile-property-not-editable');
    expect(state.lastErrorMessage).toMatch(/SPS-PictureExchangeSyncState.*Allow users to edit values/);
    // PictureURL, placeholder, timestamp and the refused one: no second round.
    expect(requestsTo(stack, 'sp.profile.set') - before).toBe(4);
    expect(await poisonMessages(stack, writeQueues.sharepoint)).toEqual([]);
  } finally {
    stack.emulator.control.setProfilePropertyEditable('SPS-PictureExchangeSyncState', true);
  }
});

describe('Exchange writes for a person without an Exchange Online mailbox', () => {
  const expected: Record<MailboxlessPhotoWrite, { outcome: string; code?: string }> = {
    nonExistentMailbox: { outcome: 'permanent-failure', code: 'no-exchange-mailbox' },
    authenticationError: { outcome: 'permanent-failure', code: 'no-exchange-mailbox' },
    bareNotFound: { outcome: 'waiting', code: 'waiting-for-mailbox' },
    notHostedInExchangeOnline: { outcome: 'permanent-failure', code: 'mailbox-on-premises' },
    accepted: { outcome: 'written' },
  };

  it.each(mailboxlessPhotoWrites)('end in a state an admin can read when Graph answers %s', async (answer) => {
    const person = newPerson(`no.mailbox.${answer.toLowerCase()}@contoso.com`, { profile: true, mailbox: 'none' });
    stack.emulator.control.setMailboxlessPhotoWrite(answer);
    await queueFreshPhoto(stack, person, 'exchange');
    const state = await waitForState(stack, person.id, 'exchange', (s) => s.lastOutcome === expected[answer].outcome);
    expect(state.lastErrorCode ?? '').toBe(expected[answer].code ?? '');
    expect(await poisonMessages(stack, writeQueues.exchange)).toEqual([]);
  });
});
