// Turns the raw text of a notification POST into typed notifications, or a NotificationBodyError (HTTP 400).
// Anyone who learns the URL can POST to it, so nothing here trusts the body: strict shape checks, bounded size,
// and the error message names the problem without echoing the attacker's input.

import { isObjectId } from '../messages/checkMessages';
import { NotificationBodyError, type ChangeNotification, type ChangeNotificationBatch } from './ChangeNotification';

/** Graph delivers at most a few hundred notifications per POST; anything far larger is not Graph. */
export const MAX_NOTIFICATION_BODY_CHARS = 1_000_000;
const MAX_ID_CHARS = 256;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(item: Record<string, unknown>, key: string, index: number): string | undefined {
  const value = item[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new NotificationBodyError(`value[${index}].${key} must be a string.`);
  return value;
}

function parseItem(raw: unknown, index: number): ChangeNotification {
  if (!isRecord(raw)) throw new NotificationBodyError(`value[${index}] must be an object.`);
  const subscriptionId = optionalString(raw, 'subscriptionId', index);
  if (!subscriptionId || subscriptionId.length > MAX_ID_CHARS) {
    throw new NotificationBodyError(`value[${index}].subscriptionId must be a non-empty string.`);
  }
  const resourceData = raw.resourceData;
  if (resourceData !== undefined && resourceData !== null && !isRecord(resourceData)) {
    throw new NotificationBodyError(`value[${index}].resourceData must be an object.`);
  }
  const resourceId = isRecord(resourceData) ? optionalString(resourceData, 'id', index) : undefined;
  const fields: Omit<ChangeNotification, 'subscriptionId'> = {
    clientState: optionalString(raw, 'clientState', index),
    changeType: optionalString(raw, 'changeType', index),
    resource: optionalString(raw, 'resource', index),
    resourceId,
    lifecycleEvent: optionalString(raw, 'lifecycleEvent', index),
    tenantId: optionalString(raw, 'tenantId', index),
  };
  const present = Object.entries(fields).filter(([, value]) => value !== undefined);
  return { subscriptionId, ...(Object.fromEntries(present) as Omit<ChangeNotification, 'subscriptionId'>) };
}

export function parseNotificationBody(text: string): ChangeNotificationBatch {
  if (text.length === 0) throw new NotificationBodyError('The body is empty.');
  if (text.length > MAX_NOTIFICATION_BODY_CHARS) throw new NotificationBodyError('The body is too large.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new NotificationBodyError('The body is not JSON.');
  }
  if (!isRecord(json) || !Array.isArray(json.value)) {
    throw new NotificationBodyError('The body must be an object with a "value" array.');
  }
  return { notifications: json.value.map((item, index) => parseItem(item, index)) };
}

/**
 * The user a `/users` notification is about: `resourceData.id`, else the id in `Users/{id}`. Only an Entra object id
 * (a GUID) counts: the id ends up in Graph paths (`/users/{id}/photo`), where `..` or a segment of anything else would
 * walk to another resource; such a notification is not about a user and is ignored.
 */
export function notifiedUserId(notification: ChangeNotification): string | undefined {
  const fromData = notification.resourceId?.trim();
  if (fromData) return isObjectId(fromData) ? fromData : undefined;
  const match = /^\/?users\/([^/?#]{1,256})$/i.exec(notification.resource?.trim() ?? '');
  const id = match?.[1];
  if (!id) return undefined;
  // Graph sometimes writes `Users('id')`-style segments through `@odata.id`; the plain form is what we accept.
  let decoded: string;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    return undefined;
  }
  return isObjectId(decoded) ? decoded : undefined;
}
