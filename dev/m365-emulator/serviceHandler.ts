// The request pipeline of one host: count → injected fault (delay, drop, error) → route → handler.
// Authentication and throttling need the caller's token, so they run inside the routes (requireGraphApp /
// requireSharePointApp).

import type { EmulatorContext } from './EmulatorContext';
import type { EmulatorRequest, EmulatorResponse } from './HttpExchange';
import { decodePath, type HttpRouter, type RouteMatch } from './HttpRouter';
import type { ServiceName } from './RequestPolicy';
import type { ListenerOutcome } from './startHttpsListener';

export interface ServiceErrors {
  /** The service's own error body for a status + code (used for 404/405 and injected faults). */
  error(request: EmulatorRequest, status: number, code: string | undefined, message: string): EmulatorResponse;
}

export function createServiceHandler(
  service: ServiceName,
  router: HttpRouter<EmulatorContext>,
  ctx: EmulatorContext,
  errors: ServiceErrors,
): (request: EmulatorRequest) => Promise<ListenerOutcome> {
  return async (request) => {
    const path = decodePath(request.url);
    const match = path === undefined ? undefined : router.match(request.method, path);
    const routeName = match && match !== 'methodNotAllowed' ? match.name : 'unmatched';
    ctx.policy.count(service, request.method, routeName, request.headers['user-agent']);

    // The control API (/_emulator/…) is how tests and people drive the emulator: injected faults never hit it.
    const isControl = path?.startsWith('/_emulator/') ?? false;
    const fault = isControl ? undefined : ctx.policy.takeFault(service, request.method, path ?? request.url.pathname);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.dropConnection) return 'drop';
    if (fault?.status) {
      const response = errors.error(request, fault.status, fault.code, fault.message ?? 'Injected fault.');
      if (fault.retryAfterSeconds !== undefined) response.headers['retry-after'] = String(fault.retryAfterSeconds);
      return response;
    }

    if (path === undefined) return errors.error(request, 400, undefined, 'The request URI is not valid.');
    if (match === undefined)
      return errors.error(request, 404, undefined, `Resource not found for the segment '${path}'.`);
    if (match === 'methodNotAllowed') {
      return errors.error(request, 405, undefined, 'The HTTP method is not allowed on this resource.');
    }
    return runMatchedRoute(match, request, ctx);
  };
}

/**
 * Runs a matched route and gives its answer the policy's headers (RateLimit-*); the request's mailbox slot is freed
 * even when the handler throws. Top-level requests and `$batch` sub-requests both go through here.
 */
export async function runMatchedRoute(
  match: RouteMatch<EmulatorContext>,
  request: EmulatorRequest,
  ctx: EmulatorContext,
): Promise<EmulatorResponse> {
  try {
    const response = await match.handler(request, match.params, ctx);
    Object.assign(response.headers, ctx.policy.finish(request));
    return response;
  } finally {
    ctx.policy.finish(request);
  }
}
