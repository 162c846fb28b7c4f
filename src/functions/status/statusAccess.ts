// Every status-page function starts here: who is asking (checkHrAccess), and for a POST that it comes from the page
// itself. Easy Auth signs people in with a cookie, so a form on another site could otherwise post to "retry" or
// "remove" in an HR person's name: browsers send Sec-Fetch-Site and Origin, and a cross-site POST is refused.

import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { checkHrAccess, type HrAccess } from '../../pipeline/status/checkHrAccess';
import type { StatusPageConfig } from '../../config';
import { htmlPage, escapeHtml } from './statusHtml';

export const statusBase = '/api/status';

export function wantsJson(request: HttpRequest): boolean {
  return (request.headers.get('accept') ?? '').includes('application/json');
}

function refusal(request: HttpRequest, status: number, code: string, message: string): HttpResponseInit {
  if (wantsJson(request)) return { status, jsonBody: { error: { code, message } } };
  return htmlResponse(
    status,
    htmlPage('Photo status: not allowed', `<h1>Photo status</h1><p role="alert">${escapeHtml(message)}</p>`),
  );
}

export function htmlResponse(status: number, body: string): HttpResponseInit {
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Only our own inline script and our own photo URLs; no framing by other sites.
      'Content-Security-Policy':
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    },
    body,
  };
}

/** The signed-in HR person, or the response that refuses the request. */
export function admitHr(
  request: HttpRequest,
  config: StatusPageConfig,
): { ok: true; who: string } | { ok: false; response: HttpResponseInit } {
  const access: HrAccess = checkHrAccess(
    { principal: request.headers.get('x-ms-client-principal'), hostname: new URL(request.url).hostname },
    config,
  );
  if (!access.allowed) return { ok: false, response: refusal(request, access.status, access.code, access.message) };
  if (request.method === 'POST') {
    const site = request.headers.get('sec-fetch-site');
    const origin = request.headers.get('origin');
    const host = new URL(request.url).host;
    if (site === 'cross-site' || (origin && origin !== 'null' && new URL(origin).host !== host)) {
      return {
        ok: false,
        response: refusal(request, 403, 'cross-site', 'This change must be made from the status page itself.'),
      };
    }
  }
  return { ok: true, who: access.who };
}
