// The removal adapters against the emulator: Graph's photo delete (`DELETE /users/{id}/photo/$value`, which only
// User.ReadWrite.All may call) and SharePoint's placeholder reset (thumbnails deleted in every Profile Pictures
// folder, PictureURL cleared, SPS-PicturePlaceholderState = 1), each safe to run again after a half-done run.

import { ensureDevCertificateAuthority } from '../../../dev/devCertificates';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { createM365Clients, type M365Clients } from '../../../src/m365/createM365Clients';
import { resetSharePointPhotoToPlaceholder } from '../../../src/m365/resetSharePointPhotoToPlaceholder';
import { thumbnailFileName, type ThumbnailSize } from '../../../src/m365/sharePointAccount';
import { demoUserWithMailbox, m365RequestFailure, solidJpeg } from '../../support/m365ClientTestHelpers';
import { emulatorM365Config } from '../writers/emulatorM365Config';

let emulator: M365Emulator;
let clients: M365Clients;
const sizes: ThumbnailSize[] = ['S', 'M', 'L'];

/** Writes the person's three thumbnails and picture properties as the SharePoint writer does. */
async function writeSharePointPhoto(upn: string): Promise<void> {
  for (const size of sizes) await clients.sharePoint.uploadThumbnail(upn, size, await solidJpeg('#336699', 48));
  await clients.sharePoint.setProfileProperty(upn, 'PictureURL', await clients.sharePoint.thumbnailUrl(upn, 'M'));
  await clients.sharePoint.setProfileProperty(upn, 'SPS-PicturePlaceholderState', '0');
}

function thumbnailsOf(upn: string): string[] {
  const names = sizes.map((size) => thumbnailFileName(upn, size).toLowerCase());
  return emulator.control
    .listSharePointFiles()
    .filter((path) => names.some((n) => path.toLowerCase().endsWith(`/${n}`)));
}

beforeAll(async () => {
  emulator = await startM365Emulator({
    ports: { login: 0, graph: 0, mySite: 0, admin: 0 },
    certificateAuthority: ensureDevCertificateAuthority(),
    // A host whose locale changed: photos may sit in either folder.
    olderProfilePicturesFolderNames: ['Profile Pictures'],
    profilePicturesFolderName: 'Profilbilder',
  });
  clients = createM365Clients(emulatorM365Config(emulator), { retry: { baseDelayMs: 10, maxDelayMs: 50 } });
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(() => {
  emulator.control.clearFaults();
});

describe('Graph photo delete', () => {
  it('deletes the photo, and a second delete reports there was none', async () => {
    const person = demoUserWithMailbox(emulator, 'exchangeOnline');
    await clients.graph.putPhoto(person.id, await solidJpeg('#aa5500'));
    expect(await clients.graph.deletePhoto(person.id)).toBe('deleted');
    // What Exchange holds (a Graph read right after may still lag behind it, as Microsoft warns for photo changes).
    expect(emulator.control.getPhoto(person.id)).toBeUndefined();
    expect(await clients.graph.deletePhoto(person.id)).toBe('none');
  });

  it('is refused to an app holding only ProfilePhoto.ReadWrite.All (Graph documents User.ReadWrite.All)', async () => {
    const person = demoUserWithMailbox(emulator, 'exchangeOnline');
    await clients.graph.putPhoto(person.id, await solidJpeg('#225588'));
    emulator.control.revokeRoles('photoSync', 'graph', ['User.ReadWrite.All']);
    const limited = createM365Clients(emulatorM365Config(emulator), { retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    try {
      const refused = await m365RequestFailure(limited.graph.deletePhoto(person.id));
      expect(refused).toMatchObject({ status: 403, code: 'ErrorAccessDenied', retryable: false });
      expect(emulator.control.getPhoto(person.id)).toBeDefined();
    } finally {
      emulator.control.grantRoles('photoSync', 'graph', ['User.ReadWrite.All']);
    }
    expect(await clients.graph.deletePhoto(person.id)).toBe('deleted');
  });

  it('says when Exchange Online holds nothing to delete: no mailbox, or a mailbox on-premises', async () => {
    emulator.control.setMailboxlessPhotoWrite('bareNotFound');
    expect(await clients.graph.deletePhoto(demoUserWithMailbox(emulator, 'none').id)).toBe('no-mailbox');
    emulator.control.setMailboxlessPhotoWrite('nonExistentMailbox');
    expect(await clients.graph.deletePhoto(demoUserWithMailbox(emulator, 'none').id)).toBe('no-mailbox');
    expect(await clients.graph.deletePhoto(demoUserWithMailbox(emulator, 'onPremises').id)).toBe('on-premises');
  });

  it('throws a throttled delete once retries are spent, leaving the photo for the next try', async () => {
    const person = demoUserWithMailbox(emulator, 'exchangeOnline');
    await clients.graph.putPhoto(person.id, await solidJpeg('#557711'));
    emulator.control.injectFault({
      service: 'graph',
      method: 'DELETE',
      pathPattern: '/photo/\\$value$',
      status: 503,
      code: 'ServiceUnavailable',
      times: Infinity,
    });
    const failed = await m365RequestFailure(clients.graph.deletePhoto(person.id));
    expect(failed).toMatchObject({ status: 503, retryable: true });
    expect(emulator.control.getPhoto(person.id)).toBeDefined();
    emulator.control.clearFaults();
    expect(await clients.graph.deletePhoto(person.id)).toBe('deleted');
  });
});

describe('SharePoint back to its placeholder', () => {
  it('deletes the three thumbnails, clears PictureURL and shows the placeholder', async () => {
    const upn = demoUserWithMailbox(emulator, 'exchangeOnline').userPrincipalName;
    await writeSharePointPhoto(upn);
    expect(thumbnailsOf(upn)).toHaveLength(3);

    expect(await resetSharePointPhotoToPlaceholder(clients.sharePoint, upn)).toEqual({
      thumbnailsDeleted: 3,
      profile: 'reset',
    });
    expect(thumbnailsOf(upn)).toEqual([]);
    expect(emulator.control.getProfileProperties(upn)).toMatchObject({
      PictureURL: '',
      'SPS-PicturePlaceholderState': '1',
    });
    const read = await clients.sharePoint.getPropertiesFor(upn);
    expect(read?.PictureUrl).toBeNull();
  });

  it('deletes thumbnails left in the older locale folder too, and touches nobody else', async () => {
    const upn = demoUserWithMailbox(emulator, 'exchangeOnline').userPrincipalName;
    const other = demoUserWithMailbox(emulator, 'none').userPrincipalName;
    await writeSharePointPhoto(other);
    const older = await solidJpeg('#111111', 48);
    // What a write before the locale change left behind, straight into the older folder.
    const token = await clients.auth.getToken(emulator.urls.mySiteUrl);
    const upload = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativePath(decodedurl='/User Photos/Profile Pictures')` +
        `/Files/AddUsingPath(decodedurl='${thumbnailFileName(upn, 'M')}',overwrite=true)`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' }, body: older },
    );
    expect(upload.status).toBe(200);
    expect(thumbnailsOf(upn)).toEqual([`/User Photos/Profile Pictures/${thumbnailFileName(upn, 'M')}`]);

    expect((await resetSharePointPhotoToPlaceholder(clients.sharePoint, upn)).thumbnailsDeleted).toBe(1);
    expect(thumbnailsOf(upn)).toEqual([]);
    expect(thumbnailsOf(other)).toHaveLength(3);
  });

  it('finishes on a second run after failing part-way through the deletes', async () => {
    const upn = demoUserWithMailbox(emulator, 'exchangeOnline').userPrincipalName;
    await writeSharePointPhoto(upn);
    emulator.control.injectFault({
      service: 'mySite',
      method: 'POST',
      pathPattern: 'GetFileByServerRelativePath.*LThumb',
      status: 500,
      code: '-1, System.InvalidOperationException',
      times: Infinity,
    });
    await expect(resetSharePointPhotoToPlaceholder(clients.sharePoint, upn)).rejects.toMatchObject({ status: 500 });
    // The profile already shows the placeholder: nothing points at the thumbnail still there.
    expect(emulator.control.getProfileProperties(upn)).toMatchObject({
      PictureURL: '',
      'SPS-PicturePlaceholderState': '1',
    });
    expect(thumbnailsOf(upn).length).toBeGreaterThan(0);
    emulator.control.clearFaults();
    await resetSharePointPhotoToPlaceholder(clients.sharePoint, upn);
    expect(thumbnailsOf(upn)).toEqual([]);
  });

  it('deletes the files of a person SharePoint has no profile for yet', async () => {
    const hire = emulator.control.addUser({ displayName: 'New Hire', userPrincipalName: 'new.hire@contoso.com' });
    for (const size of sizes) {
      await clients.sharePoint.uploadThumbnail(hire.userPrincipalName, size, await solidJpeg('#999999', 48));
    }
    expect(await resetSharePointPhotoToPlaceholder(clients.sharePoint, hire.userPrincipalName)).toEqual({
      thumbnailsDeleted: 3,
      profile: 'no-profile',
    });
    expect(thumbnailsOf(hire.userPrincipalName)).toEqual([]);
  });

  it('refuses a file delete without If-Match, as the REST reference requires it', async () => {
    const upn = demoUserWithMailbox(emulator, 'exchangeOnline').userPrincipalName;
    await writeSharePointPhoto(upn);
    const token = await clients.auth.getToken(emulator.urls.mySiteUrl);
    const [path] = thumbnailsOf(upn);
    if (!path) throw new Error('the writer left no thumbnail');
    const response = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/GetFileByServerRelativePath(decodedurl='${encodeURI(path)}')`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-http-method': 'DELETE' } },
    );
    expect(response.status).toBe(412);
    expect(emulator.control.getSharePointFile(path)).toBeDefined();
  });
});
