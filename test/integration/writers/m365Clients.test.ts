// The Microsoft 365 adapters against the emulator: MSAL with a certificate assertion and with a secret, Graph
// users and photos, $batch, SharePoint files and PeopleManager, error unwrapping and the shared retry policy.

import { ensureDevCertificateAuthority } from '../../../dev/devCertificates';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { createM365Clients, type M365Clients } from '../../../src/m365/createM365Clients';
import { demoUserWithMailbox, m365RequestFailure, solidJpeg } from '../../support/m365ClientTestHelpers';
import { emulatorM365Config } from './emulatorM365Config';

let emulator: M365Emulator;
let clients: M365Clients;

const fastRetry = { baseDelayMs: 10, maxDelayMs: 50 };

beforeAll(async () => {
  emulator = await startM365Emulator({
    ports: { login: 0, graph: 0, mySite: 0, admin: 0 },
    certificateAuthority: ensureDevCertificateAuthority(),
    profilePicturesFolderName: 'Profilbilder',
    // Protocol tests: the photo store's realism (read lag, re-encoding) has its own file, emulatorPhotoStore.test.ts.
    photoReadLagMs: 0,
    reencodePhotos: false,
  });
  clients = createM365Clients(emulatorM365Config(emulator), { retry: fastRetry });
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(() => {
  emulator.control.clearFaults();
  emulator.control.resetStats();
});

describe('Graph through the certificate-assertion token', () => {
  it('finds users by UPN, object id and employeeId, and pages through all of them', async () => {
    const adele = demoUserWithMailbox(emulator, 'exchangeOnline');
    expect(await clients.graph.getUser(adele.userPrincipalName)).toMatchObject({ id: adele.id });
    expect(await clients.graph.getUser(adele.id)).toMatchObject({ userPrincipalName: adele.userPrincipalName });
    expect(await clients.graph.getUser('nobody@contoso.com')).toBeUndefined();
    expect(await clients.graph.findUsersByEmployeeId(adele.employeeId ?? '')).toEqual([
      expect.objectContaining({ id: adele.id }),
    ]);
    const seen: string[] = [];
    for await (const page of clients.graph.listUsers({ pageSize: 3 })) seen.push(...page.map((u) => u.id));
    expect(seen.sort()).toEqual(emulator.users.map((u) => u.id).sort());
  });

  it('writes a photo that any Graph client reads back, with the ETag Graph reports', async () => {
    const target = demoUserWithMailbox(emulator, 'exchangeOnline');
    const photo = await solidJpeg('#884422');
    await clients.graph.putPhoto(target.id, photo);
    expect((await clients.graph.getPhotoContent(target.id)).equals(photo)).toBe(true);
    const metadata = await clients.graph.getPhotoMetadata(target.id);
    expect(metadata).toMatchObject({ width: 96, height: 96 });
    expect(metadata?.mediaEtag).toBe(emulator.control.getPhoto(target.id)?.mediaEtag);
  });

  it('reads photo metadata of many users in one $batch, with undefined for users without a photo', async () => {
    const withPhoto = demoUserWithMailbox(emulator, 'exchangeOnline');
    await clients.graph.putPhoto(withPhoto.id, await solidJpeg('#123456'));
    const noMailbox = demoUserWithMailbox(emulator, 'none');
    const result = await clients.graph.batchGetPhotoMetadata([withPhoto.id, noMailbox.id]);
    expect(result.get(withPhoto.id)).toMatchObject({ mediaEtag: emulator.control.getPhoto(withPhoto.id)?.mediaEtag });
    expect(result.has(noMailbox.id) && result.get(noMailbox.id)).toBeUndefined();
    expect(emulator.control.stats().byRoute).toEqual(expect.objectContaining({ 'graph POST batch': 1 }));
  });

  it("keeps Exchange's code and request id for a user without a mailbox", async () => {
    // The default answer (a bare 404) has no code to keep: this test needs the variant that has one.
    emulator.control.setMailboxlessPhotoWrite('nonExistentMailbox');
    const error = await m365RequestFailure(
      clients.graph.putPhoto(demoUserWithMailbox(emulator, 'none').id, await solidJpeg('#000000')),
    );
    expect(error).toMatchObject({ service: 'graph', status: 404, code: 'ErrorNonExistentMailbox', retryable: false });
    expect(error.requestId).toEqual(expect.any(String));
  });

  it('retries an injected 503 in process and succeeds', async () => {
    emulator.control.injectFault({ service: 'graph', method: 'GET', pathPattern: '/photo$', status: 503, times: 1 });
    const target = demoUserWithMailbox(emulator, 'exchangeOnline');
    await clients.graph.putPhoto(target.id, await solidJpeg('#445566'));
    await expect(clients.graph.getPhotoMetadata(target.id)).resolves.toMatchObject({ width: 96 });
    expect(emulator.control.stats().faults).toBe(1);
  });

  it('hands a long Retry-After back to the caller instead of sleeping it', async () => {
    emulator.control.injectFault({ service: 'graph', status: 429, retryAfterSeconds: 30, times: 1 });
    const started = Date.now();
    const error = await m365RequestFailure(clients.graph.getUser(demoUserWithMailbox(emulator, 'exchangeOnline').id));
    expect(error).toMatchObject({ status: 429, retryAfterMs: 30_000, retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on a call slower than the timeout with a retryable timeout error', async () => {
    const slow = createM365Clients(
      { ...emulatorM365Config(emulator), httpTimeoutMs: 300 },
      { retry: { ...fastRetry, maxTries: 1 } },
    );
    await slow.graph.getUser(demoUserWithMailbox(emulator, 'exchangeOnline').id);
    emulator.control.injectFault({ service: 'graph', delayMs: 800, times: 1 });
    const error = await m365RequestFailure(slow.graph.getUser(demoUserWithMailbox(emulator, 'exchangeOnline').id));
    expect(error).toMatchObject({ status: 0, retryable: true });
  });
});

describe('SharePoint', () => {
  it('finds the localised Profile Pictures folder, uploads a thumbnail and downloads it again', async () => {
    expect((await clients.sharePoint.profilePicturesFolder()).ServerRelativeUrl).toBe(
      emulator.profilePicturesFolderUrl,
    );
    const upn = demoUserWithMailbox(emulator, 'none').userPrincipalName;
    const bytes = await solidJpeg('#aa0000', 72);
    const url = await clients.sharePoint.uploadThumbnail(upn, 'M', bytes);
    expect(url).toMatch(new RegExp(`^${emulator.urls.mySiteUrl}/.*Profilbilder/.*_MThumb\\.jpg$`));
    expect((await clients.sharePoint.downloadFile(url)).equals(bytes)).toBe(true);
  });

  it('sets a profile property that GetPropertiesFor reads back', async () => {
    const upn = demoUserWithMailbox(emulator, 'exchangeOnline').userPrincipalName;
    const url = `${emulator.urls.mySiteUrl}${emulator.profilePicturesFolderUrl}/x_MThumb.jpg`;
    await clients.sharePoint.setProfileProperty(upn, 'PictureURL', url);
    expect(await clients.sharePoint.getPropertiesFor(upn)).toMatchObject({ PictureUrl: url });
  });

  it('fails fast with the certificate advice when only a client secret is configured', async () => {
    const withSecret = createM365Clients(emulatorM365Config(emulator, { credential: 'secret' }));
    await expect(withSecret.graph.getUser(demoUserWithMailbox(emulator, 'exchangeOnline').id)).resolves.toBeDefined();
    emulator.control.resetStats();
    const error = await m365RequestFailure(
      withSecret.sharePoint.uploadThumbnail('a@b.c', 'S', await solidJpeg('#000000', 48)),
    );
    expect(error).toMatchObject({ code: 'certificate-required', retryable: false });
    expect(error.message).toMatch(/SharePoint app-only needs a certificate/);
    expect(emulator.control.stats().requests).toBe(0);
  });

  it('shows why: SharePoint refuses a token obtained with a secret, and the error says so', async () => {
    const withSecret = createM365Clients(emulatorM365Config(emulator, { credential: 'secret' }), { retry: fastRetry });
    const url = `${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle('User%20Photos')/RootFolder/Folders`;
    const error = await m365RequestFailure(withSecret.transport.request('sharepoint', url));
    expect(error).toMatchObject({ service: 'sharepoint', status: 401, retryable: false });
    expect(error.message).toMatch(/Unsupported app only token/);
  });

  it('reports a refused permission with the SharePoint error unwrapped', async () => {
    const noRoles = createM365Clients(emulatorM365Config(emulator, { app: 'noRoles' }), { retry: fastRetry });
    const error = await m365RequestFailure(noRoles.sharePoint.profilePicturesFolder());
    expect(error).toMatchObject({ service: 'sharepoint', retryable: false });
    expect([401, 403]).toContain(error.status);
    expect(error.message.length).toBeGreaterThan(0);
  });
});
