// Checks a dequeued photo-change message before processPhotoChange trusts it (the queue is a boundary: older
// producers, hand-made messages). A message that fails is dead-lettered with the reason, not retried five times.

import { PHOTO_CHANGE_SCHEMA, type PhotoChangeMessage } from './messageContracts';

export type PhotoChangeMessageCheck = { ok: true; message: PhotoChangeMessage } | { ok: false; reason: string };

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function checkPhotoChangeMessage(value: unknown): PhotoChangeMessageCheck {
  const change = record(record(value)?.photoChange);
  if (!change) return { ok: false, reason: 'the photoChange key is missing' };
  if (change.schema !== PHOTO_CHANGE_SCHEMA) {
    return { ok: false, reason: `schema is ${String(change.schema)}, expected ${PHOTO_CHANGE_SCHEMA}` };
  }
  if (typeof change.userId !== 'string' || change.userId.length === 0 || change.userId.length > 256) {
    return { ok: false, reason: 'userId is required' };
  }
  if (typeof change.receivedAt !== 'string' || typeof change.correlationId !== 'string') {
    return { ok: false, reason: 'receivedAt and correlationId are required' };
  }
  if (change.source !== 'notification' && change.source !== 'reconcile') {
    return { ok: false, reason: 'source must be notification or reconcile' };
  }
  if (!Number.isInteger(change.attempt) || (change.attempt as number) < 0) {
    return { ok: false, reason: 'attempt must be a whole number' };
  }
  return { ok: true, message: value as PhotoChangeMessage };
}
