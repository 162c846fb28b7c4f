// Graph validates a notification URL before it creates a subscription: it POSTs `?validationToken=…` and expects,
// within 10 seconds, 200 with `text/plain` and the decoded token as the whole body
// (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks#notificationurl-validation).
// The token used here has spaces, `+` and HTML characters, so a handler that echoes the raw query string, decodes
// `+` wrongly, or HTML-escapes the body fails here instead of in Graph.

import { randomBytes } from 'node:crypto';
import type { CheckResult } from './DoctorCheck';

const GRAPH_VALIDATION_DEADLINE_MS = 10_000;

function isLocalHost(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

export async function checkNotificationHandshake(notificationUrl: string | undefined): Promise<CheckResult[]> {
  const title = 'Notification URL answers the validation handshake';
  if (!notificationUrl) {
    return [
      {
        id: 'notification-handshake',
        title,
        status: 'warn',
        detail: 'NOTIFICATION_URL is not set: photo changes in Outlook/Teams arrive only with the reconcile timer.',
        fix: 'Run the postdeploy hook (azd hooks run postdeploy), which stores the URL with its function key.',
      },
    ];
  }
  const url = new URL(notificationUrl);
  const results: CheckResult[] = [];
  if (url.protocol !== 'https:' && !isLocalHost(url)) {
    results.push({
      id: 'notification-https',
      title: 'Notification URL is HTTPS',
      status: 'fail',
      detail: `${url.origin} is not https: Graph refuses to create the subscription.`,
      fix: 'Set NOTIFICATION_URL to the https:// address of the graphNotifications function.',
    });
  }
  const token = `Validation: ${randomBytes(6).toString('hex')} + <doctor> & 'check' 100%`;
  // encodeURIComponent: spaces as %20 and `+` as %2B, which every correct decoder reads back the same way.
  const separator = url.search ? '&' : '?';
  const target = `${url.href}${separator}validationToken=${encodeURIComponent(token)}`;
  const started = Date.now();
  try {
    const response = await fetch(target, {
      method: 'POST',
      signal: AbortSignal.timeout(GRAPH_VALIDATION_DEADLINE_MS),
    });
    const body = await response.text();
    const elapsed = Date.now() - started;
    const contentType = response.headers.get('content-type') ?? '';
    const problems = [
      response.status === 200 ? '' : `status ${response.status} (expected 200)`,
      /^text\/plain\b/i.test(contentType) ? '' : `content-type "${contentType}" (expected text/plain)`,
      body === token ? '' : 'the body is not the decoded token, exactly',
    ].filter(Boolean);
    results.push({
      id: 'notification-handshake',
      title,
      status: problems.length === 0 ? 'pass' : 'fail',
      detail: problems.length === 0 ? `echoed the token in ${elapsed} ms` : problems.join('; '),
      ...(problems.length
        ? {
            fix: 'Deploy the current graphNotifications function and check NOTIFICATION_URL (route /api/notifications, ?code=<function key>).',
          }
        : {}),
    });
  } catch (error) {
    results.push({
      id: 'notification-handshake',
      title,
      status: 'fail',
      detail: `no answer within ${GRAPH_VALIDATION_DEADLINE_MS / 1000} s: ${(error as Error).message}`,
      fix: 'Check that the function app runs and that NOTIFICATION_URL points at it (docs/deploy.md).',
    });
  }
  return results;
}
