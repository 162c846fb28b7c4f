// Queue message contracts between ingest and the writers (documented in docs/messages.md).
// Rules from the Functions host: a message is a JSON object (the Node library JSON.parses it), the payload sits
// under one key (top-level names such as `id` would shadow trigger metadata), it carries blob references and
// hashes, never image bytes (the queue limit is 64 KB), and it is versioned so old messages stay readable.

import type { RenditionRef, Thumbnails } from './renditions';

export const EXCHANGE_WRITE_SCHEMA = 'photo-sync/exchange-write@1';
export const SHAREPOINT_WRITE_SCHEMA = 'photo-sync/sharepoint-write@1';
export const PHOTO_CHANGE_SCHEMA = 'photo-sync/photo-change@1';

/** Who the photo belongs to, as resolved against the directory. */
export interface PhotoOwner {
  /** Entra object id. */
  userId: string;
  userPrincipalName: string;
}

/** Where a write came from; the SharePoint writer treats them alike, telemetry tells them apart. */
export type PhotoOrigin = 'hr-upload' | 'user-change' | 'reconcile';

/** What every write message says, whichever target it is for. */
export interface WriteCommon {
  correlationId: string;
  owner: PhotoOwner;
  /** sha256 (hex) of the normalised source image: the identity of "this photo". */
  contentHash: string;
  origin: PhotoOrigin;
  /** When the photo was first seen (blob drop or change noticed), for drop-to-written latency. */
  receivedAt: string;
  /** How many times this write has been rescheduled (throttling, transient faults); 0 on first enqueue. */
  attempt: number;
}

export interface ExchangePhotoWrite extends WriteCommon {
  schema: typeof EXCHANGE_WRITE_SCHEMA;
  photo: RenditionRef;
  /**
   * Write even when state says this content hash is already in Exchange: PHOTO_AUTHORITY=hr puts the HR photo back
   * after someone replaced it in Outlook/Teams (Exchange then holds another photo whatever our state says).
   */
  force?: boolean;
}

export interface SharePointPhotoWrite extends WriteCommon {
  schema: typeof SHAREPOINT_WRITE_SCHEMA;
  thumbnails: Thumbnails<RenditionRef>;
}

export interface ExchangePhotoWriteMessage {
  exchangePhotoWrite: ExchangePhotoWrite;
}

export interface SharePointPhotoWriteMessage {
  sharePointPhotoWrite: SharePointPhotoWrite;
}

/** Where a photo change was noticed: a Graph change notification (fast path) or the reconcile timer (guarantee). */
export type PhotoChangeSource = 'notification' | 'reconcile';

/** "This user's Graph photo may have changed": processPhotoChange reads the photo and decides what to do. */
export interface PhotoChange {
  schema: typeof PHOTO_CHANGE_SCHEMA;
  /** Entra object id. */
  userId: string;
  /** The Graph subscription that notified us; absent when the reconcile timer noticed the change. */
  subscriptionId?: string;
  /** Graph's `changeType` (`updated`), or `reconciled`. */
  changeType: string;
  receivedAt: string;
  correlationId: string;
  source: PhotoChangeSource;
  attempt: number;
}

export interface PhotoChangeMessage {
  photoChange: PhotoChange;
}
