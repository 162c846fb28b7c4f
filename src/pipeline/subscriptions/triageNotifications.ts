// Decides what to do with each notification of one POST: queue a photo change, renew a subscription whose
// authorization is about to lapse, or ignore it (unknown subscription, wrong clientState, not a user). Pure: the
// HTTP function looks the subscription ids up, then performs what this returns, then answers 202.

import type { PhotoChangeMessage } from '../messages/messageContracts';
import { photoChangeMessage } from '../messages/photoChangeMessages';
import type { ChangeNotificationBatch } from './ChangeNotification';
import { clientStateMatches } from './clientStateMatches';
import { notifiedUserId } from './parseNotificationBody';

/** The only lifecycle event Graph sends for `/users` subscriptions. */
export const REAUTHORIZATION_REQUIRED = 'reauthorizationRequired';

export interface NotificationTriage {
  photoChanges: PhotoChangeMessage[];
  /** Subscription ids whose expiration must be PATCHed now to keep them alive. */
  reauthorize: string[];
  ignored: { unknownSubscription: number; wrongClientState: number; notAUser: number; otherLifecycleEvent: number };
}

export interface TriageOptions {
  knownSubscriptionIds: ReadonlySet<string>;
  expectedClientState: string | undefined;
  receivedAt: Date;
  newCorrelationId: () => string;
}

export function triageNotifications(batch: ChangeNotificationBatch, options: TriageOptions): NotificationTriage {
  const triage: NotificationTriage = {
    photoChanges: [],
    reauthorize: [],
    ignored: { unknownSubscription: 0, wrongClientState: 0, notAUser: 0, otherLifecycleEvent: 0 },
  };
  const queuedUsers = new Set<string>();
  for (const notification of batch.notifications) {
    // Graph: "ignore notifications for unknown subscriptions"; checked before the secret so an attacker
    // guessing clientState values first needs one of our subscription ids.
    if (!options.knownSubscriptionIds.has(notification.subscriptionId)) {
      triage.ignored.unknownSubscription += 1;
      continue;
    }
    if (!clientStateMatches(notification.clientState, options.expectedClientState)) {
      triage.ignored.wrongClientState += 1;
      continue;
    }
    if (notification.lifecycleEvent !== undefined) {
      if (notification.lifecycleEvent === REAUTHORIZATION_REQUIRED) {
        if (!triage.reauthorize.includes(notification.subscriptionId))
          triage.reauthorize.push(notification.subscriptionId);
      } else {
        triage.ignored.otherLifecycleEvent += 1;
      }
      continue;
    }
    const userId = notifiedUserId(notification);
    if (!userId) {
      triage.ignored.notAUser += 1;
      continue;
    }
    // Graph often sends several `updated` notifications for one edit; one queued change per user per POST is
    // enough (processPhotoChange reads the current photo anyway).
    if (queuedUsers.has(userId)) continue;
    queuedUsers.add(userId);
    triage.photoChanges.push(
      photoChangeMessage({
        userId,
        subscriptionId: notification.subscriptionId,
        changeType: notification.changeType ?? 'updated',
        receivedAt: options.receivedAt,
        correlationId: options.newCorrelationId(),
        source: 'notification',
      }),
    );
  }
  return triage;
}
