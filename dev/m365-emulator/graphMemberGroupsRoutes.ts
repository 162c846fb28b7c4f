// Graph v1.0 checkMemberGroups for a user: which of up to 20 given groups the user is a member of, transitively.
// Application permissions (harshest reading of the docs' table): a user-read role AND a group-read role, or
// Directory.Read.All alone. Groups that do not exist are left out of the answer, not an error.
// https://learn.microsoft.com/graph/api/directoryobject-checkmembergroups

import type { EmulatorContext } from './EmulatorContext';
import { graphError } from './graphError';
import { userNotFound } from './graphUsersRoutes';
import { isRecord, jsonResponse, readJsonBody, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import type { HttpRouter } from './HttpRouter';
import { requireGraphApp } from './requireGraphApp';

const directoryRoles = ['Directory.Read.All', 'Directory.ReadWrite.All'];
const userRoles = ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', ...directoryRoles];
const groupRoles = ['GroupMember.Read.All', 'Group.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All'];
const maxGroupIds = 20;

export function addGraphMemberGroupsRoutes(router: HttpRouter<EmulatorContext>): void {
  router.add('POST', /^\/v1\.0\/users\/([^/]+)\/checkMemberGroups$/i, 'users.checkMemberGroups', checkMemberGroups);
}

async function checkMemberGroups(
  request: EmulatorRequest,
  params: string[],
  ctx: EmulatorContext,
): Promise<EmulatorResponse> {
  const auth = await requireGraphApp(request, ctx, { anyOf: userRoles, workload: 'directory' });
  if (!auth.ok) return auth.response;
  const roles = new Set(auth.claims.roles ?? []);
  const now = ctx.now();
  if (![...groupRoles, ...directoryRoles].some((role) => roles.has(role))) {
    return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', {
      request,
      now,
    });
  }
  const user = ctx.tenant.findUser(params[0] ?? '');
  if (!user) return userNotFound(request, ctx, params[0] ?? '');
  let body: unknown;
  try {
    body = readJsonBody(request);
  } catch {
    return graphError(400, 'BadRequest', 'Unable to read JSON request payload.', { request, now });
  }
  const groupIds = isRecord(body) ? body.groupIds : undefined;
  if (!Array.isArray(groupIds) || groupIds.length === 0 || !groupIds.every((id) => typeof id === 'string')) {
    return graphError(400, 'Request_BadRequest', "Invalid value specified for property 'groupIds'.", { request, now });
  }
  if (groupIds.length > maxGroupIds) {
    return graphError(400, 'Request_BadRequest', `The number of groupIds cannot exceed ${maxGroupIds}.`, {
      request,
      now,
    });
  }
  const member = groupIds.filter((id) => ctx.tenant.isMemberOf(user, id));
  return jsonResponse(200, {
    '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#Collection(Edm.String)`,
    value: member,
  });
}
