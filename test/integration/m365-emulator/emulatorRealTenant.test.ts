// The emulator behaves as a real tenant does where that is harsh (see /work/shared/real-tenant.md and
// docs/m365-emulator.md): profiles only once provisioned, profile errors as 500s naming SharePoint's exception,
// `User.ReadWrite.All` for profile writes, `#`/`%` only through the ResourcePath APIs, a localised library title and
// two picture folders, resource units, best-effort RateLimit headers, the PeopleManager tenant cap, and each
// reported answer for photo writes of people without an Exchange Online mailbox.

import sharp from 'sharp';
import {
  mailboxlessPhotoWrites,
  sharePointAppBudget,
  startM365Emulator,
  type M365Emulator,
} from '../../../dev/m365-emulator';
import { accessToken, bearer } from './emulatorClients';

let emulator: M365Emulator;
let mySiteToken: string;
let adminToken: string;
let graphToken: string;

beforeAll(async () => {
  emulator = await startM365Emulator({
    seed: 'demo',
    userPhotosLibraryTitle: 'Photos des utilisateurs',
    profilePicturesFolderName: 'Images du profil',
    olderProfilePicturesFolderNames: ['Profile Pictures'],
    // Protocol tests: the photo store's realism (read lag, re-encoding) has its own file, emulatorPhotoStore.test.ts.
    photoReadLagMs: 0,
    reencodePhotos: false,
  });
  mySiteToken = await accessToken(emulator, { resource: emulator.urls.mySiteUrl });
  adminToken = await accessToken(emulator, { resource: emulator.urls.adminSiteUrl });
  graphToken = await accessToken(emulator, { resource: emulator.urls.graphBaseUrl });
});
afterAll(async () => {
  await emulator.close();
});

const nometadata = 'application/json;odata=nometadata';
const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
const account = (upn: string) => `i:0#.f|membership|${upn}`;

function setProperty(
  upn: string,
  propertyName: string,
  propertyValue: string,
  accept = nometadata,
  token = adminToken,
) {
  return fetch(`${emulator.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty`, {
    method: 'POST',
    headers: bearer(token, { accept, 'content-type': 'application/json' }),
    body: JSON.stringify({ accountName: account(upn), propertyName, propertyValue }),
  });
}

function getPropertiesFor(upn: string) {
  return fetch(
    `${emulator.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v=${encodeURIComponent(quote(account(upn)))}`,
    { headers: bearer(adminToken, { accept: nometadata }) },
  );
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as Record<string, { code: string; message: { value: string } }>;
  const error = body['odata.error'] ?? body.error;
  return { status: response.status, code: error?.code ?? '', message: error?.message.value ?? '' };
}

describe('SharePoint user profiles', () => {
  it('exist only once provisioned: a new user gets UserNotFoundException (500) until SharePoint creates one', async () => {
    const user = emulator.control.addUser({ displayName: 'New Hire', userPrincipalName: 'new.hire@contoso.com' });
    expect(await errorOf(await setProperty(user.userPrincipalName, 'PictureURL', 'x'))).toEqual({
      status: 500,
      code: '-1, Microsoft.Office.Server.UserProfiles.UserNotFoundException',
      message: 'User Profile Error 1000: User Not Found: Could not load profile data from the database.',
    });
    const read = await getPropertiesFor(user.userPrincipalName);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ 'odata.null': true });
    expect(emulator.control.getProfileProperties(user.userPrincipalName)).toBeUndefined();

    emulator.control.provisionProfile(user.userPrincipalName);
    expect((await setProperty(user.userPrincipalName, 'PictureURL', 'x')).status).toBe(200);
    expect(emulator.control.getProfileProperties(user.userPrincipalName)).toMatchObject({ PictureURL: 'x' });
  });

  it('appear after the configured delay for people created through Graph', async () => {
    // Its own emulator: moving the clock would put every later client assertion outside its validity.
    const own = await startM365Emulator({ seed: 'none', profileProvisioningDelayMs: 30 * 60_000 });
    try {
      own.control.grantRoles('photoSync', 'graph', ['User.ReadWrite.All']);
      const graph = await accessToken(own, { resource: own.urls.graphBaseUrl });
      const admin = await accessToken(own, { resource: own.urls.adminSiteUrl });
      const created = await fetch(`${own.urls.graphBaseUrl}/v1.0/users`, {
        method: 'POST',
        headers: bearer(graph, { 'content-type': 'application/json' }),
        body: JSON.stringify({ displayName: 'Later Hire', userPrincipalName: 'later.hire@contoso.com' }),
      });
      expect(created.status).toBe(201);
      const set = () =>
        fetch(`${own.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty`, {
          method: 'POST',
          headers: bearer(admin, { accept: nometadata, 'content-type': 'application/json' }),
          body: JSON.stringify({
            accountName: account('later.hire@contoso.com'),
            propertyName: 'PictureURL',
            propertyValue: 'x',
          }),
        });
      expect((await set()).status).toBe(500);
      own.control.advanceClock(20 * 60_000);
      expect((await set()).status).toBe(500);
      own.control.advanceClock(10 * 60_000);
      expect((await set()).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('answer 500 PropertyNotEditableException for a property an admin has not made editable', async () => {
    const upn = emulator.users[0]?.userPrincipalName ?? '';
    emulator.control.setProfilePropertyEditable('SPS-PictureTimestamp', false);
    try {
      expect(await errorOf(await setProperty(upn, 'SPS-PictureTimestamp', '1'))).toEqual({
        status: 500,
        code: '-1, Microsoft.Office.Server.UserProfiles.PropertyNotEditableException',
        message: 'Property Not Editable: This property can only be modified by an administrator.',
      });
      // The same in the verbose shape: {"error":{…}}.
      const verbose = await setProperty(upn, 'SPS-JobTitle', 'x', 'application/json;odata=verbose');
      expect(verbose.status).toBe(500);
      expect(((await verbose.json()) as { error: { code: string } }).error.code).toMatch(
        /PropertyNotEditableException$/,
      );
    } finally {
      emulator.control.setProfilePropertyEditable('SPS-PictureTimestamp', true);
    }
    expect((await setProperty(upn, 'SPS-PictureTimestamp', '1')).status).toBe(200);
  });

  it('answer 500 for a property that does not exist', async () => {
    const failure = await errorOf(await setProperty(emulator.users[0]?.userPrincipalName ?? '', 'NoSuchThing', 'x'));
    expect(failure).toMatchObject({
      status: 500,
      code: '-1, Microsoft.Office.Server.UserProfiles.PropertyNotFoundException',
    });
    expect(failure.message).toContain('NoSuchThing');
  });
});

describe('SharePoint files', () => {
  const jpeg = () =>
    sharp({ create: { width: 48, height: 48, channels: 3, background: '#884422' } })
      .jpeg()
      .toBuffer();
  const guestName = 'jane_fabrikam.com#EXT#_contoso_onmicrosoft_com_MThumb.jpg';

  it('refuses # and % in Files/add(url=…) but stores them through AddUsingPath(decodedurl=…)', async () => {
    const folder = emulator.profilePicturesFolderUrl;
    const bytes = await jpeg();
    const folderByPath = `${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativePath(decodedurl=${encodeURIComponent(quote(folder))})`;
    for (const name of [guestName, '100%_MThumb.jpg']) {
      const add = await fetch(`${folderByPath}/Files/add(url=${encodeURIComponent(quote(name))},overwrite=true)`, {
        method: 'POST',
        headers: bearer(mySiteToken, { accept: nometadata, 'content-type': 'image/jpeg' }),
        body: bytes,
      });
      expect((await errorOf(add)).status).toBe(400);
    }
    const added = await fetch(
      `${folderByPath}/Files/AddUsingPath(decodedurl=${encodeURIComponent(quote(guestName))},overwrite=true)`,
      {
        method: 'POST',
        headers: bearer(mySiteToken, { accept: nometadata, 'content-type': 'image/jpeg' }),
        body: bytes,
      },
    );
    expect(added.status).toBe(200);
    expect(((await added.json()) as { Name: string }).Name).toBe(guestName);
    const path = `${folder}/${guestName}`;
    const byPath = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/GetFileByServerRelativePath(decodedurl=${encodeURIComponent(quote(path))})/$value`,
      { headers: bearer(mySiteToken) },
    );
    expect(Buffer.from(await byPath.arrayBuffer()).equals(bytes)).toBe(true);
    // The string API reads `#` as the end of the path.
    const byUrl = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/GetFileByServerRelativeUrl(${encodeURIComponent(quote(path))})/$value`,
      { headers: bearer(mySiteToken) },
    );
    expect(byUrl.status).toBe(404);
    // A percent-encoded link (what PictureURL must be) reaches the file.
    const link = `${emulator.urls.mySiteUrl}${path.split('/').map(encodeURIComponent).join('/')}`;
    const plain = await fetch(link, { headers: bearer(mySiteToken) });
    expect(Buffer.from(await plain.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('finds the library by URL when its title is localised, with both picture folders of a changed locale', async () => {
    const byTitle = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle('User%20Photos')/RootFolder/Folders`,
      { headers: bearer(mySiteToken, { accept: nometadata }) },
    );
    expect(byTitle.status).toBe(404);
    const localisedTitle = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle(${encodeURIComponent(quote('Photos des utilisateurs'))})/RootFolder/Folders`,
      { headers: bearer(mySiteToken, { accept: nometadata }) },
    );
    expect(localisedTitle.status).toBe(200);
    const byUrl = await fetch(
      `${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativePath(decodedurl=${encodeURIComponent(quote('/User Photos'))})/Folders`,
      { headers: bearer(mySiteToken, { accept: nometadata }) },
    );
    const folders = ((await byUrl.json()) as { value: { Name: string; TimeLastModified: string }[] }).value;
    expect(folders.map((f) => f.Name).sort()).toEqual(['Forms', 'Images du profil', 'Profile Pictures']);
    expect(folders.every((f) => !Number.isNaN(Date.parse(f.TimeLastModified)))).toBe(true);
  });
});

describe('SharePoint throttling', () => {
  afterEach(() => emulator.control.setThrottling(sharePointAppBudget));

  it("has the smallest tenants' budget by default and charges resource units per call kind", async () => {
    const usage = async () => {
      const windows = (await (
        await fetch(`${emulator.urls.graphBaseUrl}/_emulator/throttling?service=sharepoint`)
      ).json()) as Array<{ limit: number; admittedUnits: number; endsAt: number; startedAt: number }>;
      return windows.at(-1);
    };
    const before = await usage();
    expect(before).toMatchObject({ limit: 1_200 });
    expect((before?.endsAt ?? 0) - (before?.startedAt ?? 0)).toBeCloseTo(60_000);
    await (await getPropertiesFor(emulator.users[0]?.userPrincipalName ?? '')).arrayBuffer(); // read: 2
    await (await setProperty(emulator.users[0]?.userPrincipalName ?? '', 'AboutMe', 'hi')).arrayBuffer(); // write: 4
    expect((await usage())?.admittedUnits).toBe((before?.admittedUnits ?? 0) + 6);
  });

  it('sends RateLimit-* only with some answers near the budget, and 429s spend the budget too', async () => {
    emulator.control.setThrottling({ service: 'sharepoint', limit: 20, windowMs: 60_000 });
    const answers: Array<{ status: number; headers: boolean }> = [];
    for (let i = 0; i < 12; i++) {
      const response = await getPropertiesFor(emulator.users[0]?.userPrincipalName ?? '');
      await response.arrayBuffer();
      answers.push({ status: response.status, headers: response.headers.has('ratelimit-remaining') });
    }
    // 2 units a read: ten reads fit; from 16 units used (80 %) every other answer carries the headers.
    expect(answers.map((a) => a.status)).toEqual([...Array<number>(10).fill(200), 429, 429]);
    expect(answers.slice(0, 7).some((a) => a.headers)).toBe(false);
    expect(answers.slice(7).some((a) => a.headers)).toBe(true);
    expect(answers.slice(7).every((a) => a.headers)).toBe(false);
    const windows = (await (
      await fetch(`${emulator.urls.graphBaseUrl}/_emulator/throttling?service=sharepoint`)
    ).json()) as Array<{ refusedUnits: number }>;
    expect(windows.at(-1)?.refusedUnits).toBe(4);
  });

  it('caps PeopleManager calls tenant-wide with 429s that carry no RateLimit-* headers', async () => {
    emulator.control.setPeopleManagerCap({ limit: 2, windowMs: 60_000 });
    try {
      const upn = emulator.users[0]?.userPrincipalName ?? '';
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await getPropertiesFor(upn);
        statuses.push(last.status);
        if (i < 2) await last.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect([...(last?.headers.keys() ?? [])].filter((h) => h.startsWith('ratelimit-'))).toEqual([]);
      expect((await errorOf(last as Response)).code).toMatch(/SPQueryThrottledException/);
      expect(emulator.control.stats().throttledBy.peopleManagerCap).toBe(1);
    } finally {
      emulator.control.setPeopleManagerCap({ limit: 3_000, windowMs: 300_000 });
    }
  });
});

describe('Graph photo writes for people without an Exchange Online mailbox', () => {
  const expected = {
    nonExistentMailbox: { status: 404, code: 'ErrorNonExistentMailbox' },
    authenticationError: { status: 400, code: 'AuthenticationError' },
    bareNotFound: { status: 404, code: undefined },
    notHostedInExchangeOnline: { status: 404, code: 'MailboxNotHostedInExchangeOnline' },
    accepted: { status: 200, code: undefined },
  } as const;

  it.each(mailboxlessPhotoWrites)('answer as the tenant option says: %s', async (answer) => {
    const user = emulator.users.find((u) => u.mailbox === 'none');
    if (!user) throw new Error('the demo tenant has no user without a mailbox');
    emulator.control.setMailboxlessPhotoWrite(answer);
    const bytes = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    const response = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${user.id}/photo/$value`, {
      method: 'PUT',
      headers: bearer(graphToken, { 'content-type': 'image/jpeg' }),
      body: bytes,
    });
    const text = await response.text();
    expect(response.status).toBe(expected[answer].status);
    const code = text ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined;
    expect(code).toBe(expected[answer].code);
    if (answer === 'bareNotFound') expect(text).toBe('');
    if (answer === 'accepted') expect(emulator.control.getPhoto(user.id)?.bytes.equals(bytes)).toBe(true);
  });

  it('answers 404 MailboxNotEnabledForRESTAPI while a new mailbox is being provisioned', async () => {
    const user = emulator.control.addUser({
      displayName: 'Mailbox Pending',
      userPrincipalName: 'mailbox.pending@contoso.com',
      mailbox: 'provisioning',
    });
    const response = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${user.id}/photo/$value`, {
      method: 'PUT',
      headers: bearer(graphToken, { 'content-type': 'image/jpeg' }),
      body: await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .jpeg()
        .toBuffer(),
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('MailboxNotEnabledForRESTAPI');
  });
});
