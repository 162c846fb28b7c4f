// The photo-changes consumer: read the user's current Graph photo, skip what we already handled (echo of our own
// write, duplicates, out-of-order notifications), otherwise render it with ingest's code and hand SharePoint a
// write; with PHOTO_AUTHORITY=hr put the HR photo back in Exchange instead.
// A photo the person removed (docs/notifications.md): SharePoint goes back to its placeholder through the
// SharePointPlaceholderPort (the adapter HR removal uses); without one wired, SharePoint is left as it is.
//
// Our own Exchange write, under every reading of Graph (docs/notifications.md, "Echo of our own writes"):
// - its etag proves nothing: Graph may give every write a new one, and the etag the writer reads right after its PUT
//   may be the previous photo's (read-after-write lag). So an unknown etag is only a question;
// - within PHOTO_READ_LAG_MS after our write, what Graph serves may be the photo from before it: a change seen then is
//   looked at again once the window has passed (deferred), never acted on;
// - after it, the photo is downloaded and compared with the rendition we wrote by what it looks like (a fingerprint of
//   the decoded image, photoFingerprintMatch), because Exchange re-encodes it and the bytes never match. Ours: the etag
//   is recorded as seen, nothing is written. Not ours: the person's change.
//
// Act, record, then acknowledge: the SharePoint write is queued (through the edge's `send`) before the photo's etag is
// recorded as handled, and the photo-changes message is completed after both. Recorded first, a run that stopped in
// between would leave the change marked handled with nothing queued: its redelivery and every reconcile pass would
// skip it, and SharePoint would keep the old photo for good. A run that stops after the send queues the write again
// on its retry; the writer skips a content hash it has written, so that costs no second visible write.

import type {
  ExchangePhotoWriteMessage,
  PhotoChange,
  PhotoOwner,
  SharePointPhotoWriteMessage,
} from '../messages/messageContracts';
import { exchangeWriteMessage, sharePointWriteMessage } from '../messages/writeMessages';
import type { DirectoryPort } from '../ingest/DirectoryPort';
import type { QueueSend } from '../messages/Decision';
import { decidePhotoChange, etagOf, NO_PHOTO_ETAG, type PhotoAuthority } from './decidePhotoChange';
import type {
  FingerprintPort,
  GraphPhotoPort,
  PhotoChangeState,
  PhotoChangeStatePort,
  RenditionPort,
} from './PhotoChangePorts';
import { fingerprintsMatch } from './photoFingerprintMatch';
import { isPhotoRejectedError, type RejectionCode } from '../ingest/PhotoRejectedError';
import type { ProtectedAccountsPort } from '../ingest/ProtectedAccountsPort';
import type { SharePointPlaceholderPort } from '../write/SharePointPlaceholderPort';

export type PhotoChangeOutcome =
  | {
      kind: 'skipped';
      reason: 'already-seen' | 'removal-already-seen' | 'unknown-user' | 'own-write' | 'protected-account';
    }
  /** Our own Exchange write may be the change: look again after `delayMs`. */
  | { kind: 'deferred'; reason: 'exchange-write-under-way' | 'read-after-write-window'; delayMs?: number }
  | { kind: 'propagated'; mediaEtag: string; contentHash: string; sharePointWrite: SharePointPhotoWriteMessage }
  | { kind: 'restored-hr'; replacedEtag: string; exchangeWrite: ExchangePhotoWriteMessage }
  | { kind: 'removed-left-as-is' }
  | { kind: 'removed-placeholder'; thumbnailsDeleted: number; profile: 'reset' | 'no-profile' }
  | { kind: 'rejected'; code: RejectionCode; mediaEtag: string };

export interface ProcessPhotoChangeOptions {
  photos: GraphPhotoPort;
  directory: Pick<DirectoryPort, 'findUserById'>;
  state: PhotoChangeStatePort;
  renditions: RenditionPort;
  fingerprints: FingerprintPort;
  authority: PhotoAuthority;
  /** TARGET_SHAREPOINT: a propagated photo is only handed to the SharePoint writer when it is on. */
  sharePointEnabled: boolean;
  /** PHOTO_READ_LAG_MS: how long after our Exchange write Graph may still serve the photo from before it. */
  photoReadLagMs: number;
  now: () => Date;
  /** Queues messages now, before the etag is recorded (the edge's DecisionExecutor.send). */
  send(sends: QueueSend[]): Promise<void>;
  /** SharePoint back to its placeholder (thumbnails deleted, PictureURL cleared, placeholder state 1); optional. */
  placeholder?: SharePointPlaceholderPort;
  /** PROTECTED_ACCOUNTS_GROUP_ID: people whose photos the pipeline never copies or changes. */
  protectedAccounts?: ProtectedAccountsPort;
}

/** Milliseconds left of the window after our last Exchange write in which Graph reads may be stale; 0 when none. */
export function readAfterWriteWindowMs(state: PhotoChangeState, now: Date, lagMs: number): number {
  const writtenAt = Date.parse(state.lastExchangeWrite?.writtenAt ?? '');
  if (!Number.isFinite(writtenAt)) return 0;
  return Math.max(0, writtenAt + lagMs - now.getTime());
}

export async function processPhotoChange(
  change: PhotoChange,
  options: ProcessPhotoChangeOptions,
): Promise<PhotoChangeOutcome> {
  const { userId } = change;
  // Graph first, then state: an Exchange write claims the person's row before its PUT and records its write (releasing
  // the claim) in one update after it, so a photo read here that is our own write shows in the state read after it,
  // either as a write under way or as a recorded one. Read the other way round (or at once), a reconcile pass landing
  // between that PUT and its record took our own HR photo for the person's change and wrote it to SharePoint on top.
  const metadata = await options.photos.getPhotoMetadata(userId);
  const state = await options.state.get(userId);
  const decision = decidePhotoChange({
    metadata,
    seenMediaEtags: state.seenMediaEtags,
    authority: options.authority,
    hasHrPhoto: state.hrPhoto !== undefined,
  });
  if (decision.kind === 'skip') return { kind: 'skipped', reason: decision.reason };
  if (state.exchangeWriteUnderWay) return { kind: 'deferred', reason: 'exchange-write-under-way' };
  const window = readAfterWriteWindowMs(state, options.now(), options.photoReadLagMs);
  if (window > 0) return { kind: 'deferred', reason: 'read-after-write-window', delayMs: window };

  const user = await options.directory.findUserById(userId);
  if (!user) return { kind: 'skipped', reason: 'unknown-user' };
  if (await options.protectedAccounts?.isProtected(userId)) {
    // Before the download: their photo is neither copied into storage nor rendered, and their SharePoint picture is
    // not reset when they remove it. Recorded as handled, so reconcile does not bring the same photo back every pass.
    await options.state.recordMediaEtag(userId, etagOf(metadata));
    return { kind: 'skipped', reason: 'protected-account' };
  }
  const owner: PhotoOwner = { userId: user.id, userPrincipalName: user.userPrincipalName };
  const facts = { correlationId: change.correlationId, owner, receivedAt: change.receivedAt };

  const restoreHr = (): PhotoChangeOutcome => {
    if (!state.hrPhoto) throw new Error('restoreHr without an HR photo');
    // The replaced etag is not recorded as seen: with an etag that follows content, a person setting the same photo
    // again later would be skipped and their photo would win. The restore's own echo is recognised by the read-after-
    // write window and then by its fingerprint, so it is a no-op: no loop.
    const exchangeWrite = exchangeWriteMessage(
      // The photo being written is HR's: the Exchange row keeps saying so, and the next restore finds it again.
      { ...facts, contentHash: state.hrPhoto.contentHash, origin: 'hr-upload' },
      state.hrPhoto.exchange,
      { force: true },
    );
    return { kind: 'restored-hr', replacedEtag: etagOf(metadata), exchangeWrite };
  };

  if (!metadata) {
    if (decision.kind === 'restore-hr' && state.hrPhoto) return restoreHr();
    // Only a removal of a photo we saw: "no photo" for someone we never saw with one is not a change to follow.
    const hadPhoto = state.seenMediaEtags.some((etag) => etag !== NO_PHOTO_ETAG);
    if (options.placeholder && options.sharePointEnabled && hadPhoto) {
      // Mark first, then reset, then record: a write queued before this cannot land after it, and a run cut short
      // resets again on its retry (every step of the reset is idempotent).
      await options.state.markSharePointRemoved(userId, options.now().toISOString());
      const reset = await options.placeholder(user.userPrincipalName);
      await options.state.recordMediaEtag(userId, NO_PHOTO_ETAG);
      return { kind: 'removed-placeholder', ...reset };
    }
    await options.state.recordMediaEtag(userId, etagOf(metadata));
    return { kind: 'removed-left-as-is' };
  }

  const bytes = await options.photos.getPhotoContent(userId);
  if (!bytes) {
    // Removed between the metadata read and the download: the next notification or reconcile pass sees it.
    return { kind: 'removed-left-as-is' };
  }
  if (state.lastExchangeWrite && (await isOurWrite(bytes, state.lastExchangeWrite.rendition, options.fingerprints))) {
    await options.state.recordMediaEtag(userId, metadata.mediaEtag);
    return { kind: 'skipped', reason: 'own-write' };
  }
  if (decision.kind === 'restore-hr' && state.hrPhoto) return restoreHr();

  const mediaEtag = metadata.mediaEtag;
  let rendered;
  try {
    rendered = await options.renditions.renderAndStore(owner, bytes, {
      receivedAt: new Date(change.receivedAt),
      origin: change.source === 'reconcile' ? 'reconcile' : 'user-change',
    });
  } catch (error) {
    if (!isPhotoRejectedError(error)) throw error;
    // Not retryable: remember the etag so reconcile does not fetch the same unusable photo every pass.
    await options.state.recordMediaEtag(userId, mediaEtag);
    return { kind: 'rejected', code: error.code, mediaEtag };
  }
  const sharePointWrite = sharePointWriteMessage(
    {
      ...facts,
      contentHash: rendered.contentHash,
      origin: change.source === 'reconcile' ? 'reconcile' : 'user-change',
    },
    rendered.thumbnails,
  );
  if (options.sharePointEnabled) await options.send([{ queue: 'sharePointPhotoWrites', message: sharePointWrite }]);
  await options.state.recordMediaEtag(userId, mediaEtag);
  return { kind: 'propagated', mediaEtag, contentHash: rendered.contentHash, sharePointWrite };
}

/** Whether the photo Graph serves is, by what it looks like, the rendition we last wrote to Exchange. */
async function isOurWrite(
  bytes: Buffer,
  rendition: NonNullable<PhotoChangeState['lastExchangeWrite']>['rendition'],
  fingerprints: FingerprintPort,
): Promise<boolean> {
  const ours = await fingerprints.ofRendition(rendition);
  if (!ours) return false;
  return fingerprintsMatch(ours, await fingerprints.ofBytes(bytes));
}
