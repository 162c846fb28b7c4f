import sharp from 'sharp';
import { sharePointAppBudget, startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { accessToken, bearer } from './emulatorClients';

let emulator: M365Emulator;
let mySiteToken: string;
let adminToken: string;

beforeAll(async () => {
  emulator = await startM365Emulator({ seed: 'demo', profilePicturesFolderName: 'Profilbilder' });
  mySiteToken = await accessToken(emulator, { resource: emulator.urls.mySiteUrl });
  adminToken = await accessToken(emulator, { resource: emulator.urls.adminSiteUrl });
});
afterAll(async () => {
  await emulator.close();
});

const nometadata = 'application/json;odata=nometadata';
const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

test('the localised Profile Pictures folder is found among the User Photos folders', async () => {
  const response = await fetch(
    `${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle('User%20Photos')/RootFolder/Folders`,
    {
      headers: bearer(mySiteToken, { accept: nometadata }),
    },
  );
  const folders = ((await response.json()) as { value: { Name: string; ServerRelativeUrl: string }[] }).value;
  expect(folders.map((f) => f.Name).sort()).toEqual(['Forms', 'Profilbilder']);
  const verbose = await fetch(
    `${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativeUrl(${encodeURIComponent(quote('/User Photos/Profilbilder'))})`,
    {
      headers: bearer(mySiteToken, { accept: 'application/json;odata=verbose' }),
    },
  );
  expect(((await verbose.json()) as { d: { Name: string } }).d.Name).toBe('Profilbilder');
});

test('Files/add with overwrite stores the bytes, readable by $value and by the plain file URL', async () => {
  const folder = emulator.profilePicturesFolderUrl;
  const bytes = await sharp({ create: { width: 72, height: 72, channels: 3, background: '#336699' } })
    .jpeg()
    .toBuffer();
  const name = 'adele_vance_contoso_com_MThumb.jpg';
  const upload = (body: Buffer) =>
    fetch(
      `${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativeUrl(${encodeURIComponent(quote(folder))})/Files/add(url=${quote(name)},overwrite=true)`,
      {
        method: 'POST',
        headers: bearer(mySiteToken, { accept: nometadata, 'content-type': 'image/jpeg' }),
        body,
      },
    );
  expect((await upload(Buffer.from('old'))).status).toBe(200);
  const response = await upload(bytes);
  expect(response.status).toBe(200);
  const file = (await response.json()) as {
    Name: string;
    ServerRelativeUrl: string;
    Length: string;
    MajorVersion: number;
  };
  expect(file).toMatchObject({
    Name: name,
    ServerRelativeUrl: `${folder}/${name}`,
    Length: String(bytes.length),
    MajorVersion: 2,
  });

  const byApi = await fetch(
    `${emulator.urls.mySiteUrl}/_api/web/GetFileByServerRelativeUrl(${encodeURIComponent(quote(file.ServerRelativeUrl))})/$value`,
    {
      headers: bearer(mySiteToken),
    },
  );
  expect(Buffer.from(await byApi.arrayBuffer()).equals(bytes)).toBe(true);
  const byUrl = await fetch(`${emulator.urls.mySiteUrl}${encodeURI(file.ServerRelativeUrl)}`, {
    headers: bearer(mySiteToken),
  });
  expect(byUrl.headers.get('content-type')).toBe('image/jpeg');
  expect(Buffer.from(await byUrl.arrayBuffer()).equals(bytes)).toBe(true);
  expect(emulator.control.getSharePointFile(name)?.equals(bytes)).toBe(true);

  const refused = await fetch(
    `${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativeUrl(${encodeURIComponent(quote(folder))})/Files/add(url=${quote(name)},overwrite=false)`,
    {
      method: 'POST',
      headers: bearer(mySiteToken, { accept: nometadata }),
      body: bytes,
    },
  );
  expect(refused.status).toBe(400);
});

test('SetSingleValueProfileProperty on the admin site is read back by GetPropertiesFor', async () => {
  const upn = emulator.users[0]?.userPrincipalName ?? '';
  const account = `i:0#.f|membership|${upn}`;
  const pictureUrl = `${emulator.urls.mySiteUrl}${emulator.profilePicturesFolderUrl}/x_MThumb.jpg`;
  for (const [propertyName, propertyValue] of [
    ['PictureURL', pictureUrl],
    ['SPS-PicturePlaceholderState', '0'],
  ]) {
    const response = await fetch(
      `${emulator.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty`,
      {
        method: 'POST',
        headers: bearer(adminToken, { accept: nometadata, 'content-type': 'application/json' }),
        body: JSON.stringify({ accountName: account, propertyName, propertyValue }),
      },
    );
    expect(response.status).toBe(200);
  }
  const read = await fetch(
    `${emulator.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v=${encodeURIComponent(quote(account))}`,
    {
      headers: bearer(adminToken, { accept: nometadata }),
    },
  );
  const profile = (await read.json()) as {
    PictureUrl: string;
    UserProfileProperties: { Key: string; Value: string }[];
  };
  expect(profile.PictureUrl).toBe(pictureUrl);
  expect(profile.UserProfileProperties).toEqual(
    expect.arrayContaining([{ Key: 'SPS-PicturePlaceholderState', Value: '0', ValueType: 'Edm.String' }]),
  );
  expect(emulator.control.getProfileProperties(upn)?.['PictureURL']).toBe(pictureUrl);
});

test('profile writes need the SharePoint User.ReadWrite.All permission: Sites.FullControl.All alone is refused', async () => {
  emulator.control.revokeRoles('photoSync', 'sharepoint', ['User.ReadWrite.All']);
  try {
    const token = await accessToken(emulator, { resource: emulator.urls.adminSiteUrl });
    const response = await fetch(
      `${emulator.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty`,
      {
        method: 'POST',
        headers: bearer(token, { accept: 'application/json;odata=verbose', 'content-type': 'application/json' }),
        body: JSON.stringify({
          accountName: `i:0#.f|membership|${emulator.users[0]?.userPrincipalName ?? ''}`,
          propertyName: 'PictureURL',
          propertyValue: 'x',
        }),
      },
    );
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      '-2147024891, System.UnauthorizedAccessException',
    );
  } finally {
    emulator.control.grantRoles('photoSync', 'sharepoint', ['User.ReadWrite.All', 'Sites.FullControl.All']);
  }
});

test('SharePoint throttles per app with 429 and Retry-After past the configured budget', async () => {
  // Reading a folder costs 2 resource units: a budget of 4 admits two.
  emulator.control.setThrottling({ service: 'sharepoint', limit: 4, windowMs: 5_000 });
  try {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i += 1) {
      const response = await fetch(`${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle('User%20Photos')/RootFolder`, {
        headers: bearer(mySiteToken, { accept: nometadata }),
      });
      statuses.push(response.status);
      retryAfter = response.headers.get('retry-after') ?? retryAfter;
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(5);
    // The quota resets whole at the end of the window; the control API reports what each window admitted.
    const windows = (await (
      await fetch(`${emulator.urls.graphBaseUrl}/_emulator/throttling?service=sharepoint`)
    ).json()) as Array<{ limit: number; admitted: number; refused: number; endsAt: number; startedAt: number }>;
    expect(windows).toHaveLength(1);
    // Refused calls spend their units too.
    expect(windows[0]).toMatchObject({ limit: 4, admitted: 2, refused: 2, admittedUnits: 4, refusedUnits: 4 });
    // Window bounds are performance.now() floats: their difference carries rounding in the last digits.
    expect((windows[0]?.endsAt ?? 0) - (windows[0]?.startedAt ?? 0)).toBeCloseTo(5_000);
  } finally {
    emulator.control.setThrottling(sharePointAppBudget);
  }
});

test('an injected SharePoint 503 answers in the SharePoint error shape with Retry-After, then the next call succeeds', async () => {
  emulator.control.injectFault({
    service: 'sharepoint',
    status: 503,
    retryAfterSeconds: 1,
    message: 'Server Too Busy',
  });
  const url = `${emulator.urls.mySiteUrl}/_api/web/lists/GetByTitle('User%20Photos')/RootFolder`;
  const faulted = await fetch(url, { headers: bearer(mySiteToken, { accept: nometadata }) });
  expect(faulted.status).toBe(503);
  expect(faulted.headers.get('retry-after')).toBe('1');
  expect(((await faulted.json()) as Record<string, { message: { value: string } }>)['odata.error']?.message.value).toBe(
    'Server Too Busy',
  );
  expect((await fetch(url, { headers: bearer(mySiteToken, { accept: nometadata }) })).status).toBe(200);
});
