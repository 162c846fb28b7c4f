// HTTP endpoint Graph calls: the subscription validation handshake, change notifications and lifecycle events.
// Graph wants 202 within 3 s and drops endpoints that are often slow, so nothing slow happens here: subscription
// ids come from memory, the photo work is queued on photo-changes (before the 202, so an accepted POST is never
// lost), and the body is never echoed back.
// https://learn.microsoft.com/graph/change-notifications-delivery-webhooks

import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getDecisionExecutor, notificationsWiring } from '../compositionRoot';
import { readRequestText } from '../edge/readRequestText';
import { MAX_NOTIFICATION_BODY_CHARS } from '../pipeline/subscriptions/parseNotificationBody';
import { receiveGraphNotifications } from '../pipeline/subscriptions/receiveGraphNotifications';

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

  const body = await readRequestText(request, MAX_NOTIFICATION_BODY_CHARS);
  if (!body.ok) {
    const message = `The body is larger than ${MAX_NOTIFICATION_BODY_CHARS} bytes.`;
    context.warn(JSON.stringify({ event: 'notifications-received', outcome: 'rejected', code: 'body-too-large' }));
    return { status: 413, jsonBody: { error: { code: 'body-too-large', message } } };
  }
  const decision = await receiveGraphNotifications(body.text, notificationsWiring());
  await getDecisionExecutor().carryOut(decision, context);
  if (decision.kind === 'rejected') {
    return { status: 400, jsonBody: { error: { code: decision.code, message: decision.message } } };
  }
  return { status: 202 };
}

app.http('graphNotifications', {
  route: 'notifications',
  methods: ['POST'],
  authLevel: 'function',
  handler: graphNotificationsHandler,
});
