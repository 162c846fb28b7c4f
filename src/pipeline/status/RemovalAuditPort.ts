// The removal audit: one record per removal, kept after the photo is gone (issue 13: "an audit record says who asked
// and when, without the photo"). It is also the removal's progress, so a removal cut short is resumed from it and
// HR sees it on the status page, and the authority the queue consumer checks: a removal message is acted on only
// when its record exists (written by the HR-checked endpoints), so queue-send rights alone remove nobody's photo.

/** `scheduled`: a person who left the directory, whose photos go at `dueAt` (the retention setting). */
export type RemovalStatus = 'scheduled' | 'requested' | 'completed' | 'failed' | 'cancelled';

/** What happened in Exchange: `off` when the target is off, `not-in-directory` when the person has left. */
export type ExchangeRemoval = 'deleted' | 'none' | 'no-mailbox' | 'on-premises' | 'off' | 'not-in-directory';
export type SharePointRemoval = 'reset' | 'no-profile' | 'off';

export interface RemovalRecord {
  userId: string;
  /** Unique per removal of this person; `retention` for the retention policy's one record. */
  requestId: string;
  userPrincipalName: string;
  /** Who asked: the signed-in HR person, the removal file's `requestedby`, or `retention policy`. */
  requestedBy: string;
  requestedAt: string;
  /** `status-page`, `api`, `removal-file:{name}` or `retention`. */
  via: string;
  /** Why, in HR's words (may be empty). */
  reason: string;
  status: RemovalStatus;
  /** Tries of the removal so far (each queue delivery that ran it). */
  attempts: number;
  /** For `scheduled`: when the photos go. */
  dueAt?: string;
  exchange?: ExchangeRemoval;
  sharePoint?: SharePointRemoval;
  thumbnailsDeleted?: number;
  storedPhotosDeleted?: number;
  completedAt?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
  updatedAt: string;
}

export interface RemovalAuditPort {
  /** Creates or replaces the record (PartitionKey userId, RowKey requestId). */
  save(record: RemovalRecord): Promise<void>;
  get(userId: string, requestId: string): Promise<RemovalRecord | undefined>;
  /** Every removal of this person, newest first. */
  listForUser(userId: string): Promise<RemovalRecord[]>;
}
