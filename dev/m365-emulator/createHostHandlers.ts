// Wires the routes of each host into its request pipeline, with that service's own error shape for 404/405 and
// injected faults.

import { addControlRoutes } from './controlRoutes';
import type { EmulatorControl } from './EmulatorControl';
import type { EmulatorContext } from './EmulatorContext';
import { addGraphBatchRoute } from './graphBatchRoute';
import { graphError } from './graphError';
import { addGraphPhotoRoutes } from './graphPhotoRoutes';
import { addGraphSubscriptionsRoutes } from './graphSubscriptionsRoutes';
import { addGraphUsersRoutes } from './graphUsersRoutes';
import { addGraphMemberGroupsRoutes } from './graphMemberGroupsRoutes';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import { decodePath, HttpRouter } from './HttpRouter';
import { createLoginRouter } from './loginRoutes';
import { addPeopleManagerRoutes } from './peopleManagerRoutes';
import type { ServiceName } from './RequestPolicy';
import { createServiceHandler, runMatchedRoute } from './serviceHandler';
import { addSharePointFilesRoutes } from './sharePointFilesRoutes';
import { sharePointError } from './sharePointError';
import type { ListenerOutcome } from './startHttpsListener';

export type HostHandler = (request: EmulatorRequest) => Promise<ListenerOutcome>;

export function createHostHandlers(
  ctx: EmulatorContext,
  control: EmulatorControl,
  options: { allowHttpNotificationUrl: boolean },
): Record<ServiceName, HostHandler> {
  const graphRouter = new HttpRouter<EmulatorContext>();
  addGraphUsersRoutes(graphRouter);
  addGraphMemberGroupsRoutes(graphRouter);
  addGraphPhotoRoutes(graphRouter);
  addGraphSubscriptionsRoutes(graphRouter, options);
  addControlRoutes(graphRouter, control);
  addGraphBatchRoute(graphRouter, (inner) => dispatchBatchItem(graphRouter, ctx, inner));
  const mySiteRouter = new HttpRouter<EmulatorContext>();
  addSharePointFilesRoutes(mySiteRouter);
  const adminRouter = new HttpRouter<EmulatorContext>();
  addPeopleManagerRoutes(adminRouter);

  const graphErrors = {
    error: (r: EmulatorRequest, status: number, code: string | undefined, message: string) =>
      graphError(status, code ?? graphCodeFor(status), message, { request: r, now: ctx.now() }),
  };
  const sharePointErrors = {
    error: (r: EmulatorRequest, status: number, code: string | undefined, message: string) =>
      sharePointError(r, status, code ?? '-2147024809, System.ArgumentException', message),
  };
  const loginErrors = {
    error: (_r: EmulatorRequest, status: number, code: string | undefined, message: string) =>
      jsonResponse(status, { error: code ?? 'temporarily_unavailable', error_description: message, error_codes: [] }),
  };
  return {
    login: createServiceHandler('login', createLoginRouter(), ctx, loginErrors),
    graph: createServiceHandler('graph', graphRouter, ctx, graphErrors),
    mySite: createServiceHandler('mySite', mySiteRouter, ctx, sharePointErrors),
    admin: createServiceHandler('admin', adminRouter, ctx, sharePointErrors),
  };
}

/** Inner batch requests run through the same routes (and the same auth and throttling), but not the control API. */
async function dispatchBatchItem(
  router: HttpRouter<EmulatorContext>,
  ctx: EmulatorContext,
  request: EmulatorRequest,
): Promise<EmulatorResponse> {
  const path = decodePath(request.url);
  const match = path === undefined ? undefined : router.match(request.method, path);
  if (!match || match === 'methodNotAllowed' || match.name.startsWith('emulator.') || match.name === 'batch') {
    const message = `Invalid request URI '${request.url.pathname}' in batch.`;
    return graphError(400, 'BadRequest', message, { request, now: ctx.now() });
  }
  ctx.policy.count('graph', request.method, `batch:${match.name}`);
  return runMatchedRoute(match, request, ctx);
}

function graphCodeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadRequest',
    401: 'InvalidAuthenticationToken',
    403: 'Forbidden',
    404: 'Request_ResourceNotFound',
    405: 'MethodNotAllowed',
    429: 'TooManyRequests',
    500: 'InternalServerError',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'GatewayTimeout',
  };
  return codes[status] ?? 'UnknownError';
}
