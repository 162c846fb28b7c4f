// The emulator's SharePoint answers to every call the product makes, compared with the response examples in
// Microsoft's SharePoint REST documentation (test/fixtures/conformance/sharepoint-rest-examples.json, each with its
// page). The product asks for `application/json;odata=nometadata`; the docs' examples are mostly in the verbose
// format, so both are checked: verbose against the example as it is, nometadata against the same example with the
// verbose wrapping taken off (no `d`, no `__metadata`, collections as arrays), which is what JSON light's nometadata
// is (https://devblogs.microsoft.com/microsoft365dev/json-light-support-in-rest-sharepoint-api-released/).

import sharp from 'sharp';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { SharePointClient } from '../../../src/m365/SharePointClient';
import examples from '../../fixtures/conformance/sharepoint-rest-examples.json';
import { accessToken, bearer } from './emulatorClients';
import { jsonBody, recordedM365Clients, type RecordedExchange } from './recordedM365Clients';

const NOMETADATA = 'application/json;odata=nometadata';

/** The product's SharePoint routes, by method and the API path (arguments replaced). */
function sharePointRoute(exchange: RecordedExchange): string {
  return `${exchange.method} ${decodeURIComponent(exchange.url.pathname).replace(/\((?:[^()']|'(?:[^']|'')*')*\)/g, '(…)')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON kind of a value, as the shape comparison sees it. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The verbose example as nometadata carries it: no `__metadata`, `{results: [...]}` as the array itself. */
function withoutVerboseWrapping(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVerboseWrapping);
  if (!isRecord(value)) return value;
  if (Object.keys(value).length === 1 && Array.isArray(value.results)) return withoutVerboseWrapping(value.results);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '__metadata')
      .map(([key, item]) => [key, withoutVerboseWrapping(item)]),
  );
}

/**
 * Differences in shape between an answer and a documented example: missing or extra properties, and values of
 * another JSON kind (a documented null accepts a string too when `alsoSeen` gives one). Arrays compare their items
 * with the example's first item.
 */
function shapeDifferences(
  actual: unknown,
  example: unknown,
  where: string,
  options: { allowExtra?: string[]; alsoSeen?: Record<string, unknown> } = {},
): string[] {
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) return [`${where}: ${kind(actual)}, the example has an array`];
    const first = example[0];
    return first === undefined ? [] : actual.flatMap((item, i) => shapeDifferences(item, first, `${where}[${i}]`));
  }
  if (!isRecord(example)) {
    if (kind(actual) === kind(example)) return [];
    const seen = options.alsoSeen?.[where.split('.').pop() ?? ''];
    if (example === null && seen !== undefined && kind(actual) === kind(seen)) return [];
    return [`${where}: ${kind(actual)}, the example has ${kind(example)}`];
  }
  if (!isRecord(actual)) return [`${where}: ${kind(actual)}, the example has an object`];
  const differences: string[] = [];
  for (const key of Object.keys(example))
    if (!(key in actual)) differences.push(`${where}.${key}: missing (the example has it)`);
  for (const key of Object.keys(actual))
    if (!(key in example) && !options.allowExtra?.includes(key))
      differences.push(`${where}.${key}: not in the example`);
  for (const key of Object.keys(example))
    if (key in actual) differences.push(...shapeDifferences(actual[key], example[key], `${where}.${key}`, options));
  return differences;
}

/**
 * Properties SharePoint Online returns that the 2013-era example predates, listed in docs/m365-emulator.md:
 * `PersonalSiteHostUrl`, a string (the My Site host; CSOM's PersonProperties has it:
 * https://learn.microsoft.com/previous-versions/office/sharepoint-csom/mt829552(v=office.15)).
 */
const PERSON_ADDITIONS = ['PersonalSiteHostUrl'];
const person = examples.personProperties;

/** A JSON light error, exactly as the documented one: `odata.error` with code and `{lang, value}` message. */
function errorDifferences(exchange: RecordedExchange): string[] {
  const body = jsonBody(exchange);
  const differences = shapeDifferences(body, examples.jsonLightError.example, '$');
  const code = isRecord(body) && isRecord(body['odata.error']) ? body['odata.error'].code : undefined;
  if (typeof code !== 'string' || !/^-?\d+, [\w.]+$/.test(code))
    differences.push(`$.odata.error.code: ${JSON.stringify(code)} is not '<HRESULT>, <exception type>'`);
  return differences;
}

let emulator: M365Emulator;
let sharePoint: SharePointClient;
let exchanges: RecordedExchange[];
const withProfile = 'adele.vance@contoso.com';
const withoutProfile = 'new.hire@contoso.com';

beforeAll(async () => {
  emulator = await startM365Emulator({ seed: 'demo' });
  emulator.control.addUser({ displayName: 'New Hire', userPrincipalName: withoutProfile });
  const clients = recordedM365Clients(emulator);
  ({ sharePoint, exchanges } = clients);
  const jpeg = await sharp({ create: { width: 72, height: 72, channels: 3, background: '#446688' } })
    .jpeg()
    .toBuffer();
  const refused = (work: Promise<unknown>) =>
    work.then(
      () => 'answered',
      () => 'refused',
    );

  // Every SharePoint call the product makes (src/m365/SharePointClient.ts), answered and refused.
  await sharePoint.listProfilePicturesFolders();
  const url = await sharePoint.uploadThumbnail(withProfile, 'M', jpeg);
  await sharePoint.downloadFile(url);
  const serverRelativeUrl = decodeURIComponent(new URL(url).pathname);
  await sharePoint.deleteFile(serverRelativeUrl);
  await sharePoint.deleteFile(serverRelativeUrl);
  await sharePoint.setProfileProperty(withProfile, 'SPS-PicturePlaceholderState', '0');
  await refused(sharePoint.setProfileProperty(withoutProfile, 'PictureURL', url));
  await sharePoint.getPropertiesFor(withProfile);
  await sharePoint.getPropertiesFor(withoutProfile);
});

afterAll(async () => {
  await emulator.close();
});

const on = (route: string) => {
  const found = exchanges.filter((e) => e.service === 'sharepoint' && sharePointRoute(e) === route);
  if (found.length === 0) throw new Error(`the product made no ${route} call`);
  return found;
};

test('every SharePoint method of the product is called above or reaches SharePoint only through one that is', () => {
  // Plumbing and wrappers: `send` (every call), `resolveFolder`/`profilePicturesFolder`/`thumbnailUrl` (through
  // listProfilePicturesFolders), `withReservedRequests` (hands out uploadThumbnail and setProfileProperty),
  // `assertCertificateCredential` (no request).
  const plumbing = [
    'send',
    'resolveFolder',
    'profilePicturesFolder',
    'thumbnailUrl',
    'withReservedRequests',
    'assertCertificateCredential',
  ];
  const called = [
    'listProfilePicturesFolders',
    'uploadThumbnail',
    'downloadFile',
    'deleteFile',
    'setProfileProperty',
    'getPropertiesFor',
  ];
  const methods = Object.getOwnPropertyNames(SharePointClient.prototype).filter((name) => name !== 'constructor');
  expect(methods.sort()).toEqual([...plumbing, ...called].sort());
});

test('the product calls exactly the SharePoint routes this test checks, always asking for nometadata', () => {
  const sharePointExchanges = exchanges.filter((e) => e.service === 'sharepoint');
  expect([...new Set(sharePointExchanges.map(sharePointRoute))].sort()).toEqual(
    [
      'GET /_api/web/GetFolderByServerRelativePath(…)/Folders',
      'POST /_api/web/GetFolderByServerRelativePath(…)/Files/AddUsingPath(…)',
      'GET /_api/web/GetFileByServerRelativePath(…)/$value',
      'POST /_api/web/GetFileByServerRelativePath(…)',
      'POST /_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty',
      'GET /_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(…)',
    ].sort(),
  );
  expect(new Set(sharePointExchanges.map((e) => e.requestHeaders.get('accept')))).toEqual(new Set([NOMETADATA]));
});

test('GetPropertiesFor (nometadata): the documented PersonProperties without verbose wrapping', () => {
  const [found, none] = on('GET /_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(…)');
  expect(found?.status).toBe(200);
  const expected = withoutVerboseWrapping(person.example.d);
  expect(
    shapeDifferences(jsonBody(found as RecordedExchange), expected, '$', {
      allowExtra: PERSON_ADDITIONS,
      alsoSeen: person.alsoSeen,
    }),
  ).toEqual([]);
  expect(typeof (jsonBody(found as RecordedExchange) as Record<string, unknown>).PersonalSiteHostUrl).toBe('string');
  // A person SharePoint has no profile for: the JSON light null (listed in docs/m365-emulator.md: no example).
  expect([none?.status, jsonBody(none as RecordedExchange)]).toEqual([200, { 'odata.null': true }]);
});

test('GetPropertiesFor (verbose): the documented PersonProperties as it is, d, __metadata and results included', async () => {
  const token = await accessToken(emulator, { resource: emulator.urls.adminSiteUrl });
  const account = encodeURIComponent(`'i:0#.f|membership|${withProfile}'`);
  const answer = await fetch(
    `${emulator.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v=${account}`,
    { headers: bearer(token, { accept: 'application/json;odata=verbose' }) },
  );
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { d: { __metadata: { type: string } } };
  expect(
    shapeDifferences(body, person.example, '$', {
      allowExtra: PERSON_ADDITIONS,
      alsoSeen: person.alsoSeen,
    }),
  ).toEqual([]);
  expect(body.d.__metadata.type).toBe(person.example.d.__metadata.type);
});

test('the library folders (nometadata, $select): exactly the selected properties, of the documented kinds', () => {
  const [folders] = on('GET /_api/web/GetFolderByServerRelativePath(…)/Folders');
  const select = folders?.url.searchParams.get('$select')?.split(',') ?? [];
  expect(select).toEqual(['Name', 'ServerRelativeUrl', 'TimeLastModified']);
  const body = jsonBody(folders as RecordedExchange) as { value: Record<string, unknown>[] };
  expect(Object.keys(body)).toEqual(['value']);
  expect(body.value.length).toBeGreaterThan(0);
  for (const folder of body.value) {
    expect(Object.keys(folder).sort()).toEqual([...select].sort());
    // Name and ServerRelativeUrl are Edm.String in the documented folder; TimeLastModified an ISO date-time.
    expect([typeof folder.Name, typeof folder.ServerRelativeUrl]).toEqual([
      kind(examples.folder.example.Name.value),
      kind(examples.folder.example.ServerRelativeUrl.value),
    ]);
    expect(String(folder.TimeLastModified)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  }
});

test('a folder without $select carries the documented folder properties with their EDM kinds', async () => {
  const token = await accessToken(emulator, { resource: emulator.urls.mySiteUrl });
  const path = encodeURIComponent(`'${emulator.profilePicturesFolderUrl}'`);
  const answer = await fetch(`${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativePath(decodedurl=${path})`, {
    headers: bearer(token, { accept: NOMETADATA }),
  });
  const folder = (await answer.json()) as Record<string, unknown>;
  const documented = Object.entries(examples.folder.example).map(([name, { type }]) => [
    name,
    type === 'Edm.Int32' ? Number.isInteger(folder[name]) : typeof folder[name] === 'string',
  ]);
  expect(documented).toEqual(Object.keys(examples.folder.example).map((name) => [name, true]));
});

test('the default format (minimal metadata) carries odata.metadata, odata.type, odata.id and odata.editLink as documented', async () => {
  const token = await accessToken(emulator, { resource: emulator.urls.mySiteUrl });
  const path = encodeURIComponent(`'${emulator.profilePicturesFolderUrl}'`);
  const answer = await fetch(`${emulator.urls.mySiteUrl}/_api/web/GetFolderByServerRelativePath(decodedurl=${path})`, {
    headers: bearer(token, { accept: 'application/json' }),
  });
  const folder = (await answer.json()) as Record<string, unknown>;
  const control = (body: Record<string, unknown>) => Object.keys(body).filter((key) => key.startsWith('odata.'));
  expect(control(folder)).toEqual(control(examples.minimalMetadataEntity.example));
  expect(folder['odata.type']).toBe('SP.Folder');
  expect(String(folder['odata.id'])).toBe(`${emulator.urls.mySiteUrl}/_api/${String(folder['odata.editLink'])}`);
});

test('uploads and profile writes answer 200 in nometadata (no odata.* control information); downloads are the bytes', () => {
  const [upload] = on('POST /_api/web/GetFolderByServerRelativePath(…)/Files/AddUsingPath(…)');
  const file = jsonBody(upload as RecordedExchange) as Record<string, unknown>;
  expect(upload?.status).toBe(200);
  expect(Object.keys(file).filter((key) => key.startsWith('odata.') || key === '__metadata')).toEqual([]);
  expect([typeof file.Name, typeof file.ServerRelativeUrl]).toEqual(['string', 'string']);
  const [download] = on('GET /_api/web/GetFileByServerRelativePath(…)/$value');
  expect([download?.status, download?.contentType]).toEqual([200, 'image/jpeg']);
  const [written] = on('POST /_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty');
  expect(written?.status).toBe(200);
});

test('file removal (POST with X-HTTP-Method: DELETE, as documented): 200, then the JSON light error once gone', () => {
  const removals = on('POST /_api/web/GetFileByServerRelativePath(…)');
  expect(removals.map((e) => [e.requestHeaders.get('x-http-method'), e.requestHeaders.get('if-match')])).toEqual([
    ['DELETE', '*'],
    ['DELETE', '*'],
  ]);
  expect(removals.map((e) => e.status)).toEqual([200, 404]);
  expect(removals.filter((e) => e.status >= 400).flatMap(errorDifferences)).toEqual([]);
});

test('errors are the documented JSON light error: odata.error, code "<HRESULT>, <exception>", message {lang, value}', () => {
  const refused = on('POST /_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty').filter(
    (e) => e.status >= 400,
  );
  expect(refused.map((e) => e.status)).toEqual([500]);
  expect(refused.flatMap(errorDifferences)).toEqual([]);
});
