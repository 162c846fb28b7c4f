// The two messages one accepted photo fans out to (contracts in messages.ts, documented in docs/messages.md): they
// carry blob references and the content hash, never image bytes, and a target switched off in SYNC_TARGETS gets
// no message at all rather than one its writer would have to ignore.

import {
  EXCHANGE_WRITE_SCHEMA,
  SHAREPOINT_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
  type PhotoOrigin,
  type PhotoOwner,
  type RenditionRef,
  type SharePointPhotoWriteMessage,
} from './messageContracts';

export interface RenditionRefs {
  exchange: RenditionRef;
  small: RenditionRef;
  medium: RenditionRef;
  large: RenditionRef;
}

export interface WriteMessages {
  exchange?: ExchangePhotoWriteMessage;
  sharePoint?: SharePointPhotoWriteMessage;
}

export interface BuildWriteMessagesInput {
  owner: PhotoOwner;
  contentHash: string;
  renditions: RenditionRefs;
  correlationId: string;
  receivedAt: Date;
  origin: PhotoOrigin;
}

export function buildWriteMessages(
  input: BuildWriteMessagesInput,
  options: { targets: { exchange: boolean; sharePoint: boolean } },
): WriteMessages {
  const common = {
    correlationId: input.correlationId,
    owner: { userId: input.owner.userId, userPrincipalName: input.owner.userPrincipalName },
    contentHash: input.contentHash,
    origin: input.origin,
    receivedAt: input.receivedAt.toISOString(),
    attempt: 0,
  };
  const { exchange, small, medium, large } = input.renditions;
  return {
    ...(options.targets.exchange
      ? { exchange: { exchangePhotoWrite: { schema: EXCHANGE_WRITE_SCHEMA, ...common, photo: { ...exchange } } } }
      : {}),
    ...(options.targets.sharePoint
      ? {
          sharePoint: {
            sharePointPhotoWrite: {
              schema: SHAREPOINT_WRITE_SCHEMA,
              ...common,
              thumbnails: { small: { ...small }, medium: { ...medium }, large: { ...large } },
            },
          },
        }
      : {}),
  };
}
