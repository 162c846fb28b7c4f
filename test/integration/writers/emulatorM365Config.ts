// The M365 settings for the emulator's demo app, as loadM365Config would build them from app settings.

import type { M365Config } from '../../../src/config';
import type { M365Emulator } from '../../../dev/m365-emulator';

export function emulatorM365Config(
  emulator: M365Emulator,
  options: { credential?: 'certificate' | 'secret'; app?: 'photoSync' | 'noRoles' } = {},
): M365Config {
  const app = emulator.apps[options.app ?? 'photoSync'];
  return {
    tenantId: emulator.tenantId,
    clientId: app.clientId,
    credential:
      options.credential === 'secret'
        ? { kind: 'secret', clientSecret: app.clientSecret }
        : { kind: 'certificate', certificatePem: app.certificatePem, privateKeyPem: app.privateKeyPem },
    authorityHost: emulator.urls.authorityHost,
    graphBaseUrl: emulator.urls.graphBaseUrl,
    mySiteUrl: emulator.urls.mySiteUrl,
    adminSiteUrl: emulator.urls.adminSiteUrl,
    userAgent: 'NONISV|Contoso|M365PhotoSync/test',
    httpTimeoutMs: 10_000,
    // The emulator's default SharePoint budget (sharePointAppBudget).
    sharePointUnitsPerMinute: 1_200,
  };
}
