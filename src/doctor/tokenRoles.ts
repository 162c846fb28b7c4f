// The `roles` claim of an app-only access token: the application permissions an admin consented to for the
// token's resource. The token is only decoded, never verified (the resource verifies it) and never printed.

import { decodeJwt } from 'jose';

export function tokenRoles(accessToken: string): string[] {
  const claims = decodeJwt(accessToken);
  const roles = claims.roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}
