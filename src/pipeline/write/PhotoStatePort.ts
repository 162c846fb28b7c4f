// Per-user, per-target state of the photo sync: what was written where and when, how the last attempt ended, and
// the Graph photo ETag our own Exchange write produced (the notification path compares against it to ignore the
// echo of our write). Answers "where is this person's photo?". Implemented over Azure Table storage.

import type { PhotoOrigin } from '../messages/messageContracts';
import type { RenditionRef } from '../messages/renditions';

export type PhotoTarget = 'exchange' | 'sharepoint' | 'graph-photo';

export type WriteOutcome =
  'written' | 'skipped-duplicate' | 'skipped-stale' | 'rescheduled' | 'waiting' | 'permanent-failure' | 'dead-lettered';

export interface PhotoState {
  userId: string;
  target: PhotoTarget;
  userPrincipalName?: string;
  /** Content hash of the photo last written to this target (absent until a write succeeds). */
  lastContentHash?: string;
  lastWrittenAt?: string;
  /** `receivedAt` of the photo last written: an older message arriving late must not overwrite a newer photo. */
  lastReceivedAt?: string;
  /** A WriteOutcome; other paths may record their own outcome names. */
  lastOutcome?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
  /** The rendition last written and where it came from (PHOTO_AUTHORITY=hr puts an `hr-upload` photo back). */
  lastRendition?: RenditionRef;
  lastOrigin?: PhotoOrigin;
  /** Graph photo `@odata.mediaEtag` after our Exchange write, or as last processed from a change. */
  lastMediaEtag?: string;
  /**
   * The write under way for this person and target, across instances: its id and when the claim lapses (ISO; empty
   * when none). A second writer finding an unexpired claim steps back instead of writing at the same time.
   */
  writeClaimId?: string;
  writeClaimExpiresAt?: string;
  /** While the write waits for something that needs time (a SharePoint profile…): since when (ISO; empty after). */
  waitingSince?: string;
  /**
   * The steps of a multi-step write (SharePoint: thumbnails, then properties) already done for `resumeContentHash`,
   * comma-separated, so a retry of the same photo resumes at the step that failed.
   */
  resumeContentHash?: string;
  resumeSteps?: string;
  updatedAt?: string;
  /**
   * When HR had this person's photo removed (ISO). A write of a photo received before it is skipped, even a forced
   * one: a photo queued before a removal never lands after it.
   */
  removedAt?: string;
}

export type PhotoStatePatch = Partial<Omit<PhotoState, 'userId' | 'target'>>;

export interface PhotoStatePort {
  get(userId: string, target: PhotoTarget): Promise<PhotoState | undefined>;
  /**
   * Read-modify-write with optimistic concurrency: `change` sees the current state (undefined when none) and
   * returns the fields to set, or undefined to leave the row alone; it runs again when another writer got there first.
   */
  update(
    userId: string,
    target: PhotoTarget,
    change: (current: PhotoState | undefined) => PhotoStatePatch | undefined,
  ): Promise<PhotoState | undefined>;
  listForUser(userId: string): Promise<PhotoState[]>;
}
