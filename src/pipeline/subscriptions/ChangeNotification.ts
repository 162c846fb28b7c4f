// The shape Graph POSTs to a notificationUrl, reduced to what this app reads, and the error for bodies that are not it.
// https://learn.microsoft.com/graph/api/resources/changenotification
// https://learn.microsoft.com/graph/api/resources/changenotificationcollection

/** One item of a change-notification collection: a resource change or a lifecycle event. */
export interface ChangeNotification {
  subscriptionId: string;
  /** Echo of the secret we gave Graph at subscription time; compared in constant time, never logged. */
  clientState?: string;
  changeType?: string;
  /** `Users/{id}` for the `/users` resource. */
  resource?: string;
  /** The changed user's object id (`resourceData.id`), when Graph sent one. */
  resourceId?: string;
  /** Set on lifecycle notifications instead of a resource change (`/users` only has `reauthorizationRequired`). */
  lifecycleEvent?: string;
  tenantId?: string;
}

export interface ChangeNotificationBatch {
  notifications: ChangeNotification[];
}

/** The body of a POST to the notification endpoint is not a change-notification collection: answered with 400. */
export class NotificationBodyError extends Error {
  readonly code = 'malformed-notification';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'NotificationBodyError';
  }
}
