// Bearer-token check for Graph, then per-app throttling. Graph answers 401 InvalidAuthenticationToken for a
// missing/invalid/expired token, 403 when the app lacks every accepted application permission: directory
// endpoints say Authorization_RequestDenied, Exchange-backed ones (photos) ErrorAccessDenied.
// https://learn.microsoft.com/graph/errors, https://learn.microsoft.com/graph/throttling

import type { EmulatorContext } from './EmulatorContext';
import { graphError } from './graphError';
import type { EmulatorRequest, EmulatorResponse } from './HttpExchange';
import type { AccessTokenClaims } from './TokenIssuer';

export type GraphWorkload = 'directory' | 'exchange';

export type GraphAuth = { ok: true; claims: AccessTokenClaims } | { ok: false; response: EmulatorResponse };

const wwwAuthenticate =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export async function requireGraphApp(
  request: EmulatorRequest,
  ctx: EmulatorContext,
  options: { anyOf: string[]; workload: GraphWorkload },
): Promise<GraphAuth> {
  const now = ctx.now();
  const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}): GraphAuth => ({
    ok: false,
    response: graphError(status, code, message, { request, now, headers }),
  });
  const header = request.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (!token)
    return fail(401, 'InvalidAuthenticationToken', 'Access token is empty.', { 'www-authenticate': wwwAuthenticate });
  const check = await ctx.tokens.verify(token, { audiences: [ctx.urls.graphBaseUrl], now });
  if (!check.ok) {
    const message =
      check.reason === 'expired'
        ? 'Lifetime validation failed, the token is expired.'
        : check.reason === 'audience'
          ? 'Access token validation failure. Invalid audience.'
          : 'Access token validation failure.';
    return fail(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': wwwAuthenticate });
  }
  const roles = new Set(check.claims.roles ?? []);
  if (!options.anyOf.some((role) => roles.has(role))) {
    return options.workload === 'exchange'
      ? fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')
      : fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  const retryAfter = ctx.policy.throttle('graph', check.claims.appid).retryAfterSeconds;
  if (retryAfter !== undefined) {
    return options.workload === 'exchange'
      ? fail(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
          'retry-after': String(retryAfter),
        })
      : fail(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': String(retryAfter) });
  }
  return { ok: true, claims: check.claims };
}
