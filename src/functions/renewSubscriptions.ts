// Timer: keeps our Graph `/users` subscription alive: creates it when missing, renews it well before its (at most
// 41,760-minute) expiry, re-creates it when Graph lost it. Every 30 minutes, so a renewal window of ~9.6 days
// leaves hundreds of chances to succeed.

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getDecisionExecutor, getKnownSubscriptionCache, subscriptionWiring } from '../compositionRoot';
import { ensureUsersSubscription, subscriptionDecision } from '../pipeline/subscriptions/ensureUsersSubscription';

export const RENEW_SUBSCRIPTIONS_SCHEDULE = '0 */30 * * * *';

export async function renewSubscriptionsHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const options = subscriptionWiring();
  const result = options ? await ensureUsersSubscription(options) : undefined;
  if (result && result.action !== 'keep') getKnownSubscriptionCache().remember(result.subscription.id);
  await getDecisionExecutor().carryOut(subscriptionDecision(result), context);
}

app.timer('renewSubscriptions', {
  schedule: RENEW_SUBSCRIPTIONS_SCHEDULE,
  runOnStartup: false,
  handler: renewSubscriptionsHandler,
});
