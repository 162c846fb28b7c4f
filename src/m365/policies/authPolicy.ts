// Auth: an app-only bearer token for the request's origin (Graph, a SharePoint host), asked for once per call and
// kept for its retries; M365Auth keeps it until MSAL would renew it. Tokens are never logged.

import type { M365Auth } from '../M365Auth';
import type { M365Policy } from './M365Policy';

export function authPolicy(auth: M365Auth): M365Policy {
  return {
    name: 'auth',
    async send(request, next) {
      const token = await auth.getToken(new URL(request.url).origin);
      request.headers.set('Authorization', `Bearer ${token}`);
      return next(request);
    },
  };
}
