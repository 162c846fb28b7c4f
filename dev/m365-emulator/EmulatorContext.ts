// Everything the routes of all four hosts share. One instance per running emulator.

import type { Tenant } from './Tenant';
import type { TokenIssuer } from './TokenIssuer';
import type { SharePointStore } from './SharePointStore';
import type { SubscriptionStore } from './SubscriptionStore';
import type { RequestPolicy } from './RequestPolicy';

export interface EmulatorUrls {
  authorityHost: string;
  graphBaseUrl: string;
  mySiteUrl: string;
  adminSiteUrl: string;
}

export interface EmulatorContext {
  tenant: Tenant;
  tokens: TokenIssuer;
  urls: EmulatorUrls;
  sharePoint: SharePointStore;
  subscriptions: SubscriptionStore;
  policy: RequestPolicy;
  now: () => Date;
}
