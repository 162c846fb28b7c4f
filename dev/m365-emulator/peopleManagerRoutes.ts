// The admin site's user profile service: SetSingleValueProfileProperty for another user (claims account name
// `i:0#.f|membership|{upn}`), GetPropertiesFor and GetUserProfilePropertyFor to read back.
// https://learn.microsoft.com/previous-versions/office/sharepoint-server/jj163182(v=office.15),
// https://learn.microsoft.com/sharepoint/dev/sp-add-ins/work-with-user-profiles-in-sharepoint

import type { EmulatorContext } from './EmulatorContext';
import { isRecord, jsonResponse, readJsonBody, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { odataVoid } from './odataShape';
import { parseOdataArguments } from './odataArguments';
import { requireSharePointApp } from './requireSharePointApp';
import { isVerbose, sharePointError } from './sharePointError';
import type { TenantUser } from './Tenant';

const readRoles = ['User.Read.All', 'User.ReadWrite.All', 'Sites.FullControl.All'];
const writeRoles = ['User.ReadWrite.All', 'Sites.FullControl.All'];
const editable = new Set(
  [
    'PictureURL',
    'SPS-PicturePlaceholderState',
    'SPS-PictureTimestamp',
    'SPS-PictureExchangeSyncState',
    'AboutMe',
    'SPS-Skills',
    'SPS-Interests',
    'SPS-School',
    'SPS-PastProjects',
    'CellPhone',
    'HomePhone',
  ].map((p) => p.toLowerCase()),
);

export function addPeopleManagerRoutes(router: HttpRouter<EmulatorContext>): void {
  const base = '^/_api/SP\\.UserProfiles\\.PeopleManager';
  router
    .add('POST', new RegExp(`${base}/SetSingleValueProfileProperty$`, 'i'), 'sp.profile.set', setProperty)
    .add('GET', new RegExp(`${base}/GetPropertiesFor\\((.*)\\)$`, 'i'), 'sp.profile.get', getProperties)
    .add('GET', new RegExp(`${base}/GetUserProfilePropertyFor\\((.*)\\)$`, 'i'), 'sp.profile.getOne', getOneProperty);
}

function findAccount(ctx: EmulatorContext, accountName: string): TenantUser | undefined {
  const upn = /^i:0#\.f\|membership\|(.+)$/i.exec(accountName)?.[1];
  return upn ? ctx.tenant.findUser(upn) : undefined;
}

const userNotFound = (request: EmulatorRequest) =>
  sharePointError(
    request,
    500,
    '-1, Microsoft.Office.Server.UserProfiles.UserNotFoundException',
    'User Profile Error 1000: User Not Found: Could not load profile data from the database.',
  );

type ProfileRead =
  { ok: true; user: TenantUser; args: Map<string, string> } | { ok: false; response: EmulatorResponse };

/**
 * What both read routes check first: an app token with a read role for the admin host, and a known account in the
 * first of `accountArguments` the call's arguments carry.
 */
async function authorizeProfileRead(
  request: EmulatorRequest,
  params: string[],
  ctx: EmulatorContext,
  options: { accountArguments: string[] },
): Promise<ProfileRead> {
  const auth = await requireSharePointApp(request, ctx, { origin: ctx.urls.adminSiteUrl, anyOf: readRoles });
  if (!auth.ok) return auth;
  const args = parseOdataArguments(params[0] ?? '', request.url);
  const accountName = options.accountArguments.map((name) => args.get(name)).find((value) => value !== undefined);
  const user = findAccount(ctx, accountName ?? '');
  return user ? { ok: true, user, args } : { ok: false, response: userNotFound(request) };
}

async function setProperty(request: EmulatorRequest, _p: string[], ctx: EmulatorContext): Promise<EmulatorResponse> {
  const auth = await requireSharePointApp(request, ctx, { origin: ctx.urls.adminSiteUrl, anyOf: writeRoles });
  if (!auth.ok) return auth.response;
  let body: unknown;
  try {
    body = readJsonBody(request);
  } catch {
    return sharePointError(
      request,
      400,
      '-1, Microsoft.SharePoint.Client.InvalidClientQueryException',
      'Invalid JSON. A token was not recognized in the JSON content.',
    );
  }
  if (
    !isRecord(body) ||
    typeof body.accountName !== 'string' ||
    typeof body.propertyName !== 'string' ||
    typeof body.propertyValue !== 'string'
  ) {
    return sharePointError(
      request,
      400,
      '-1, Microsoft.SharePoint.Client.InvalidClientQueryException',
      'The parameters accountName, propertyName and propertyValue are required.',
    );
  }
  const user = findAccount(ctx, body.accountName);
  if (!user) return userNotFound(request);
  if (!editable.has(body.propertyName.toLowerCase())) {
    return sharePointError(
      request,
      400,
      '-1, Microsoft.Office.Server.UserProfiles.PropertyNotEditableException',
      `Property Not Editable: This property can not be modified. (${body.propertyName})`,
    );
  }
  const profile = ctx.sharePoint.profile(user.userPrincipalName);
  const key =
    [...profile.keys()].find((k) => k.toLowerCase() === String(body.propertyName).toLowerCase()) ?? body.propertyName;
  profile.set(key, body.propertyValue);
  return odataVoid(request, 'SetSingleValueProfileProperty');
}

async function getProperties(
  request: EmulatorRequest,
  params: string[],
  ctx: EmulatorContext,
): Promise<EmulatorResponse> {
  const read = await authorizeProfileRead(request, params, ctx, { accountArguments: ['accountname', '$0'] });
  if (!read.ok) return read.response;
  const { user } = read;
  const profile = ctx.sharePoint.profile(user.userPrincipalName);
  const account = `i:0#.f|membership|${user.userPrincipalName}`;
  const properties = [
    ['AccountName', account],
    ['PreferredName', user.displayName],
    ['WorkEmail', user.mail ?? ''],
    ['UserName', user.userPrincipalName],
    ...profile.entries(),
  ].map(([Key, Value]) => ({ Key, Value, ValueType: 'Edm.String' }));
  const personal = `${ctx.urls.mySiteUrl}/personal/${user.userPrincipalName.replace(/[@.]/g, '_')}/`;
  const entity = {
    AccountName: account,
    DisplayName: user.displayName,
    Email: user.mail,
    PersonalSiteHostUrl: `${ctx.urls.mySiteUrl}:443/`,
    PersonalUrl: personal,
    PictureUrl: profile.get('PictureURL') || null,
    Title: user.jobTitle,
    UserUrl: `${ctx.urls.mySiteUrl}:443/Person.aspx?accountname=${encodeURIComponent(account)}`,
  };
  if (isVerbose(request)) {
    return jsonResponse(200, {
      d: {
        __metadata: { type: 'SP.UserProfiles.PersonProperties' },
        ...entity,
        DirectReports: { results: [] },
        ExtendedManagers: { results: [] },
        ExtendedReports: { results: [account] },
        Peers: { results: [] },
        UserProfileProperties: { results: properties.map((p) => ({ __metadata: { type: 'SP.KeyValue' }, ...p })) },
      },
    });
  }
  return jsonResponse(200, {
    ...entity,
    DirectReports: [],
    ExtendedManagers: [],
    ExtendedReports: [account],
    Peers: [],
    UserProfileProperties: properties,
  });
}

async function getOneProperty(
  request: EmulatorRequest,
  params: string[],
  ctx: EmulatorContext,
): Promise<EmulatorResponse> {
  const read = await authorizeProfileRead(request, params, ctx, { accountArguments: ['accountname'] });
  if (!read.ok) return read.response;
  const { user, args } = read;
  const name = (args.get('propertyname') ?? '').toLowerCase();
  const profile = ctx.sharePoint.profile(user.userPrincipalName);
  const value = [...profile.entries()].find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
  return isVerbose(request)
    ? jsonResponse(200, { d: { GetUserProfilePropertyFor: value } })
    : jsonResponse(200, { value });
}
