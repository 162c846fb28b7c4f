// Lets the renewal timer notice that NOTIFICATION_URL or NOTIFICATION_CLIENT_STATE changed (the old subscription
// would keep posting to the old URL, or echoing the old secret so every notification is ignored) without storing
// either: the URL carries the function key and the clientState is a secret. A short sha256 prefix reveals neither.

import { createHash } from 'node:crypto';

export function subscriptionSettingsFingerprint(notificationUrl: string, clientState: string): string {
  return createHash('sha256')
    .update(JSON.stringify(['graph-subscription@1', notificationUrl, clientState]), 'utf8')
    .digest('hex')
    .slice(0, 16);
}

/** The URL without its query (`?code=` is the function key): what operators see in the table and the logs. */
export function notificationEndpoint(notificationUrl: string): string {
  const url = new URL(notificationUrl);
  return `${url.origin}${url.pathname}`;
}
