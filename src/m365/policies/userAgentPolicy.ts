// User agent: SharePoint asks ISVs and tenants to send `NONISV|{company}|{app}/{version}` so throttling can tell
// apps apart (and a decorated app is throttled less eagerly than an anonymous one).
// https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online#how-to-decorate-your-http-traffic

import type { M365Policy } from './M365Policy';

export function userAgentPolicy(userAgent: string): M365Policy {
  return {
    name: 'user-agent',
    send(request, next) {
      request.headers.set('User-Agent', userAgent);
      return next(request);
    },
  };
}
