// Whether a (possibly) changed Graph photo needs work. The mediaEtag is the photo's identity in Graph:
// - equal to one we wrote (the Exchange writer records it after its PUT) or last processed: the change is
//   the echo of our own write, a duplicate, or an out-of-order notification about a photo we already handled:
//   nothing to do. This is what stops a loop (our write -> notification -> our write ...).
// - different: the person changed it in Outlook/Teams. PHOTO_AUTHORITY=user propagates it to SharePoint;
//   PHOTO_AUTHORITY=hr puts the HR photo back in Exchange (its echo then carries the etag the writer records).
// Notifications carry no etag, so the caller always reads the *current* metadata: whatever order notifications
// arrive in, they all converge on the current photo.

/** Recorded as the last seen etag when Graph has no photo, so reconcile does not re-queue a removal every pass. */
export const NO_PHOTO_ETAG = 'none';

export interface PhotoMetadata {
  mediaEtag: string;
  width: number;
  height: number;
}

export type PhotoAuthority = 'user' | 'hr';

export type PhotoChangeDecision =
  | { kind: 'skip'; reason: 'already-seen' | 'removal-already-seen' }
  | { kind: 'propagate'; mediaEtag: string }
  | { kind: 'restore-hr'; seenEtag: string }
  | { kind: 'removed' };

export interface PhotoChangeFacts {
  /** Current Graph photo metadata; undefined when the user has no photo (404 ImageNotFound). */
  metadata: PhotoMetadata | undefined;
  /** Etags we know: the one our last Exchange write produced and the one we last processed. */
  seenMediaEtags: readonly string[];
  authority: PhotoAuthority;
  /** Whether an HR photo is on record for this user (required to restore it). */
  hasHrPhoto: boolean;
}

export function etagOf(metadata: PhotoMetadata | undefined): string {
  return metadata?.mediaEtag ?? NO_PHOTO_ETAG;
}

export function decidePhotoChange(facts: PhotoChangeFacts): PhotoChangeDecision {
  const seenEtag = etagOf(facts.metadata);
  if (facts.seenMediaEtags.includes(seenEtag)) {
    return { kind: 'skip', reason: facts.metadata ? 'already-seen' : 'removal-already-seen' };
  }
  if (facts.authority === 'hr' && facts.hasHrPhoto) return { kind: 'restore-hr', seenEtag };
  if (!facts.metadata) return { kind: 'removed' };
  return { kind: 'propagate', mediaEtag: facts.metadata.mediaEtag };
}
