// MSAL clients and small fetch helpers for the emulator's own tests.

import { ConfidentialClientApplication } from '@azure/msal-node';
import type { M365Emulator } from '../../../dev/m365-emulator';

export type AppName = 'photoSync' | 'noRoles';

export function msalClient(emulator: M365Emulator, app: AppName, credential: 'secret' | 'certificate') {
  const registration = emulator.apps[app];
  const authority = `${emulator.urls.authorityHost}/${emulator.tenantId}`;
  const knownAuthorities = [new URL(emulator.urls.authorityHost).host];
  return new ConfidentialClientApplication({
    auth:
      credential === 'secret'
        ? { clientId: registration.clientId, authority, knownAuthorities, clientSecret: registration.clientSecret }
        : {
            clientId: registration.clientId,
            authority,
            knownAuthorities,
            clientCertificate: {
              thumbprintSha256: registration.thumbprintSha256,
              privateKey: registration.privateKeyPem,
              x5c: registration.certificatePem,
            },
          },
  });
}

export async function accessToken(
  emulator: M365Emulator,
  options: { app?: AppName; credential?: 'secret' | 'certificate'; resource: string },
): Promise<string> {
  const client = msalClient(emulator, options.app ?? 'photoSync', options.credential ?? 'certificate');
  const result = await client.acquireTokenByClientCredential({ scopes: [`${options.resource}/.default`] });
  if (!result) throw new Error('MSAL returned no token');
  return result.accessToken;
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}
