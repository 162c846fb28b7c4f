// App-only tokens with MSAL's client-credentials flow: one ConfidentialClientApplication per process (MSAL caches a
// token per scope in it and renews before expiry), scope `{resource origin}/.default`. A certificate is the
// credential SharePoint REST insists on for app-only access (a client secret gets `401 Unsupported app only token`:
// https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread); a secret works for Graph.
// Tokens and secrets are never logged.
//
// Each token MSAL returns is also kept here, per scope, until MSAL itself would renew it (5 minutes before it
// expires, or at its refreshOn): asking MSAL for a cached token costs a cache search and an authority object per call,
// which was 6 % of a host's CPU with every Microsoft 365 request asking (bench:e2e profile). Concurrent asks for a
// scope with no usable token share one MSAL call.

import { X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import type { M365Config } from '../config';
import { M365RequestError } from './M365RequestError';

export interface M365Auth {
  /** `certificate` or `secret`: SharePoint needs to know before it asks. */
  readonly credentialKind: 'certificate' | 'secret';
  /** A bearer token for the resource at this origin (`https://graph.microsoft.com`, a SharePoint host). */
  getToken(resourceOrigin: string): Promise<string>;
}

const PUBLIC_CLOUD_HOST = 'login.microsoftonline.com';

/** MSAL's code when it could not read the authority's metadata (`ClientAuthErrorCodes.endpointResolutionError`). */
const ENDPOINTS_RESOLUTION_ERROR = 'endpoints_resolution_error';

function clientCredential(config: M365Config): Configuration['auth'] {
  const base = {
    clientId: config.clientId,
    authority: `${config.authorityHost}/${config.tenantId}`,
  };
  const host = new URL(config.authorityHost).host;
  // MSAL validates authorities against Microsoft's cloud list; another host (the emulator, a sovereign cloud's
  // proxy) must be declared as known, which also skips instance discovery.
  const known = new URL(config.authorityHost).hostname === PUBLIC_CLOUD_HOST ? {} : { knownAuthorities: [host] };
  if (config.credential.kind === 'secret') {
    return { ...base, ...known, clientSecret: config.credential.clientSecret };
  }
  const certificate = new X509Certificate(config.credential.certificatePem);
  return {
    ...base,
    ...known,
    clientCertificate: {
      // The `x5t#S256` header of the client assertion: SHA-256 of the DER certificate, hex.
      thumbprintSha256: certificate.fingerprint256.replace(/:/g, ''),
      privateKey: config.credential.privateKeyPem,
      x5c: config.credential.certificatePem,
    },
  };
}

interface MsalErrorShape {
  errorCode?: string;
  errorMessage?: string;
  correlationId?: string;
}

/** MSAL's default `tokenRenewalOffsetSeconds`: a cached token is not used in its last 5 minutes. */
const renewBeforeExpiryMs = 5 * 60_000;

interface KeptToken {
  accessToken: string;
  /** When MSAL would stop returning it from its cache (ms since the epoch). */
  renewAt: number;
}

export function createM365Auth(config: M365Config, now: () => number = Date.now): M365Auth {
  const application = new ConfidentialClientApplication({ auth: clientCredential(config) });
  const kept = new Map<string, KeptToken>();
  const asking = new Map<string, Promise<string>>();
  const acquire = async (scope: string): Promise<string> => {
    let result;
    try {
      result = await application.acquireTokenByClientCredential({ scopes: [scope] });
    } catch (error) {
      const msal = error as MsalErrorShape;
      const code = msal.errorCode ?? 'token-request-failed';
      // MSAL reports transport problems with these codes; anything else (bad secret, unknown app) is permanent.
      // A process that has not signed in yet first fetches the authority's OpenID configuration, and MSAL turns
      // every failure of that fetch (no answer included) into `endpoints_resolution_error`: taken as permanent, a
      // host started during a login outage would record `permission-denied` for every photo it touches. A wrong
      // tenant id gives the same code; retried, it still ends in the poison queue with this message.
      const metadataUnreachable = code === ENDPOINTS_RESOLUTION_ERROR;
      const retryable = metadataUnreachable || /network|timeout|ECONN/i.test(`${code} ${msal.errorMessage ?? ''}`);
      const said = metadataUnreachable
        ? `the sign-in service did not give its OpenID configuration (${config.authorityHost} unreachable, or ` +
          'M365_TENANT_ID / M365_AUTHORITY_HOST wrong)'
        : (msal.errorMessage ?? (error as Error).message);
      throw new M365RequestError(
        {
          service: 'login',
          status: retryable ? 0 : 401,
          code,
          message: `Cannot get an app-only token for ${scope} (tenant ${config.tenantId}, app ${config.clientId}): ${said}`,
          ...(msal.correlationId ? { requestId: msal.correlationId } : {}),
          retryable,
        },
        { cause: error },
      );
    }
    if (!result?.accessToken) {
      throw new M365RequestError({
        service: 'login',
        status: 401,
        code: 'no-token',
        message: `No token for ${scope}.`,
      });
    }
    const renewAt = Math.min(
      (result.expiresOn?.getTime() ?? 0) - renewBeforeExpiryMs,
      result.refreshOn?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    if (renewAt > now()) kept.set(scope, { accessToken: result.accessToken, renewAt });
    return result.accessToken;
  };
  return {
    credentialKind: config.credential.kind,
    getToken(resourceOrigin: string): Promise<string> {
      const scope = `${new URL(resourceOrigin).origin}/.default`;
      const token = kept.get(scope);
      if (token && now() < token.renewAt) return Promise.resolve(token.accessToken);
      let pending = asking.get(scope);
      if (!pending) {
        pending = acquire(scope).finally(() => asking.delete(scope));
        asking.set(scope, pending);
      }
      return pending;
    },
  };
}
