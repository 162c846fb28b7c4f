// Our own copies of a person's photos, found and deleted for a removal or the retention of people who left:
// renditions under `photos-processed/{userId}/` (every photo they ever had: content-addressed folders) and the
// originals HR dropped, archived under `photos-archive/{yyyy}/{mm}/{dd}/` with metadata `userid` (set by ingest).
// The archive is listed whole with metadata, as the status page's drop ledger does (fine for the archive sizes a
// lifecycle rule keeps; docs/status-page.md). Rejected originals are not the person's by any proof (that is why
// they were rejected) and age out under their own lifecycle rule.
// With the account's blob soft delete on (infra: 7 days), a deleted blob is recoverable by an operator until then.

import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { archivedManifestPrefix } from './PhotoBlobStore';
import { containers } from './names';

export class StoredPhotoEraser {
  constructor(private readonly blobs: BlobServiceClient) {}

  #container(name: string): ContainerClient {
    return this.blobs.getContainerClient(name);
  }

  /**
   * Deletes the person's renditions and archived originals of photos received up to `receivedUpTo` (the removal's
   * moment); returns how many blobs this call deleted. A photo received after it is a new photo and is kept: its
   * archive copy says when it was received (metadata `receivedat`, else its creation), and its renditions were
   * created after it was received. What a photo received before the removal stores later, its ingest deletes itself
   * (src/pipeline/ingest/ingestPhoto.ts).
   */
  async deleteStoredPhotos(userId: string, receivedUpTo: string): Promise<number> {
    let deleted = 0;
    const processed = this.#container(containers.processed);
    for await (const blob of processed.listBlobsFlat({ prefix: `${userId}/`, includeTags: true })) {
      // Renditions are content-addressed: the same image dropped again after the removal re-tags the very blobs an
      // earlier drop created (`receivedat`, the later time), and they are that drop's now.
      const receivedAt = blob.tags?.receivedat;
      if (isAfter(blob.properties.createdOn, receivedUpTo) || isAfter(receivedAt, receivedUpTo)) continue;
      const options = {
        deleteSnapshots: 'include' as const,
        // Checked by storage at the delete itself, so a drop re-tagging them meanwhile keeps them.
        ...(receivedAt !== undefined ? { conditions: { tagConditions: `"receivedat" <= '${receivedUpTo}'` } } : {}),
      };
      if ((await processed.deleteBlob(blob.name, options).then(ok, gone)) === 'deleted') deleted += 1;
    }
    const archive = this.#container(containers.archive);
    for await (const blob of archive.listBlobsFlat({ includeMetadata: true })) {
      if (blob.name.startsWith(archivedManifestPrefix) || blob.metadata?.userid !== userId) continue;
      if (isAfter(blob.metadata.receivedat ?? blob.properties.createdOn, receivedUpTo)) continue;
      if ((await archive.deleteBlob(blob.name, { deleteSnapshots: 'include' }).then(ok, gone)) === 'deleted') {
        deleted += 1;
      }
    }
    return deleted;
  }

  /** The object ids of everyone we hold renditions of (the top-level folders of photos-processed). */
  async listPeopleWithStoredPhotos(): Promise<string[]> {
    const people: string[] = [];
    for await (const item of this.#container(containers.processed).listBlobsByHierarchy('/')) {
      if (item.kind === 'prefix') people.push(item.name.replace(/\/$/, ''));
    }
    return people;
  }
}

const ok = (): 'deleted' => 'deleted';

function isAfter(when: Date | string | undefined, moment: string): boolean {
  if (when === undefined) return false;
  const at = typeof when === 'string' ? Date.parse(when) : when.getTime();
  return Number.isFinite(at) && at > Date.parse(moment);
}

/**
 * Deleted by a concurrent run (a redelivered removal), or re-tagged by a later drop since the listing (412): not an
 * error, and not counted.
 */
function gone(error: unknown): 'gone' {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 412) return 'gone';
  throw error;
}
