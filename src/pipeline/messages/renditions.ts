// The one family of rendition types: a photo's four renditions by role (Exchange's photo, SharePoint's three
// thumbnails), as pixels rendered in memory (`Renditions<RenditionImage>`) or as blobs stored in photos-processed
// and named in queue messages (`Renditions<RenditionRef>`). The thumbnails alone are `Thumbnails<T>`.

/** A rendition stored in the `photos-processed` container. */
export interface RenditionRef {
  blobName: string;
  width: number;
  height: number;
  bytes: number;
}

/** A rendition encoded in memory (JPEG). */
export interface RenditionImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Exchange / Graph photo (648×648 by default) and SharePoint `_SThumb`, `_MThumb`, `_LThumb` (48, 72, 200). */
export interface Renditions<T> {
  exchange: T;
  small: T;
  medium: T;
  large: T;
}

export type Thumbnails<T> = Pick<Renditions<T>, 'small' | 'medium' | 'large'>;

export type RenditionRole = keyof Renditions<unknown>;

/** The photo as photos-archive keeps it: without EXIF, GPS, XMP or IPTC metadata. */
export interface ArchiveImage {
  data: Buffer;
  contentType: string;
}

/**
 * Renditions rendered from one photo, keyed by the sha256 of the original bytes; with the copy to archive when the
 * renderer was asked for one.
 */
export type RenderedRenditions = Renditions<RenditionImage> & { contentHash: string; archiveCopy?: ArchiveImage };

/** The file each rendition role is stored as under `{userId}/{contentHash}/`. */
export const renditionFiles: Record<RenditionRole, string> = {
  exchange: 'exchange',
  small: 'S',
  medium: 'M',
  large: 'L',
};

/**
 * The one name a rendition has in photos-processed, derived from (user, hash, role): ingest stores it there, and a
 * write message is trusted only when each reference it carries is exactly this name (checkMessages.ts).
 */
export function renditionBlobName(userId: string, contentHash: string, rendition: RenditionRole): string {
  return `${userId}/${contentHash}/${renditionFiles[rendition]}.jpg`;
}
