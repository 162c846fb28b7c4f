// The photo-changes consumer: read the user's current Graph photo, skip what we already handled (echo of our own
// write, duplicates, out-of-order notifications), otherwise render it with ingest's code and hand SharePoint a
// write; with PHOTO_AUTHORITY=hr put the HR photo back in Exchange instead.
// Decision on removed photos (docs/notifications.md): SharePoint is left as it is and the removal is logged.
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
import { decidePhotoChange, etagOf, type PhotoAuthority } from './decidePhotoChange';
import type { GraphPhotoPort, PhotoChangeStatePort, RenditionPort } from './PhotoChangePorts';
import { isPhotoRejectedError, type RejectionCode } from '../ingest/PhotoRejectedError';

export type PhotoChangeOutcome =
  | { kind: 'skipped'; reason: 'already-seen' | 'removal-already-seen' | 'unknown-user' }
  /** Our own Exchange write may be the change: look again once it has recorded its etag. */
  | { kind: 'deferred'; reason: 'exchange-write-under-way' }
  | { kind: 'propagated'; mediaEtag: string; contentHash: string; sharePointWrite: SharePointPhotoWriteMessage }
  | { kind: 'restored-hr'; replacedEtag: string; exchangeWrite: ExchangePhotoWriteMessage }
  | { kind: 'removed-left-as-is' }
  | { kind: 'rejected'; code: RejectionCode; mediaEtag: string };

export interface ProcessPhotoChangeOptions {
  photos: GraphPhotoPort;
  directory: Pick<DirectoryPort, 'findUserById'>;
  state: PhotoChangeStatePort;
  renditions: RenditionPort;
  authority: PhotoAuthority;
  /** TARGET_SHAREPOINT: a propagated photo is only handed to the SharePoint writer when it is on. */
  sharePointEnabled: boolean;
  /** Queues messages now, before the etag is recorded (the edge's DecisionExecutor.send). */
  send(sends: QueueSend[]): Promise<void>;
}

export async function processPhotoChange(
  change: PhotoChange,
  options: ProcessPhotoChangeOptions,
): Promise<PhotoChangeOutcome> {
  const { userId } = change;
  // Graph first, then state: an Exchange write claims the person's row before its PUT and records the etag (releasing
  // the claim) in one update after it, so a photo read here that is our own write shows in the state read after it,
  // either as a known etag or as a write under way. Read the other way round (or at once), a reconcile pass landing
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

  const user = await options.directory.findUserById(userId);
  if (!user) return { kind: 'skipped', reason: 'unknown-user' };
  const owner: PhotoOwner = { userId: user.id, userPrincipalName: user.userPrincipalName };
  const facts = { correlationId: change.correlationId, owner, receivedAt: change.receivedAt };

  if (decision.kind === 'restore-hr' && state.hrPhoto) {
    // The replaced etag is deliberately not recorded as seen: Graph's mediaEtag follows the photo's content, so a
    // person setting the same photo again later would otherwise be skipped and their photo would win. The forced
    // write's echo carries the etag the Exchange writer records after its PUT (and the settle delay lets it land
    // first), so the echo is a no-op: no loop. A duplicate notification processed before the restore landed costs
    // one more forced PUT of the same HR photo, never a loop. The replacement is logged by the function.
    const exchangeWrite = exchangeWriteMessage(
      // The photo being written is HR's: the Exchange row keeps saying so, and the next restore finds it again.
      { ...facts, contentHash: state.hrPhoto.contentHash, origin: 'hr-upload' },
      state.hrPhoto.exchange,
      { force: true },
    );
    return { kind: 'restored-hr', replacedEtag: decision.seenEtag, exchangeWrite };
  }

  if (decision.kind === 'removed' || decision.kind === 'restore-hr') {
    await options.state.recordMediaEtag(userId, etagOf(metadata));
    return { kind: 'removed-left-as-is' };
  }

  const bytes = await options.photos.getPhotoContent(userId);
  if (!bytes) {
    // Removed between the metadata read and the download: the next notification or reconcile pass sees it.
    return { kind: 'removed-left-as-is' };
  }
  let rendered;
  try {
    rendered = await options.renditions.renderAndStore(owner, bytes, {
      receivedAt: new Date(change.receivedAt),
      origin: change.source === 'reconcile' ? 'reconcile' : 'user-change',
    });
  } catch (error) {
    if (!isPhotoRejectedError(error)) throw error;
    // Not retryable: remember the etag so reconcile does not fetch the same unusable photo every pass.
    await options.state.recordMediaEtag(userId, decision.mediaEtag);
    return { kind: 'rejected', code: error.code, mediaEtag: decision.mediaEtag };
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
  await options.state.recordMediaEtag(userId, decision.mediaEtag);
  return { kind: 'propagated', mediaEtag: decision.mediaEtag, contentHash: rendered.contentHash, sharePointWrite };
}
