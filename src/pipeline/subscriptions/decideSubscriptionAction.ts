// What the renewal timer does with our `/users` subscription. Graph rules:
// - a `/users` subscription lives at most 41,760 minutes (< 29 days); longer requests are refused;
// - `PATCH /subscriptions/{id}` with a new expirationDateTime renews (and reauthorizes) it;
// - an expired subscription is deleted by Graph, and Graph may lose one at any time (404 on PATCH): create anew.
// https://learn.microsoft.com/graph/api/resources/subscription#subscription-lifetime

export const MAX_USER_SUBSCRIPTION_MINUTES = 41_760;
/** Ask for a little less than the maximum so clock skew between us and Graph never makes the request too long. */
export const REQUESTED_SUBSCRIPTION_MINUTES = MAX_USER_SUBSCRIPTION_MINUTES - 60;
/** Renew when less than this fraction of the requested lifetime is left (~9.6 days): many timer runs to succeed. */
export const RENEW_WHEN_REMAINING_FRACTION = 1 / 3;

export const USERS_RESOURCE = '/users';
export const USERS_CHANGE_TYPE = 'updated';

/** A subscription as we keep it in Table storage. */
export interface StoredSubscription {
  id: string;
  resource: string;
  changeType: string;
  /** notificationUrl without its query (the function key stays out of storage). */
  notificationEndpoint: string;
  /** ISO 8601. */
  expirationDateTime: string;
  /** Fingerprint of the notificationUrl and clientState it was created with (subscriptionSettingsFingerprint). */
  settingsFingerprint: string;
}

export type SubscriptionAction =
  | { kind: 'create'; expirationDateTime: string }
  | { kind: 'recreate'; previousId: string; reason: 'expired' | 'settings-changed'; expirationDateTime: string }
  | { kind: 'renew'; id: string; expirationDateTime: string }
  | { kind: 'keep'; id: string; renewAfter: string };

export interface SubscriptionDecisionOptions {
  now: Date;
  settingsFingerprint: string;
  lifetimeMinutes?: number;
}

export function newExpiration(now: Date, lifetimeMinutes = REQUESTED_SUBSCRIPTION_MINUTES): string {
  const minutes = Math.min(lifetimeMinutes, MAX_USER_SUBSCRIPTION_MINUTES);
  return new Date(now.getTime() + minutes * 60_000).toISOString();
}

export function decideSubscriptionAction(
  stored: StoredSubscription | undefined,
  options: SubscriptionDecisionOptions,
): SubscriptionAction {
  const lifetimeMinutes = options.lifetimeMinutes ?? REQUESTED_SUBSCRIPTION_MINUTES;
  const expirationDateTime = newExpiration(options.now, lifetimeMinutes);
  if (!stored) return { kind: 'create', expirationDateTime };
  if (stored.settingsFingerprint !== options.settingsFingerprint) {
    return { kind: 'recreate', previousId: stored.id, reason: 'settings-changed', expirationDateTime };
  }
  const expiresAt = Date.parse(stored.expirationDateTime);
  const nowMs = options.now.getTime();
  if (!Number.isFinite(expiresAt) || expiresAt <= nowMs) {
    return { kind: 'recreate', previousId: stored.id, reason: 'expired', expirationDateTime };
  }
  const renewWindowMs = lifetimeMinutes * 60_000 * RENEW_WHEN_REMAINING_FRACTION;
  if (expiresAt - nowMs < renewWindowMs) return { kind: 'renew', id: stored.id, expirationDateTime };
  return { kind: 'keep', id: stored.id, renewAfter: new Date(expiresAt - renewWindowMs).toISOString() };
}
