// Use case: upload the three SharePoint thumbnails (`_SThumb`, `_MThumb`, `_LThumb`) to the My Site host, then set
// the profile properties that make SharePoint show them: PictureURL (the medium thumbnail), the placeholder flag
// off, and the picture timestamp (epoch seconds, as SharePoint's own sync writes it). Users without an Exchange
// mailbox are served like everyone else: SharePoint does not need one.

import type { SharePointPhotoWriteMessage } from '../messages/messageContracts';
import { subjectOf, writePhotoToTarget, type WriteTargetDependencies, type WriteResult } from './writePhotoToTarget';

export type ThumbnailSizeLetter = 'S' | 'M' | 'L';

/** A photo's SharePoint calls, all spending the one reservation they were handed out under. */
export interface SharePointPhotoCalls {
  uploadThumbnail(userPrincipalName: string, size: ThumbnailSizeLetter, jpeg: Buffer): Promise<string>;
  setProfileProperty(userPrincipalName: string, propertyName: string, propertyValue: string): Promise<void>;
}

export interface SharePointPhotoPort {
  /**
   * Runs `work`, which makes up to `requests` calls through the calls it is handed, once the service's budget can
   * take them all; throws a retryable throttling error (nothing sent) when that is further off than the writer
   * should wait in process. The adapter holds the reservation.
   */
  withReservedRequests<T>(requests: number, work: (calls: SharePointPhotoCalls) => Promise<T>): Promise<T>;
}

export interface WriteSharePointPhotoDependencies extends WriteTargetDependencies {
  sharePoint: SharePointPhotoPort;
}

export async function writeSharePointPhoto(
  message: SharePointPhotoWriteMessage,
  deps: WriteSharePointPhotoDependencies,
): Promise<WriteResult> {
  const write = message.sharePointPhotoWrite;
  const upn = write.owner.userPrincipalName;
  const now = deps.now ?? (() => new Date());
  return writePhotoToTarget(
    {
      target: 'sharepoint',
      subject: subjectOf(write),
      async perform() {
        const sizes: Array<[ThumbnailSizeLetter, string]> = [
          ['S', write.thumbnails.small.blobName],
          ['M', write.thumbnails.medium.blobName],
          ['L', write.thumbnails.large.blobName],
        ];
        const properties = (pictureUrl: string): Array<[string, string]> => [
          ['PictureURL', pictureUrl],
          ['SPS-PicturePlaceholderState', '0'],
          ['SPS-PictureTimestamp', String(Math.floor(now().getTime() / 1000))],
          // 0 = "SharePoint has the current photo": stops SharePoint's own Exchange sync from replacing ours.
          ['SPS-PictureExchangeSyncState', '0'],
        ];
        // All of a photo's calls or none: a write throttled half-way and rescheduled would upload again.
        await deps.sharePoint.withReservedRequests(sizes.length + properties('').length, async (calls) => {
          let pictureUrl = '';
          for (const [size, blobName] of sizes) {
            const url = await calls.uploadThumbnail(upn, size, await deps.renditions.readRendition(blobName));
            if (size === 'M') pictureUrl = url;
          }
          for (const [name, value] of properties(pictureUrl)) await calls.setProfileProperty(upn, name, value);
        });
        return {};
      },
    },
    deps,
  );
}
