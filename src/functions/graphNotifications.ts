// HTTP endpoint Graph calls: the subscription validation handshake, change notifications and lifecycle events.
// Graph wants 202 within 3 s and drops endpoints that are often slow, so nothing slow happens here: subscription
// ids come from memory, the photo work is queued on photo-changes, and the body is never echoed back.
// https://learn.microsoft.com/graph/change-notifications-delivery-webhooks

import { randomUUID } from 'node:crypto';
import { app, output, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getGraphClient, getKnownSubscriptionCache, getSubscriptionStore } from '../compositionRoot';
import { getConfig } from '../config';
import { graphSubscriptionsPort } from '../m365/GraphPhotoChangePorts';
import { NotificationBodyError, type ChangeNotificationBatch } from '../pipeline/notifications/ChangeNotification';
import { reauthorizeSubscription } from '../pipeline/notifications/ensureUsersSubscription';
import { parseNotificationBody } from '../pipeline/notifications/parseNotificationBody';
import { triageNotifications } from '../pipeline/notifications/triageNotifications';
import { queues, storageConnection } from '../storage/names';

const photoChangesOutput = output.storageQueue({ queueName: queues.photoChanges, connection: storageConnection });

/**
 * Validation: Graph POSTs `?validationToken=...` and expects, within 10 s, 200 with the decoded token as the whole
 * `text/plain` body. `nosniff` keeps a browser from ever rendering a crafted token as HTML.
 */
function validationResponse(token: string): HttpResponseInit {
  return { status: 200, headers: { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' }, body: token };
}

async function reauthorize(ids: string[], context: InvocationContext): Promise<void> {
  const options = {
    graph: graphSubscriptionsPort(getGraphClient()),
    store: getSubscriptionStore(),
    now: () => new Date(),
  };
  for (const id of ids) {
    try {
      const renewed = await reauthorizeSubscription(id, options);
      context.info(JSON.stringify({ event: 'subscription-reauthorized', subscriptionId: id, renewed }));
    } catch (error) {
      // Still answer 202 (Graph would only retry the lifecycle event); renewSubscriptions tries again within 30 min.
      context.warn(
        JSON.stringify({
          event: 'subscription-reauthorize-failed',
          subscriptionId: id,
          error: (error as Error).message,
        }),
      );
    }
  }
}

export async function graphNotificationsHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const startedAt = Date.now();
  const token = request.query.get('validationToken');
  if (token !== null) return validationResponse(token);

  let batch: ChangeNotificationBatch;
  try {
    batch = parseNotificationBody(await request.text());
  } catch (error) {
    if (!(error instanceof NotificationBodyError)) throw error;
    context.warn(JSON.stringify({ event: 'notification-rejected', code: error.code, reason: error.message }));
    return { status: 400, jsonBody: { error: { code: error.code, message: error.message } } };
  }

  const known = await getKnownSubscriptionCache().known(batch.notifications.map((n) => n.subscriptionId));
  const triage = triageNotifications(batch, {
    knownSubscriptionIds: known,
    expectedClientState: getConfig().notifications.clientState,
    receivedAt: new Date(),
    newCorrelationId: randomUUID,
  });
  if (triage.photoChanges.length > 0) context.extraOutputs.set(photoChangesOutput, triage.photoChanges);
  if (triage.ignored.wrongClientState > 0) {
    // Never log what was received: a near-miss would leak part of the secret.
    context.warn(
      JSON.stringify({ event: 'notification-client-state-mismatch', count: triage.ignored.wrongClientState }),
    );
  }
  if (triage.reauthorize.length > 0) await reauthorize(triage.reauthorize, context);
  context.info(
    JSON.stringify({
      event: 'notifications-received',
      received: batch.notifications.length,
      queued: triage.photoChanges.length,
      reauthorize: triage.reauthorize.length,
      ignored: triage.ignored,
      durationMs: Date.now() - startedAt,
    }),
  );
  return { status: 202 };
}

app.http('graphNotifications', {
  route: 'notifications',
  methods: ['POST'],
  authLevel: 'function',
  extraOutputs: [photoChangesOutput],
  handler: graphNotificationsHandler,
});
