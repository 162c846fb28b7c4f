// Every photo-change message is made here: by the notification endpoint (one per notified user), by the reconcile
// timer (one per user whose photo etag drifted), and, one attempt later, by a reschedule.

import {
  PHOTO_CHANGE_SCHEMA,
  type PhotoChange,
  type PhotoChangeMessage,
  type PhotoChangeSource,
} from './messageContracts';

export interface PhotoChangeFacts {
  userId: string;
  source: PhotoChangeSource;
  receivedAt: Date;
  correlationId: string;
  /** Graph's `changeType`; `reconciled` when the timer noticed it. */
  changeType: string;
  subscriptionId?: string;
}

export function photoChangeMessage(facts: PhotoChangeFacts): PhotoChangeMessage {
  return {
    photoChange: {
      schema: PHOTO_CHANGE_SCHEMA,
      userId: facts.userId,
      ...(facts.subscriptionId !== undefined ? { subscriptionId: facts.subscriptionId } : {}),
      changeType: facts.changeType,
      receivedAt: facts.receivedAt.toISOString(),
      correlationId: facts.correlationId,
      source: facts.source,
      attempt: 0,
    },
  };
}

/** The same change, one attempt later. */
export function nextPhotoChange(change: PhotoChange): PhotoChangeMessage {
  return { photoChange: { ...change, attempt: change.attempt + 1 } };
}
