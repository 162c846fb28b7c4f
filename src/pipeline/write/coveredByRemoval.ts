// Which photos a removal covers, the one rule the writers and ingest share (docs/status-page.md, "Removal"): a photo
// received — its upload into photos-incoming finished (the blob's Last-Modified) — at or before the moment the removal
// was asked for (`removedAt` on the person's PhotoSyncState rows) is covered: never written, never kept. A photo
// received after it is a new photo, written normally, even while that removal is still running.

import type { PhotoState } from './PhotoStatePort';

/** The `removedAt` of the removal covering a photo received at `receivedAt` (ISO 8601), if any row has one. */
export function coveredByRemoval(
  receivedAt: string,
  rows: ReadonlyArray<Pick<PhotoState, 'removedAt'> | undefined>,
): string | undefined {
  let covering: string | undefined;
  for (const row of rows) {
    const removedAt = row?.removedAt;
    if (removedAt && receivedAt <= removedAt && (!covering || removedAt > covering)) covering = removedAt;
  }
  return covering;
}
