// Checks a dequeued write message before a writer trusts it: the queue is a boundary (older producers, hand-made
// test messages). A message that fails is dead-lettered with this reason instead of being retried five times.

import {
  EXCHANGE_WRITE_SCHEMA,
  SHAREPOINT_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
  type RenditionRef,
  type SharePointPhotoWriteMessage,
} from './messageContracts';

type Check = { ok: true } | { ok: false; reason: string };

/** The verdict on a dequeued message: `message` is set only when it can be trusted. */
export type WriteMessageCheck<M> = Check & { message?: M };

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isRendition(value: unknown): value is RenditionRef {
  const r = record(value);
  return !!r && typeof r.blobName === 'string' && r.blobName.length > 0;
}

function checkCommon(write: Record<string, unknown> | undefined, schema: string): Check {
  if (!write) return { ok: false, reason: 'the payload key is missing' };
  if (write.schema !== schema) return { ok: false, reason: `schema is ${String(write.schema)}, expected ${schema}` };
  const owner = record(write.owner);
  if (typeof owner?.userId !== 'string' || typeof owner.userPrincipalName !== 'string') {
    return { ok: false, reason: 'owner.userId and owner.userPrincipalName are required' };
  }
  if (typeof write.contentHash !== 'string' || typeof write.receivedAt !== 'string') {
    return { ok: false, reason: 'contentHash and receivedAt are required' };
  }
  if (!Number.isInteger(write.attempt) || (write.attempt as number) < 0)
    return { ok: false, reason: 'attempt must be a whole number' };
  return { ok: true };
}

export function checkExchangePhotoWriteMessage(value: unknown): WriteMessageCheck<ExchangePhotoWriteMessage> {
  const write = record(record(value)?.exchangePhotoWrite);
  const common = checkCommon(write, EXCHANGE_WRITE_SCHEMA);
  if (!common.ok) return common;
  if (!isRendition(write?.photo)) return { ok: false, reason: 'photo.blobName is required' };
  return { ok: true, message: value as ExchangePhotoWriteMessage };
}

export function checkSharePointPhotoWriteMessage(value: unknown): WriteMessageCheck<SharePointPhotoWriteMessage> {
  const write = record(record(value)?.sharePointPhotoWrite);
  const common = checkCommon(write, SHAREPOINT_WRITE_SCHEMA);
  if (!common.ok) return common;
  const thumbnails = record(write?.thumbnails);
  if (
    !thumbnails ||
    !isRendition(thumbnails.small) ||
    !isRendition(thumbnails.medium) ||
    !isRendition(thumbnails.large)
  ) {
    return { ok: false, reason: 'thumbnails.small, .medium and .large are required' };
  }
  return { ok: true, message: value as SharePointPhotoWriteMessage };
}
