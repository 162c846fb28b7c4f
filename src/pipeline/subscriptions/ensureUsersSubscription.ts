// The renewal timer's use case: keep exactly one live `/users` `updated` subscription, created with the configured
// notificationUrl and clientState, renewed well before it expires, re-created when Graph lost it.

import { decision, type Decision } from '../messages/Decision';
import {
  decideSubscriptionAction,
  newExpiration,
  USERS_CHANGE_TYPE,
  USERS_RESOURCE,
  type StoredSubscription,
  type SubscriptionAction,
} from './decideSubscriptionAction';
import type { GraphSubscriptionsPort, SubscriptionStorePort } from './SubscriptionPorts';
import { notificationEndpoint, subscriptionSettingsFingerprint } from './subscriptionSettingsFingerprint';

export interface EnsureSubscriptionOptions {
  graph: GraphSubscriptionsPort;
  store: SubscriptionStorePort;
  notificationUrl: string;
  clientState: string;
  now: () => Date;
  lifetimeMinutes?: number;
}

export interface EnsureSubscriptionResult {
  action: SubscriptionAction['kind'] | 'recreate-after-404' | 'recreate-lost';
  subscription: StoredSubscription;
  /** Set when an old subscription could not be deleted (it keeps posting to an old URL/secret and is ignored). */
  previousDeleteError?: string;
}

export async function ensureUsersSubscription(options: EnsureSubscriptionOptions): Promise<EnsureSubscriptionResult> {
  const fingerprint = subscriptionSettingsFingerprint(options.notificationUrl, options.clientState);
  const stored = await options.store.getByResource(USERS_RESOURCE);
  const action = decideSubscriptionAction(stored, {
    now: options.now(),
    settingsFingerprint: fingerprint,
    ...(options.lifetimeMinutes !== undefined ? { lifetimeMinutes: options.lifetimeMinutes } : {}),
  });

  const create = async (expirationDateTime: string): Promise<StoredSubscription> => {
    const created = await options.graph.createSubscription({
      changeType: USERS_CHANGE_TYPE,
      resource: USERS_RESOURCE,
      notificationUrl: options.notificationUrl,
      lifecycleNotificationUrl: options.notificationUrl,
      expirationDateTime,
      clientState: options.clientState,
    });
    const subscription: StoredSubscription = {
      id: created.id,
      resource: USERS_RESOURCE,
      changeType: USERS_CHANGE_TYPE,
      notificationEndpoint: notificationEndpoint(options.notificationUrl),
      expirationDateTime: created.expirationDateTime,
      settingsFingerprint: fingerprint,
    };
    await options.store.save(subscription);
    return subscription;
  };

  switch (action.kind) {
    case 'keep':
      // Graph can lose a subscription long before it expires; a GET every run notices within one period
      // instead of at the next renewal, days later.
      if (await options.graph.subscriptionExists(action.id)) {
        return { action: 'keep', subscription: stored as StoredSubscription };
      }
      return {
        action: 'recreate-lost',
        subscription: await create(newExpiration(options.now(), options.lifetimeMinutes)),
      };
    case 'create':
      return { action: 'create', subscription: await create(action.expirationDateTime) };
    case 'recreate': {
      let previousDeleteError: string | undefined;
      if (action.reason === 'settings-changed') {
        try {
          await options.graph.deleteSubscription(action.previousId);
        } catch (error) {
          // Not fatal: the old subscription can only reach the old URL or carry the old secret, both ignored.
          previousDeleteError = (error as Error).message;
        }
      }
      const subscription = await create(action.expirationDateTime);
      return { action: 'recreate', subscription, ...(previousDeleteError ? { previousDeleteError } : {}) };
    }
    case 'renew': {
      const renewed = await options.graph.renewSubscription(action.id, action.expirationDateTime);
      if (!renewed) return { action: 'recreate-after-404', subscription: await create(action.expirationDateTime) };
      const subscription = { ...(stored as StoredSubscription), expirationDateTime: renewed.expirationDateTime };
      await options.store.save(subscription);
      return { action: 'renew', subscription };
    }
  }
}

/** Answers a `reauthorizationRequired` lifecycle notification: renew now; false when Graph no longer has it. */
export async function reauthorizeSubscription(
  id: string,
  options: Pick<EnsureSubscriptionOptions, 'graph' | 'store' | 'now' | 'lifetimeMinutes'>,
): Promise<boolean> {
  const stored = await options.store.getByResource(USERS_RESOURCE);
  const renewed = await options.graph.renewSubscription(id, newExpiration(options.now(), options.lifetimeMinutes));
  if (!renewed) return false;
  if (stored?.id === id) await options.store.save({ ...stored, expirationDateTime: renewed.expirationDateTime });
  return true;
}

/** The renewal timer's log line: what it did, or (undefined result) that notifications are not configured. */
export function subscriptionDecision(result: EnsureSubscriptionResult | undefined): Decision {
  if (!result) {
    const message =
      'NOTIFICATION_URL and NOTIFICATION_CLIENT_STATE must both be set for Graph change notifications; ' +
      'until then only the reconcilePhotos timer notices photo changes.';
    return decision({ logs: [{ level: 'warn', fields: { event: 'subscription-not-configured', message } }] });
  }
  const fields = {
    event: 'subscription-ensured',
    action: result.action,
    subscriptionId: result.subscription.id,
    expirationDateTime: result.subscription.expirationDateTime,
    notificationEndpoint: result.subscription.notificationEndpoint,
    ...(result.previousDeleteError ? { previousDeleteError: result.previousDeleteError } : {}),
  };
  return decision({ logs: [{ level: 'info', fields }] });
}
