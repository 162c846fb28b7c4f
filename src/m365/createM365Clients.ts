// Builds the Microsoft 365 adapters from configuration, sharing one MSAL client (one token cache) and one transport.
// The composition root calls it once per process; integration tests call it with the emulator's settings.

import type { M365Config } from '../config';
import { createM365Auth, type M365Auth } from './M365Auth';
import { GraphClient } from './GraphClient';
import { defaultRetryOptions, type M365RetryOptions } from './policies/retryPolicy';
import { M365Transport } from './M365Transport';
import { SharePointClient } from './SharePointClient';
import { SharedUnitBudget, type BudgetLedgerPort } from './SharedUnitBudget';

export interface M365Clients {
  auth: M365Auth;
  transport: M365Transport;
  graph: GraphClient;
  sharePoint: SharePointClient;
}

export function createM365Clients(
  config: M365Config,
  options: {
    retry?: Partial<M365RetryOptions>;
    paceByRateLimitHeaders?: boolean;
    /** SharePoint's budget as a ledger every instance leases from; without it each process keeps its own account. */
    sharePointLedger?: BudgetLedgerPort;
    /** Told when the ledger cannot be reached (calls are held back meanwhile). */
    sharePointLedgerErrors?: (error: unknown) => void;
  } = {},
): M365Clients {
  const auth = createM365Auth(config);
  const transport = new M365Transport({
    auth,
    userAgent: config.userAgent,
    retry: { ...defaultRetryOptions, timeoutMs: config.httpTimeoutMs, ...options.retry },
    ...(options.sharePointLedger
      ? {
          sharePointBudget: new SharedUnitBudget(options.sharePointLedger, Date.now, {
            ...(options.sharePointLedgerErrors ? { onError: options.sharePointLedgerErrors } : {}),
          }),
        }
      : config.sharePointUnitsPerMinute > 0
        ? { sharePointBudget: { units: config.sharePointUnitsPerMinute, windowMs: 60_000 } }
        : {}),
    ...(options.paceByRateLimitHeaders === undefined ? {} : { paceByRateLimitHeaders: options.paceByRateLimitHeaders }),
  });
  return {
    auth,
    transport,
    graph: new GraphClient({ auth, transport, graphBaseUrl: config.graphBaseUrl }),
    sharePoint: new SharePointClient({
      auth,
      transport,
      mySiteUrl: config.mySiteUrl,
      adminSiteUrl: config.adminSiteUrl,
    }),
  };
}
