// Ports of the photo-change use cases (processPhotoChange, reconcilePhotos). The function entry points adapt
// GraphClient (src/m365/GraphPhotoChangePorts), PhotoStateStore and PhotoBlobStore (with graphPhotoRenditionPort) to
// them, so the domain stays free of SDKs.

import type { PhotoOrigin, PhotoOwner } from '../messages/messageContracts';
import type { RenditionRef, Thumbnails } from '../messages/renditions';
import type { PhotoMetadata } from './decidePhotoChange';
import type { PhotoFingerprint } from './photoFingerprintMatch';

export interface GraphPhotoPort {
  /** `GET /users/{id}/photo`: undefined when the user has no photo (404 ImageNotFound). */
  getPhotoMetadata(userId: string): Promise<PhotoMetadata | undefined>;
  /** `GET /users/{id}/photo/$value`: undefined when the photo disappeared meanwhile. */
  getPhotoContent(userId: string): Promise<Buffer | undefined>;
}

/** The HR photo last written for a user: what PHOTO_AUTHORITY=hr puts back. */
export interface HrPhoto {
  contentHash: string;
  exchange: RenditionRef;
}

export interface PhotoChangeState {
  /** Graph photo etags we know: the one our last Exchange write produced, the one we last processed. */
  seenMediaEtags: string[];
  /** Only looked up when PHOTO_AUTHORITY=hr. */
  hrPhoto?: HrPhoto;
  /**
   * Our last successful Exchange write for this person: the rendition we sent and when. Graph re-encodes it, may
   * give it a new etag on every write and may serve the previous photo for a while after it, so this is what an
   * unknown etag is compared with (photoFingerprintMatch), not the etag the writer read back.
   */
  lastExchangeWrite?: { rendition: RenditionRef; writtenAt: string };
  /**
   * An Exchange write for this person holds its claim: it may have put its photo and not yet recorded the etag, so
   * the current Graph photo may be our own write, not the person's change.
   */
  exchangeWriteUnderWay?: boolean;
}

export interface PhotoChangeStatePort {
  get(userId: string): Promise<PhotoChangeState>;
  /** Records the etag of a photo this path handled (processed, found removed, or replaced by the HR photo). */
  recordMediaEtag(userId: string, mediaEtag: string): Promise<void>;
  /**
   * Marks the person's SharePoint photo removed as of `at` (the `sharepoint` row's `removedAt`): the writer then skips
   * any photo received before it, so a write queued before the removal never lands after the placeholder.
   */
  markSharePointRemoved(userId: string, at: string): Promise<void>;
}

/** Fingerprints of photos (src/imaging/photoFingerprint.ts), to recognise our own write after Exchange re-encoded it. */
export interface FingerprintPort {
  ofBytes(bytes: Buffer): Promise<PhotoFingerprint>;
  /** The fingerprint of a rendition we stored; undefined when it is gone (renditions are kept, but not forever). */
  ofRendition(rendition: RenditionRef): Promise<PhotoFingerprint | undefined>;
}

export interface RenditionPort {
  /**
   * Renders with ingest's code (renderRenditions, the configured sizes) and writes the renditions to
   * photos-processed; throws PhotoRejectedError for an image that cannot be used.
   */
  renderAndStore(
    owner: PhotoOwner,
    bytes: Buffer,
    /** When and how the photo was received: older renditions of the person are marked superseded. */
    provenance?: { receivedAt: Date; origin: PhotoOrigin },
  ): Promise<{ contentHash: string; thumbnails: Thumbnails<RenditionRef> }>;
}
