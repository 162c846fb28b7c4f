// HTTP endpoint Graph calls: the subscription validation handshake, change notifications and lifecycle events.
// Graph wants 202 within 3 s and drops endpoints that are often slow, so nothing slow happens here: subscription
// ids come from memory, the photo work is queued on photo-changes, and the body is never echoed back.
// https://learn.microsoft.com/graph/change-notifications-delivery-webhooks

import { randomUUID } from 'node:crypto';
import { app, output, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getGraphClient, getKnownSubscriptionCache, getSubscriptionStore } from '../compositionRoot';
import { getConfig } from '../config';
import { graphSubscriptionsPort } from '../m365/GraphPhotoChangePorts';
import { receiveGraphNotifications } from '../pipeline/subscriptions/receiveGraphNotifications';
import { queues, storageConnection } from '../storage/names';

const photoChangesOutput = output.storageQueue({ queueName: queues.photoChanges, connection: storageConnection });

/**
 * Validation: Graph POSTs `?validationToken=...` and expects, within 10 s, 200 with the decoded token as the whole
 * `text/plain` body. `nosniff` keeps a browser from ever rendering a crafted token as HTML.
 */
function validationResponse(token: string): HttpResponseInit {
  return { status: 200, headers: { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' }, body: token };
}

export async function graphNotificationsHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const token = request.query.get('validationToken');
  if (token !== null) return validationResponse(token);

  const decision = await receiveGraphNotifications(await request.text(), {
    knownSubscriptions: getKnownSubscriptionCache(),
    subscriptions: () => ({ graph: graphSubscriptionsPort(getGraphClient()), store: getSubscriptionStore() }),
    expectedClientState: getConfig().notifications.clientState,
    now: () => new Date(),
    newCorrelationId: randomUUID,
  });
  if (decision.kind === 'rejected') {
    context.warn(JSON.stringify(decision.log.fields));
    return { status: 400, jsonBody: { error: { code: decision.code, message: decision.message } } };
  }
  if (decision.photoChanges.length > 0) context.extraOutputs.set(photoChangesOutput, decision.photoChanges);
  for (const line of decision.logs) context[line.level](JSON.stringify(line.fields));
  return { status: 202 };
}

app.http('graphNotifications', {
  route: 'notifications',
  methods: ['POST'],
  authLevel: 'function',
  extraOutputs: [photoChangesOutput],
  handler: graphNotificationsHandler,
});
