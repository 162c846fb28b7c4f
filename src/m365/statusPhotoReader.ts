// Reads the photos the status page shows. A 404 from Graph (no photo, no mailbox) or SharePoint (no thumbnail) is
// "nothing there", not an error: that is what the page is for.

import type { StatusPhotoPort, StatusPhotoSource } from '../pipeline/status/StatusPhotoPort';
import type { GraphClient } from './GraphClient';
import { M365RequestError } from './M365RequestError';
import type { SharePointClient } from './SharePointClient';
import { thumbnailFileName, type ThumbnailSize } from './sharePointAccount';

export interface StatusPhotoReaderDeps {
  graph: Pick<GraphClient, 'getPhotoContent'>;
  sharePoint: Pick<SharePointClient, 'profilePicturesFolder' | 'downloadFile'>;
  mySiteUrl: string;
  /** HR's last drop as rendered for Exchange (photos-processed), by owner and content hash. */
  readDropped(userId: string, contentHash: string): Promise<Buffer | undefined>;
}

async function orNothing(read: () => Promise<Buffer>): Promise<Buffer | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof M365RequestError && error.status === 404) return undefined;
    throw error;
  }
}

export function statusPhotoReader(deps: StatusPhotoReaderDeps): StatusPhotoPort {
  return {
    async read(source: StatusPhotoSource, person) {
      if (source === 'exchange') return orNothing(() => deps.graph.getPhotoContent(person.id));
      if (source === 'dropped') {
        return person.lastDropHash ? deps.readDropped(person.id, person.lastDropHash) : undefined;
      }
      const size = source.slice('sharepoint-'.length) as ThumbnailSize;
      const folder = await deps.sharePoint.profilePicturesFolder();
      const url = new URL(
        `${folder.ServerRelativeUrl}/${thumbnailFileName(person.userPrincipalName, size)}`,
        deps.mySiteUrl,
      );
      return orNothing(() => deps.sharePoint.downloadFile(url.href));
    },
  };
}
