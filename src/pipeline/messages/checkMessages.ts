// Checks a dequeued message before a consumer trusts it: the queue is a boundary (older producers, hand-made
// messages). A message that fails is dead-lettered with the reason at once: retrying it five times would not make
// it readable. One result type for every queue.

import {
  EXCHANGE_WRITE_SCHEMA,
  PHOTO_CHANGE_SCHEMA,
  SHAREPOINT_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
  type PhotoChangeMessage,
  type SharePointPhotoWriteMessage,
} from './messageContracts';
import type { RenditionRef } from './renditions';

/** The verdict on a dequeued message: the message, typed, when it can be trusted; else why not. */
export type MessageCheck<M> = { ok: true; message: M } | { ok: false; reason: string };

type Problem = string | undefined;

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isRendition(value: unknown): value is RenditionRef {
  const r = record(value);
  return !!r && typeof r.blobName === 'string' && r.blobName.length > 0;
}

function attemptProblem(payload: Record<string, unknown>): Problem {
  const attempt = payload.attempt;
  return Number.isInteger(attempt) && (attempt as number) >= 0 ? undefined : 'attempt must be a whole number';
}

/** The payload under `key`, with the schema it must carry: the checks every message shares. */
function payloadOf(value: unknown, key: string, schema: string): Record<string, unknown> | string {
  const payload = record(record(value)?.[key]);
  if (!payload) return `the ${key} key is missing`;
  if (payload.schema !== schema) return `schema is ${String(payload.schema)}, expected ${schema}`;
  return payload;
}

function verdict<M>(value: unknown, problem: Problem): MessageCheck<M> {
  return problem === undefined ? { ok: true, message: value as M } : { ok: false, reason: problem };
}

function writeProblem(write: Record<string, unknown>): Problem {
  const owner = record(write.owner);
  if (typeof owner?.userId !== 'string' || typeof owner.userPrincipalName !== 'string') {
    return 'owner.userId and owner.userPrincipalName are required';
  }
  if (typeof write.contentHash !== 'string' || typeof write.receivedAt !== 'string') {
    return 'contentHash and receivedAt are required';
  }
  return attemptProblem(write);
}

export function checkExchangePhotoWriteMessage(value: unknown): MessageCheck<ExchangePhotoWriteMessage> {
  const write = payloadOf(value, 'exchangePhotoWrite', EXCHANGE_WRITE_SCHEMA);
  if (typeof write === 'string') return verdict(value, write);
  return verdict(value, writeProblem(write) ?? (isRendition(write.photo) ? undefined : 'photo.blobName is required'));
}

export function checkSharePointPhotoWriteMessage(value: unknown): MessageCheck<SharePointPhotoWriteMessage> {
  const write = payloadOf(value, 'sharePointPhotoWrite', SHAREPOINT_WRITE_SCHEMA);
  if (typeof write === 'string') return verdict(value, write);
  const thumbnails = record(write.thumbnails);
  const complete =
    !!thumbnails && isRendition(thumbnails.small) && isRendition(thumbnails.medium) && isRendition(thumbnails.large);
  return verdict(
    value,
    writeProblem(write) ?? (complete ? undefined : 'thumbnails.small, .medium and .large are required'),
  );
}

export function checkPhotoChangeMessage(value: unknown): MessageCheck<PhotoChangeMessage> {
  const change = payloadOf(value, 'photoChange', PHOTO_CHANGE_SCHEMA);
  if (typeof change === 'string') return verdict(value, change);
  if (typeof change.userId !== 'string' || change.userId.length === 0 || change.userId.length > 256) {
    return verdict(value, 'userId is required');
  }
  if (typeof change.receivedAt !== 'string' || typeof change.correlationId !== 'string') {
    return verdict(value, 'receivedAt and correlationId are required');
  }
  if (change.source !== 'notification' && change.source !== 'reconcile') {
    return verdict(value, 'source must be notification or reconcile');
  }
  return verdict(value, attemptProblem(change));
}
