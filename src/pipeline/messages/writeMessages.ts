// Every write message is made here (contracts in messageContracts.ts, documented in docs/messages.md): they carry
// blob references and the content hash, never image bytes, and a target switched off in SYNC_TARGETS gets no
// message at all rather than one its writer would have to ignore.

import {
  EXCHANGE_WRITE_SCHEMA,
  SHAREPOINT_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
  type PhotoOrigin,
  type PhotoOwner,
  type SharePointPhotoWriteMessage,
  type WriteCommon,
} from './messageContracts';
import { checkExchangePhotoWriteMessage, checkSharePointPhotoWriteMessage, type MessageCheck } from './checkMessages';
import type { QueueRole } from './Decision';
import type { RenditionRef, Renditions, Thumbnails } from './renditions';

/** What every write message says about the photo, whichever target it is for. */
export interface WriteFacts {
  owner: PhotoOwner;
  contentHash: string;
  correlationId: string;
  /** When the photo was first seen (blob drop or change noticed). */
  receivedAt: Date | string;
  origin: PhotoOrigin;
}

export interface WriteMessages {
  exchange?: ExchangePhotoWriteMessage;
  sharePoint?: SharePointPhotoWriteMessage;
}

function common(facts: WriteFacts) {
  return {
    correlationId: facts.correlationId,
    owner: { userId: facts.owner.userId, userPrincipalName: facts.owner.userPrincipalName },
    contentHash: facts.contentHash,
    origin: facts.origin,
    receivedAt: typeof facts.receivedAt === 'string' ? facts.receivedAt : facts.receivedAt.toISOString(),
    attempt: 0,
  };
}

/** `force`: write even when state says this hash is there (PHOTO_AUTHORITY=hr puts the HR photo back). */
export function exchangeWriteMessage(
  facts: WriteFacts,
  photo: RenditionRef,
  options: { force?: boolean } = {},
): ExchangePhotoWriteMessage {
  return {
    exchangePhotoWrite: {
      schema: EXCHANGE_WRITE_SCHEMA,
      ...common(facts),
      photo: { ...photo },
      ...(options.force ? { force: true } : {}),
    },
  };
}

export function sharePointWriteMessage(
  facts: WriteFacts,
  thumbnails: Thumbnails<RenditionRef>,
): SharePointPhotoWriteMessage {
  const { small, medium, large } = thumbnails;
  return {
    sharePointPhotoWrite: {
      schema: SHAREPOINT_WRITE_SCHEMA,
      ...common(facts),
      thumbnails: { small: { ...small }, medium: { ...medium }, large: { ...large } },
    },
  };
}

/** The two messages one accepted photo fans out to, for the targets switched on. */
export function buildWriteMessages(
  facts: WriteFacts,
  renditions: Renditions<RenditionRef>,
  options: { targets: { exchange: boolean; sharePoint: boolean } },
): WriteMessages {
  return {
    ...(options.targets.exchange ? { exchange: exchangeWriteMessage(facts, renditions.exchange) } : {}),
    ...(options.targets.sharePoint ? { sharePoint: sharePointWriteMessage(facts, renditions) } : {}),
  };
}

/** The same write, one attempt later: what a reschedule puts back on the queue. */
export function nextExchangeWrite(message: ExchangePhotoWriteMessage): ExchangePhotoWriteMessage {
  const write = message.exchangePhotoWrite;
  return { exchangePhotoWrite: { ...write, attempt: write.attempt + 1 } };
}

export function nextSharePointWrite(message: SharePointPhotoWriteMessage): SharePointPhotoWriteMessage {
  const write = message.sharePointPhotoWrite;
  return { sharePointPhotoWrite: { ...write, attempt: write.attempt + 1 } };
}

/** What a consumer of one kind of write message needs: its queue, its check, its payload, its next attempt. */
export interface WriteMessageKind<M> {
  queue: QueueRole;
  check(entry: unknown): MessageCheck<M>;
  payloadOf(message: M): WriteCommon;
  /** The same message one attempt later: what a reschedule or a dead letter carries. */
  next(message: M): M;
}

export const exchangeWrites: WriteMessageKind<ExchangePhotoWriteMessage> = {
  queue: 'exchangePhotoWrites',
  check: checkExchangePhotoWriteMessage,
  payloadOf: (message) => message.exchangePhotoWrite,
  next: nextExchangeWrite,
};

export const sharePointWrites: WriteMessageKind<SharePointPhotoWriteMessage> = {
  queue: 'sharePointPhotoWrites',
  check: checkSharePointPhotoWriteMessage,
  payloadOf: (message) => message.sharePointPhotoWrite,
  next: nextSharePointWrite,
};
