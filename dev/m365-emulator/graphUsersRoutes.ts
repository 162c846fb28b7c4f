// Graph v1.0 users: list (paging, $top, $select, $filter eq/startswith, $count), get by id or UPN, create.
// https://learn.microsoft.com/graph/api/user-list, https://learn.microsoft.com/graph/paging,
// https://learn.microsoft.com/graph/aad-advanced-queries

import type { EmulatorContext } from './EmulatorContext';
import { graphError } from './graphError';
import { parseSelect, UnselectableUserProperty, userJson } from './graphUserJson';
import { isRecord, jsonResponse, readJsonBody, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { requireGraphApp } from './requireGraphApp';
import { parseUserFilter } from './graphUserFilter';
import type { TenantUser } from './Tenant';

export const userReadRoles = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const userWriteRoles = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];

export function addGraphUsersRoutes(router: HttpRouter<EmulatorContext>): void {
  router
    .add('GET', /^\/v1\.0\/users\/?$/i, 'users.list', listUsers)
    .add('POST', /^\/v1\.0\/users\/?$/i, 'users.create', createUser)
    .add('GET', /^\/v1\.0\/users\/([^/]+)$/i, 'users.get', getUser);
}

async function listUsers(request: EmulatorRequest, _p: string[], ctx: EmulatorContext): Promise<EmulatorResponse> {
  const auth = await requireGraphApp(request, ctx, { anyOf: userReadRoles, workload: 'directory' });
  if (!auth.ok) return auth.response;
  const now = ctx.now();
  const q = request.url.searchParams;
  const top = q.has('$top') ? Number(q.get('$top')) : 100;
  if (!Number.isInteger(top) || top < 1 || top > 999) {
    return graphError(
      400,
      'Request_BadRequest',
      `Invalid page size specified: '${q.get('$top') ?? ''}'. Must be between 1 and 999 inclusive.`,
      { request, now },
    );
  }
  const wantsCount = q.get('$count') === 'true';
  if (wantsCount && request.headers.consistencylevel?.toLowerCase() !== 'eventual') {
    return graphError(400, 'Request_BadRequest', '$count is not currently supported.', { request, now });
  }
  let users = [...ctx.tenant.users.values()];
  const filter = q.get('$filter');
  if (filter) {
    const matches = parseUserFilter(filter);
    if (!matches) {
      return graphError(
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified for property of resource 'User': ${filter}`,
        { request, now },
      );
    }
    users = users.filter((u) => matches(u as unknown as Record<string, unknown>));
  }
  const select = parseSelect(request.url);
  // Checked on any user, so that a page with nobody on it refuses a bad $select too.
  const probe = renderUsers([...ctx.tenant.users.values()].slice(0, 1), select);
  if (probe instanceof UnselectableUserProperty) return propertyNotFound(request, ctx, probe);
  const offset = Number(Buffer.from(q.get('$skiptoken') ?? '', 'base64url').toString() || '0');
  const page = users.slice(offset, offset + top);
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}`,
  };
  if (wantsCount) body['@odata.count'] = users.length;
  if (offset + top < users.length) {
    const next = new URL(request.url.pathname, ctx.urls.graphBaseUrl);
    for (const [k, v] of q) if (k !== '$skiptoken') next.searchParams.set(k, v);
    next.searchParams.set('$skiptoken', Buffer.from(String(offset + top)).toString('base64url'));
    body['@odata.nextLink'] = next.toString();
  }
  const value = renderUsers(page, select);
  if (value instanceof UnselectableUserProperty) return propertyNotFound(request, ctx, value);
  body.value = value;
  return jsonResponse(200, body);
}

async function getUser(request: EmulatorRequest, params: string[], ctx: EmulatorContext): Promise<EmulatorResponse> {
  const auth = await requireGraphApp(request, ctx, { anyOf: userReadRoles, workload: 'directory' });
  if (!auth.ok) return auth.response;
  const user = ctx.tenant.findUser(params[0] ?? '');
  if (!user) return userNotFound(request, ctx, params[0] ?? '');
  const select = parseSelect(request.url);
  const rendered = renderUsers([user], select);
  if (rendered instanceof UnselectableUserProperty) return propertyNotFound(request, ctx, rendered);
  return jsonResponse(200, {
    '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}/$entity`,
    ...rendered[0],
  });
}

/** The users as JSON, or the `$select`ed property the emulator cannot answer. */
function renderUsers(users: TenantUser[], select: string[] | undefined) {
  try {
    return users.map((u) => userJson(u, select));
  } catch (error) {
    if (error instanceof UnselectableUserProperty) return error;
    throw error;
  }
}

/** Graph's answer to a `$select` naming a property the user type does not have. */
function propertyNotFound(request: EmulatorRequest, ctx: EmulatorContext, error: UnselectableUserProperty) {
  return graphError(400, 'Request_BadRequest', error.message, { request, now: ctx.now() });
}

export function userNotFound(request: EmulatorRequest, ctx: EmulatorContext, id: string): EmulatorResponse {
  return graphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    { request, now: ctx.now() },
  );
}

async function createUser(request: EmulatorRequest, _p: string[], ctx: EmulatorContext): Promise<EmulatorResponse> {
  const auth = await requireGraphApp(request, ctx, { anyOf: userWriteRoles, workload: 'directory' });
  if (!auth.ok) return auth.response;
  const now = ctx.now();
  let body: unknown;
  try {
    body = readJsonBody(request);
  } catch {
    return graphError(400, 'BadRequest', 'Unable to read JSON request payload.', { request, now });
  }
  if (!isRecord(body) || typeof body.displayName !== 'string' || typeof body.userPrincipalName !== 'string') {
    return graphError(
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'displayName' or 'userPrincipalName' of resource 'User'.",
      { request, now },
    );
  }
  if (ctx.tenant.findUser(body.userPrincipalName)) {
    return graphError(
      400,
      'Request_BadRequest',
      'Another object with the same value for property userPrincipalName already exists.',
      { request, now },
    );
  }
  const text = (key: string): string | undefined => (typeof body[key] === 'string' ? body[key] : undefined);
  const user: TenantUser = ctx.tenant.addUser({
    displayName: body.displayName,
    userPrincipalName: body.userPrincipalName,
    ...(text('givenName') ? { givenName: text('givenName') } : {}),
    ...(text('surname') ? { surname: text('surname') } : {}),
    ...(text('employeeId') ? { employeeId: text('employeeId') } : {}),
    ...(text('jobTitle') ? { jobTitle: text('jobTitle') } : {}),
    ...(text('mail') ? { mail: text('mail') } : {}),
  });
  return jsonResponse(201, {
    '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#users/$entity`,
    ...userJson(user, undefined),
  });
}
