// The removal queue's message: a reference to a removal record (never who or why: the record says that), checked
// like every message (src/pipeline/messages/checkMessages.ts) before it is trusted.

import type { MessageCheck } from '../messages/checkMessages';
import { isObjectId } from '../messages/checkMessages';

export const PHOTO_REMOVAL_SCHEMA = 'photo-sync/photo-removal@1';

export interface PhotoRemoval {
  schema: typeof PHOTO_REMOVAL_SCHEMA;
  userId: string;
  requestId: string;
  attempt: number;
}

export interface PhotoRemovalMessage {
  photoRemoval: PhotoRemoval;
}

const requestIdPattern = /^[A-Za-z0-9-]{1,64}$/;

export function photoRemovalMessage(userId: string, requestId: string, attempt = 0): PhotoRemovalMessage {
  return { photoRemoval: { schema: PHOTO_REMOVAL_SCHEMA, userId, requestId, attempt } };
}

export function checkPhotoRemovalMessage(value: unknown): MessageCheck<PhotoRemovalMessage> {
  const payload = (value as { photoRemoval?: unknown } | null)?.photoRemoval as Record<string, unknown> | undefined;
  if (!payload || typeof payload !== 'object' || payload.schema !== PHOTO_REMOVAL_SCHEMA) {
    return { ok: false, code: 'malformed-message', reason: `not a ${PHOTO_REMOVAL_SCHEMA} message` };
  }
  if (!Number.isInteger(payload.attempt) || (payload.attempt as number) < 0) {
    return { ok: false, code: 'malformed-message', reason: 'attempt must be a whole number' };
  }
  if (!isObjectId(payload.userId)) return { ok: false, code: 'untrusted-message', reason: 'userId is not a GUID' };
  if (typeof payload.requestId !== 'string' || !requestIdPattern.test(payload.requestId)) {
    return { ok: false, code: 'untrusted-message', reason: 'requestId is not one we make' };
  }
  return {
    ok: true,
    message: photoRemovalMessage(payload.userId, payload.requestId, payload.attempt as number),
  };
}
