// The admin site's user profile service: SetSingleValueProfileProperty for another user (claims account name
// `i:0#.f|membership|{upn}`), GetPropertiesFor and GetUserProfilePropertyFor to read back.
// - Its errors are HTTP 500 with the exception's name in the body (pnp/cli-microsoft365 PR #1695, pnp/pnpjs #340):
//   no profile (yet) → UserNotFoundException, a property the admin has not made editable →
//   PropertyNotEditableException, a property that does not exist → PropertyNotFoundException (pnpjs #340 quotes
//   "Property No…"; the exception's exact name is our reading).
// - App-only writes to other people's profiles need SharePoint `User.ReadWrite.All` (sp-dev-docs ACS retirement FAQ;
//   "app-permission-error-update-user-profile-property"); `Sites.FullControl.All` alone is refused.
// - GetPropertiesFor of a person without a profile answers an empty object (`odata.null`), as CSOM's
//   ServerObjectIsNull shows (pnp/powershell PR #3891).
// - PeopleManager calls are also capped tenant-wide (all apps together: 3,000 per 5 minutes for tenants up to 1,000
//   licences), with 429s that carry no RateLimit-* headers.
// https://learn.microsoft.com/previous-versions/office/sharepoint-server/jj163182(v=office.15),
// https://learn.microsoft.com/sharepoint/dev/sp-add-ins/work-with-user-profiles-in-sharepoint

import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from './EmulatorContext';
import { isRecord, jsonResponse, readJsonBody, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { odataVoid } from './odataShape';
import { parseOdataArguments } from './odataArguments';
import { requireSharePointApp } from './requireSharePointApp';
import { isVerbose, sharePointError } from './sharePointError';
import { pictureProperties } from './SharePointStore';
import type { TenantUser } from './Tenant';

const readRoles = ['User.Read.All', 'User.ReadWrite.All'];
const writeRoles = ['User.ReadWrite.All'];
/** Properties an app may set (the picture ones, and those a default tenant lets people edit). */
const editable = new Set(
  [
    ...pictureProperties,
    'AboutMe',
    'SPS-Skills',
    'SPS-Interests',
    'SPS-School',
    'SPS-PastProjects',
    'CellPhone',
    'HomePhone',
  ].map((p) => p.toLowerCase()),
);
/** Properties every profile has that only the directory sync writes. */
const readOnly = new Set(
  [
    'AccountName',
    'FirstName',
    'LastName',
    'PreferredName',
    'WorkEmail',
    'UserName',
    'Department',
    'SPS-JobTitle',
    'Title',
  ].map((p) => p.toLowerCase()),
);

export function addPeopleManagerRoutes(router: HttpRouter<EmulatorContext>): void {
  const base = '^/_api/SP\\.UserProfiles\\.PeopleManager';
  router
    .add('POST', new RegExp(`${base}/SetSingleValueProfileProperty$`, 'i'), 'sp.profile.set', capped(setProperty))
    .add('GET', new RegExp(`${base}/GetPropertiesFor\\((.*)\\)$`, 'i'), 'sp.profile.get', capped(getProperties))
    .add(
      'GET',
      new RegExp(`${base}/GetUserProfilePropertyFor\\((.*)\\)$`, 'i'),
      'sp.profile.getOne',
      capped(getOneProperty),
    );
}

type Route = (request: EmulatorRequest, params: string[], ctx: EmulatorContext) => Promise<EmulatorResponse>;

/** The tenant-wide PeopleManager cap: counted for every app before the app's own checks; its 429 has no RateLimit-*. */
function capped(route: Route): Route {
  return async (request, params, ctx) => {
    const verdict = ctx.policy.enterPeopleManagerCap();
    if (verdict.retryAfterSeconds === undefined) return route(request, params, ctx);
    return sharePointError(
      request,
      429,
      '-2147024860, Microsoft.SharePoint.SPQueryThrottledException',
      'The request has been throttled: the tenant is over its limit of calls to the user profile service.',
      { 'retry-after': String(verdict.retryAfterSeconds) },
    );
  };
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
  const auth = await requireSharePointApp(request, ctx, {
    origin: ctx.urls.adminSiteUrl,
    anyOf: readRoles,
    cost: 'read',
  });
  if (!auth.ok) return auth;
  const args = parseOdataArguments(params[0] ?? '', request.url);
  const accountName = options.accountArguments.map((name) => args.get(name)).find((value) => value !== undefined);
  const user = findAccount(ctx, accountName ?? '');
  return user ? { ok: true, user, args } : { ok: false, response: userNotFound(request) };
}

async function setProperty(request: EmulatorRequest, _p: string[], ctx: EmulatorContext): Promise<EmulatorResponse> {
  const auth = await requireSharePointApp(request, ctx, {
    origin: ctx.urls.adminSiteUrl,
    anyOf: writeRoles,
    cost: 'write',
  });
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
  const profile = user && ctx.sharePoint.profile(user.userPrincipalName);
  if (!profile) return userNotFound(request);
  const property = body.propertyName.toLowerCase();
  if (!editable.has(property) && !readOnly.has(property)) {
    return sharePointError(
      request,
      500,
      '-1, Microsoft.Office.Server.UserProfiles.PropertyNotFoundException',
      `Property Not Found: The property '${body.propertyName}' does not exist.`,
    );
  }
  if (readOnly.has(property) || ctx.sharePoint.notEditable.has(property)) {
    return sharePointError(
      request,
      500,
      '-1, Microsoft.Office.Server.UserProfiles.PropertyNotEditableException',
      'Property Not Editable: This property can only be modified by an administrator.',
    );
  }
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
  if (!profile) return isVerbose(request) ? jsonResponse(200, { d: null }) : jsonResponse(200, { 'odata.null': true });
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
    // An app has no one to follow anybody: IsFollowed false; no microblog post (the docs' examples show both).
    IsFollowed: false,
    LatestPost: null,
    PersonalUrl: personal,
    PictureUrl: profile.get('PictureURL') || null,
    Title: user.jobTitle,
    UserUrl: `${ctx.urls.mySiteUrl}:443/Person.aspx?accountname=${encodeURIComponent(account)}`,
  };
  if (isVerbose(request)) {
    const personUri = `${ctx.urls.adminSiteUrl}/_api/SP.UserProfiles.PersonProperties${randomUUID()}`;
    return jsonResponse(200, {
      d: {
        // id and uri as SharePoint forms them for this non-addressable type (the type name and a GUID).
        __metadata: { id: personUri, uri: personUri, type: 'SP.UserProfiles.PersonProperties' },
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
  if (!profile) return userNotFound(request);
  const value = [...profile.entries()].find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
  return isVerbose(request)
    ? jsonResponse(200, { d: { GetUserProfilePropertyFor: value } })
    : jsonResponse(200, { value });
}
