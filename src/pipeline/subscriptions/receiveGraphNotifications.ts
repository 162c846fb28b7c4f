// One POST of Graph change notifications, as one decision for the HTTP function to carry out: 400 for a body that is
// not a notification collection, else the photo changes to queue (triageNotifications), queued before the 202. Subscriptions asking
// for reauthorization are renewed here, before answering: a failure is only logged, because Graph would just retry
// the lifecycle event and renewSubscriptions tries again within 30 min.
// https://learn.microsoft.com/graph/change-notifications-lifecycle-events

import { decision, type Decision } from '../messages/Decision';
import type { LogLine } from '../messages/LogLine';
import type { PhotoChangeMessage } from '../messages/messageContracts';
import { NotificationBodyError, type ChangeNotificationBatch } from './ChangeNotification';
import { reauthorizeSubscription, type EnsureSubscriptionOptions } from './ensureUsersSubscription';
import { parseNotificationBody } from './parseNotificationBody';
import { triageNotifications, type NotificationTriage } from './triageNotifications';

/** `logs` in order: a clientState mismatch, each reauthorization, the summary of the POST. */
export type NotificationsDecision = Decision &
  ({ kind: 'rejected'; code: string; message: string } | { kind: 'accepted'; photoChanges: PhotoChangeMessage[] });

export interface ReceiveNotificationsOptions {
  /** Our subscription ids, from memory (KnownSubscriptionCache): Graph wants an answer within 3 s. */
  knownSubscriptions: { known(ids: Iterable<string>): Promise<Set<string>> };
  /** Built only when a subscription needs renewing: most POSTs never touch Graph. */
  subscriptions: () => Pick<EnsureSubscriptionOptions, 'graph' | 'store'>;
  expectedClientState: string | undefined;
  now: () => Date;
  newCorrelationId: () => string;
}

async function reauthorize(ids: string[], options: ReceiveNotificationsOptions): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  if (ids.length === 0) return lines;
  const subscriptions = { ...options.subscriptions(), now: options.now };
  for (const id of ids) {
    try {
      const renewed = await reauthorizeSubscription(id, subscriptions);
      lines.push({ level: 'info', fields: { event: 'subscription-reauthorized', subscriptionId: id, renewed } });
    } catch (error) {
      const fields = { event: 'subscription-reauthorize-failed', subscriptionId: id, error: (error as Error).message };
      lines.push({ level: 'warn', fields });
    }
  }
  return lines;
}

function summary(batch: ChangeNotificationBatch, triage: NotificationTriage, durationMs: number): LogLine {
  const fields = {
    event: 'notifications-received',
    received: batch.notifications.length,
    queued: triage.photoChanges.length,
    reauthorize: triage.reauthorize.length,
    ignored: triage.ignored,
    durationMs,
  };
  return { level: 'info', fields };
}

export async function receiveGraphNotifications(
  body: string,
  options: ReceiveNotificationsOptions,
): Promise<NotificationsDecision> {
  const startedAt = options.now().getTime();
  let batch: ChangeNotificationBatch;
  try {
    batch = parseNotificationBody(body);
  } catch (error) {
    if (!(error instanceof NotificationBodyError)) throw error;
    const fields = { event: 'notification-rejected', code: error.code, reason: error.message };
    const logs: LogLine[] = [{ level: 'warn', fields }];
    return { kind: 'rejected', code: error.code, message: error.message, ...decision({ logs }) };
  }

  const known = await options.knownSubscriptions.known(batch.notifications.map((n) => n.subscriptionId));
  const triage = triageNotifications(batch, {
    knownSubscriptionIds: known,
    expectedClientState: options.expectedClientState,
    receivedAt: options.now(),
    newCorrelationId: options.newCorrelationId,
  });
  const logs: LogLine[] = [];
  if (triage.ignored.wrongClientState > 0) {
    // Never log what was received: a near-miss would leak part of the secret.
    const fields = { event: 'notification-client-state-mismatch', count: triage.ignored.wrongClientState };
    logs.push({ level: 'warn', fields });
  }
  logs.push(...(await reauthorize(triage.reauthorize, options)));
  logs.push(summary(batch, triage, options.now().getTime() - startedAt));
  const sends = triage.photoChanges.map((message) => ({ queue: 'photoChanges' as const, message }));
  return { kind: 'accepted', photoChanges: triage.photoChanges, ...decision({ sends, logs }) };
}
