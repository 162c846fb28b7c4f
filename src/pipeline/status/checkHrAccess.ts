// Who may see the status page. On Azure, App Service Authentication (Easy Auth) with Microsoft Entra ID signs people
// in before a request reaches the function and passes who they are in `X-MS-CLIENT-PRINCIPAL` (base64 JSON with
// the token's claims); App Service strips that header from incoming requests, so only Easy Auth can set it. The
// function still checks the `groups` claim itself: Easy Auth's own rule only says "signed in to this tenant".
// Locally (STATUS_PAGE_AUTH=localhost, the default off Azure) the page is open, but only to loopback requests.
// https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities#access-user-claims-in-app-code

export type StatusPageAuthMode = 'easyauth' | 'localhost';

export type HrAccess =
  { allowed: true; who: string } | { allowed: false; status: 401 | 403; code: string; message: string };

export interface HrAccessRequest {
  /** The `x-ms-client-principal` header, when present. */
  principal: string | null;
  /** The request URL's host name (no port). */
  hostname: string;
}

export interface HrAccessOptions {
  auth: StatusPageAuthMode;
  /** Object id of the HR group (HR_GROUP_ID). */
  hrGroupId?: string;
}

interface ClientPrincipal {
  auth_typ?: string;
  name_typ?: string;
  claims?: { typ?: string; val?: string }[];
}

const loopback = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const groupClaimTypes = new Set(['groups', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups']);
const nameClaimTypes = ['preferred_username', 'name', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'];

function parsePrincipal(header: string): ClientPrincipal | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function checkHrAccess(request: HrAccessRequest, options: HrAccessOptions): HrAccess {
  if (options.auth === 'localhost') {
    if (loopback.has(request.hostname.toLowerCase())) return { allowed: true, who: 'localhost' };
    return {
      allowed: false,
      status: 403,
      code: 'not-local',
      message: 'Without sign-in (STATUS_PAGE_AUTH=localhost) the status page answers only on this machine.',
    };
  }
  const principal = request.principal ? parsePrincipal(request.principal) : undefined;
  if (!principal?.claims) {
    return {
      allowed: false,
      status: 401,
      code: 'sign-in-required',
      message: 'Sign in with your work account to see photo status (App Service Authentication).',
    };
  }
  const claims = principal.claims;
  const who = nameClaimTypes.map((t) => claims.find((c) => c.typ === t)?.val).find((v) => v) ?? 'a signed-in person';
  if (!options.hrGroupId) {
    return {
      allowed: false,
      status: 403,
      code: 'hr-group-not-configured',
      message: 'HR_GROUP_ID is not set, so nobody is let in. Ask IT to set it to the HR group object id.',
    };
  }
  const wanted = options.hrGroupId.toLowerCase();
  const inGroup = claims.some((c) => c.typ && groupClaimTypes.has(c.typ) && c.val?.toLowerCase() === wanted);
  if (inGroup) return { allowed: true, who };
  // Entra leaves the groups out of a token for people in more than 200 groups (the "overage" claim names a Graph
  // call instead); they are refused with a message that says so rather than let in unchecked.
  const overage = claims.some((c) => c.typ === '_claim_names' || c.typ === 'hasgroups');
  return {
    allowed: false,
    status: 403,
    code: 'not-in-hr-group',
    message: overage
      ? `${who} is in too many groups for the sign-in token to list them; ask IT to assign the HR group to the app (groups assigned to the application).`
      : `${who} is not in the HR group, so photo status is not shown.`,
  };
}
