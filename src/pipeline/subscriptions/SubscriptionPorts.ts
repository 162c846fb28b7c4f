// Ports the subscription use cases need: Graph's subscriptions API (src/m365 adapts GraphClient) and the table of
// subscriptions we own (src/storage/SubscriptionStore).

import type { StoredSubscription } from './decideSubscriptionAction';

export interface SubscriptionRequest {
  changeType: string;
  resource: string;
  notificationUrl: string;
  /** Where Graph sends `reauthorizationRequired`; the same endpoint tells both kinds apart. */
  lifecycleNotificationUrl: string;
  expirationDateTime: string;
  clientState: string;
}

export interface CreatedSubscription {
  id: string;
  expirationDateTime: string;
}

export interface GraphSubscriptionsPort {
  /** POST /subscriptions; Graph first calls notificationUrl with a validationToken and refuses without the echo. */
  createSubscription(request: SubscriptionRequest): Promise<CreatedSubscription>;
  /** PATCH /subscriptions/{id}; undefined when Graph answers 404 (it lost or expired the subscription). */
  renewSubscription(id: string, expirationDateTime: string): Promise<CreatedSubscription | undefined>;
  /** GET /subscriptions/{id}: false when Graph no longer has it (deleted by an admin, expired, lost). */
  subscriptionExists(id: string): Promise<boolean>;
  /** DELETE /subscriptions/{id}; a 404 counts as done. */
  deleteSubscription(id: string): Promise<void>;
}

export interface SubscriptionStorePort {
  /** The subscription we keep for a resource (`/users`), if any. */
  getByResource(resource: string): Promise<StoredSubscription | undefined>;
  save(subscription: StoredSubscription): Promise<void>;
  /** Every subscription id we own: the notification endpoint ignores all others. */
  listIds(): Promise<string[]>;
}
