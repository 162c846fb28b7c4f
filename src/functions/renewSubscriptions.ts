// Timer: keeps our Graph `/users` subscription alive: creates it when missing, renews it well before its (at most
// 41,760-minute) expiry, re-creates it when Graph lost it. Every 30 minutes, so a renewal window of ~9.6 days
// leaves hundreds of chances to succeed.

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getGraphClient, getKnownSubscriptionCache, getSubscriptionStore } from '../compositionRoot';
import { getConfig } from '../config';
import { graphSubscriptionsPort } from '../m365/GraphPhotoChangePorts';
import { ensureUsersSubscription } from '../pipeline/subscriptions/ensureUsersSubscription';

export const RENEW_SUBSCRIPTIONS_SCHEDULE = '0 */30 * * * *';

export async function renewSubscriptionsHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const { url, clientState } = getConfig().notifications;
  if (!url || !clientState) {
    context.warn(
      JSON.stringify({
        event: 'subscription-not-configured',
        message:
          'NOTIFICATION_URL and NOTIFICATION_CLIENT_STATE must both be set for Graph change notifications; ' +
          'until then only the reconcilePhotos timer notices photo changes.',
      }),
    );
    return;
  }
  const result = await ensureUsersSubscription({
    graph: graphSubscriptionsPort(getGraphClient()),
    store: getSubscriptionStore(),
    notificationUrl: url,
    clientState,
    now: () => new Date(),
  });
  if (result.action !== 'keep') getKnownSubscriptionCache().remember(result.subscription.id);
  context.info(
    JSON.stringify({
      event: 'subscription-ensured',
      action: result.action,
      subscriptionId: result.subscription.id,
      expirationDateTime: result.subscription.expirationDateTime,
      notificationEndpoint: result.subscription.notificationEndpoint,
      ...(result.previousDeleteError ? { previousDeleteError: result.previousDeleteError } : {}),
    }),
  );
}

app.timer('renewSubscriptions', {
  schedule: RENEW_SUBSCRIPTIONS_SCHEDULE,
  runOnStartup: false,
  handler: renewSubscriptionsHandler,
});
