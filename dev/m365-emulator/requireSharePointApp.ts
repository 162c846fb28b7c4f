// Bearer-token check for the SharePoint hosts. SharePoint Online accepts app-only tokens only when the app
// authenticated with a certificate (`appidacr` "2"); a client-secret token gets 401
// {"error_description":"Unsupported app only token."}. The token's audience must be the host being called.
// Missing application permissions give 403 System.UnauthorizedAccessException. No X-RequestDigest is needed with
// OAuth bearer tokens. https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread

import type { EmulatorContext } from './EmulatorContext';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import { accessDenied, sharePointError } from './sharePointError';
import type { SharePointCallKind } from './RequestPolicy';
import type { AccessTokenClaims } from './TokenIssuer';

export type SharePointAuth = { ok: true; claims: AccessTokenClaims } | { ok: false; response: EmulatorResponse };

export async function requireSharePointApp(
  request: EmulatorRequest,
  ctx: EmulatorContext,
  options: { origin: string; anyOf: string[]; cost: SharePointCallKind },
): Promise<SharePointAuth> {
  const unauthorized = (description: string): SharePointAuth => ({
    ok: false,
    response: jsonResponse(
      401,
      { error_description: description },
      {
        'www-authenticate': `Bearer realm="${ctx.tenant.tenantId}",client_id="00000003-0000-0ff1-ce00-000000000000",trusted_issuers="00000001-0000-0000-c000-000000000000@*",authorization_uri="${ctx.urls.authorityHost}/common/oauth2/authorize"`,
        'x-ms-diagnostics':
          '3001000;reason="There has been an error authenticating the request.";category="invalid_client"',
      },
    ),
  });
  const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
  if (!token) return unauthorized('Invalid JWT token. No token provided.');
  const check = await ctx.tokens.verify(token, { audiences: [options.origin], now: ctx.now() });
  if (!check.ok) {
    return unauthorized(
      check.reason === 'expired' ? 'Invalid JWT token. The token is expired.' : 'Invalid issuer or signature.',
    );
  }
  if (check.claims.appidacr !== '2') return unauthorized('Unsupported app only token.');
  const roles = new Set(check.claims.roles ?? []);
  if (!options.anyOf.some((r) => roles.has(r))) return { ok: false, response: accessDenied(request) };
  // SharePoint throttles per app per tenant in resource units (both hosts share the budget); near the limit
  // answers, 429 or not, may carry RateLimit-* headers.
  const verdict = ctx.policy.throttle('sharepoint', check.claims.appid, options.cost);
  if (verdict.retryAfterSeconds !== undefined) {
    return {
      ok: false,
      response: sharePointError(
        request,
        429,
        '-2147024860, Microsoft.SharePoint.SPQueryThrottledException',
        'The request has been throttled. Wait for the time in the Retry-After header before retrying.',
        { 'retry-after': String(verdict.retryAfterSeconds), ...verdict.headers },
      ),
    };
  }
  ctx.policy.addResponseHeaders(request, verdict.headers);
  return { ok: true, claims: check.claims };
}
