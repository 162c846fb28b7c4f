// The Microsoft identity platform endpoints MSAL uses for client credentials: OpenID discovery, signing keys,
// instance discovery (only for non-`knownAuthorities` hosts) and `/{tenant}/oauth2/v2.0/token`.
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow

import { aadError } from './aadError';
import type { EmulatorContext } from './EmulatorContext';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import { HttpRouter } from './HttpRouter';
import type { ResourceName } from './AppRegistration';
import { verifyClientAssertion } from './verifyClientAssertion';

const jwtBearer = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const tokenLifetimeSeconds = 3599;

export function createLoginRouter(): HttpRouter<EmulatorContext> {
  return new HttpRouter<EmulatorContext>()
    .add('GET', /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i, 'openid-configuration', openIdConfiguration)
    .add('GET', /^\/([^/]+)\/discovery\/v2\.0\/keys$/i, 'keys', (_r, _p, ctx) =>
      jsonResponse(200, { keys: [ctx.tokens.jwk] }),
    )
    .add('GET', /^\/common\/discovery\/instance$/i, 'instance-discovery', instanceDiscovery)
    .add('POST', /^\/([^/]+)\/oauth2\/v2\.0\/token$/i, 'token', token);
}

function knownTenant(ctx: EmulatorContext, tenant: string): boolean {
  const t = tenant.toLowerCase();
  return t === ctx.tenant.tenantId || t === ctx.tenant.tenantDomain;
}

function openIdConfiguration(_r: EmulatorRequest, params: string[], ctx: EmulatorContext): EmulatorResponse {
  const tenant = params[0] ?? '';
  if (!knownTenant(ctx, tenant)) {
    return aadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`, { now: ctx.now() });
  }
  const base = `${ctx.urls.authorityHost}/${ctx.tenant.tenantId}`;
  return jsonResponse(200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
  });
}

function instanceDiscovery(_r: EmulatorRequest, _p: string[], ctx: EmulatorContext): EmulatorResponse {
  const host = new URL(ctx.urls.authorityHost).host;
  return jsonResponse(200, {
    tenant_discovery_endpoint: `${ctx.urls.authorityHost}/${ctx.tenant.tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
}

/** `{resource}/.default` → which resource app and which `aud` the token gets. */
function resolveScope(ctx: EmulatorContext, scope: string): { resource: ResourceName; audience: string } | undefined {
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.length !== 1 || !scopes[0]?.endsWith('/.default')) return undefined;
  const resource = scopes[0].slice(0, -'/.default'.length).replace(/\/$/, '').toLowerCase();
  const graphIds = [ctx.urls.graphBaseUrl, 'https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
  if (graphIds.includes(resource)) return { resource: 'graph', audience: ctx.urls.graphBaseUrl };
  if (resource === ctx.urls.mySiteUrl || resource === ctx.urls.adminSiteUrl)
    return { resource: 'sharepoint', audience: resource };
  return undefined;
}

async function token(request: EmulatorRequest, params: string[], ctx: EmulatorContext): Promise<EmulatorResponse> {
  const now = ctx.now();
  const tenant = params[0] ?? '';
  if (!knownTenant(ctx, tenant))
    return aadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`, { now });
  const form = new URLSearchParams(request.body.toString('utf8'));
  const correlationId = request.headers['client-request-id'];
  const fail = (status: number, error: string, code: number, message: string) =>
    aadError(status, error, code, message, { now, ...(correlationId ? { correlationId } : {}) });

  if (form.get('grant_type') !== 'client_credentials') {
    return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  }
  const clientId = form.get('client_id') ?? '';
  const app = ctx.tenant.findAppByClientId(clientId);
  if (!app) {
    return fail(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${ctx.tenant.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const scope = resolveScope(ctx, form.get('scope') ?? '');
  if (!scope) {
    return fail(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }

  let appidacr: '1' | '2';
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== jwtBearer) {
      return fail(400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
    }
    const tokenEndpoint = `${ctx.urls.authorityHost}/${tenant}/oauth2/v2.0/token`;
    const check = await verifyClientAssertion(assertion, app, { tokenEndpoint, now });
    if (!check.ok) return fail(401, 'invalid_client', check.code, check.message);
    appidacr = '2';
  } else if (secret !== null) {
    if (!app.secrets.includes(secret)) {
      return fail(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      );
    }
    appidacr = '1';
  } else {
    return fail(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }

  const accessToken = await ctx.tokens.issue(
    {
      aud: scope.audience,
      tid: ctx.tenant.tenantId,
      appid: app.clientId,
      appidacr,
      // Entra omits the roles claim when the app has no permission on the resource.
      ...(app.roles[scope.resource].size > 0 ? { roles: [...app.roles[scope.resource]].sort() } : {}),
      oid: app.clientId,
      app_displayname: app.displayName,
    },
    { now, lifetimeSeconds: tokenLifetimeSeconds },
  );
  return jsonResponse(200, {
    token_type: 'Bearer',
    expires_in: tokenLifetimeSeconds,
    ext_expires_in: tokenLifetimeSeconds,
    access_token: accessToken,
  });
}
