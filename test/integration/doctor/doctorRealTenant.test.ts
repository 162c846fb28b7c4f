// `npm run doctor` on what can still go wrong on a real tenant (issue 10): a test user without a SharePoint profile
// or without an Exchange Online mailbox, a profile property an admin has not made editable, a My Site host with two
// picture folders, a clock too far off for the certificate assertion, a certificate that is not RSA. Each failure
// comes with a FIX line.

import { generate } from 'selfsigned';
import { runDoctor } from '../../../src/doctor/runDoctor';
import { checkCertificateKey } from '../../../src/doctor/checkCertificateAssertion';
import { formatDoctorReport } from '../../../src/doctor/formatDoctorReport';
import { startTestStack, type LocalStack } from '../../support/localStackFixture';

let stack: LocalStack;

beforeAll(async () => {
  // A host whose locale changed: the English folder from before, the German one SharePoint writes to now.
  stack = await startTestStack({
    emulator: { profilePicturesFolderName: 'Profilbilder', olderProfilePicturesFolderNames: ['Profile Pictures'] },
  });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const check = (report: Awaited<ReturnType<typeof runDoctor>>, id: string) => report.checks.find((c) => c.id === id);

it('reads a profile on the admin host, checks the key and the clock, and warns about two picture folders', async () => {
  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  const report = await runDoctor(stack.settings, { testUser: user?.userPrincipalName ?? '' });
  expect(report.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual(['mysite-folder']);
  expect(check(report, 'admin-profile-read')).toMatchObject({
    status: 'pass',
    detail: expect.stringMatching(/profile found/),
  });
  expect(check(report, 'certificate-key')).toMatchObject({ status: 'pass', detail: 'RSA 2048 bits' });
  expect(check(report, 'clock-skew')?.status).toBe('pass');
  expect(check(report, 'mysite-folder')).toMatchObject({
    status: 'warn',
    detail: expect.stringMatching(/2 picture folders.*Profilbilder.*Profile Pictures/),
  });
  expect(check(report, 'test-sharepoint')?.detail).toMatch(
    /set PictureURL, SPS-PicturePlaceholderState, SPS-PictureTimestamp, SPS-PictureExchangeSyncState/,
  );
  expect(formatDoctorReport(report)).toMatch(/^\s+FIX\s+Nothing to do while profiles show the photos/m);
});

it('fails a test user SharePoint has no profile for yet, saying writes will wait', async () => {
  const hire = stack.emulator.control.addUser({
    displayName: 'Doctor Hire',
    userPrincipalName: 'doctor.hire@contoso.com',
  });
  const report = await runDoctor(stack.settings, { testUser: hire.userPrincipalName });
  expect(check(report, 'test-sharepoint-profile')).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/waiting-for-profile/),
    fix: expect.stringMatching(/licence includes SharePoint/),
  });
  expect(check(report, 'test-sharepoint')).toBeUndefined();
});

it('fails a property an admin has not made editable, naming it and the setting', async () => {
  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  stack.emulator.control.setProfilePropertyEditable('SPS-PictureTimestamp', false);
  try {
    const report = await runDoctor(stack.settings, { testUser: user?.userPrincipalName ?? '' });
    expect(check(report, 'test-sharepoint')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^setting SPS-PictureTimestamp: 500 .*PropertyNotEditableException/),
      fix: expect.stringMatching(/Manage User Properties > SPS-PictureTimestamp > Edit/),
    });
  } finally {
    stack.emulator.control.setProfilePropertyEditable('SPS-PictureTimestamp', true);
  }
});

it("names Graph's answer for a test user without an Exchange Online mailbox", async () => {
  const noMailbox = stack.emulator.users.find((u) => u.mailbox === 'none');
  const bare = await runDoctor(stack.settings, { testUser: noMailbox?.userPrincipalName ?? '' });
  expect(check(bare, 'test-exchange')).toMatchObject({
    status: 'fail',
    fix: expect.stringMatching(/404 with no code.*waiting-for-mailbox.*no mail address/),
  });
  stack.emulator.control.setMailboxlessPhotoWrite('authenticationError');
  try {
    const coded = await runDoctor(stack.settings, { testUser: noMailbox?.userPrincipalName ?? '' });
    expect(check(coded, 'test-exchange')?.fix).toMatch(/AuthenticationError: this user has no Exchange Online mailbox/);
    // The SharePoint leg still runs for them.
    expect(check(coded, 'test-sharepoint')?.status).toBe('pass');
  } finally {
    stack.emulator.control.setMailboxlessPhotoWrite('bareNotFound');
  }
});

it('fails a clock too far off for the certificate assertion', async () => {
  const report = await runDoctor(stack.settings, { now: () => new Date(Date.now() + 10 * 60_000) });
  expect(check(report, 'clock-skew')).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/ahead.*AADSTS700024/),
    fix: expect.stringMatching(/NTP/),
  });
});

it('fails a certificate whose key is not RSA', async () => {
  const ec = await generate([{ name: 'commonName', value: 'EC certificate' }], { keyType: 'ec', algorithm: 'sha256' });
  expect(checkCertificateKey(ec.cert, ec.private)).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/certificate key ec.*RSA only/),
    fix: expect.stringMatching(/RSA certificate of 2048 bits/),
  });
});
