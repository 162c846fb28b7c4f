// App-only tokens with MSAL's client-credentials flow: one ConfidentialClientApplication per process (MSAL caches a
// token per scope in it and renews before expiry), scope `{resource origin}/.default`. A certificate is the
// credential SharePoint REST insists on for app-only access (a client secret gets `401 Unsupported app only token`:
// https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread); a secret works for Graph.
// Tokens and secrets are never logged.

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

export function createM365Auth(config: M365Config): M365Auth {
  const application = new ConfidentialClientApplication({ auth: clientCredential(config) });
  return {
    credentialKind: config.credential.kind,
    async getToken(resourceOrigin: string): Promise<string> {
      const scope = `${new URL(resourceOrigin).origin}/.default`;
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
      return result.accessToken;
    },
  };
}
