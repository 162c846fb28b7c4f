// Use case: upload the three SharePoint thumbnails (`_SThumb`, `_MThumb`, `_LThumb`) to the My Site host, then set
// the profile properties that make SharePoint show them: PictureURL (the medium thumbnail), the placeholder flag
// off, the picture timestamp (in SharePoint's epoch) and the Exchange sync state. Users without an Exchange mailbox
// are served like everyone else: SharePoint does not need one. A try that failed part-way resumes at the step that
// failed (writePhotoToTarget records the steps done): a person whose profile SharePoint has not provisioned yet
// waits with their thumbnails uploaded once.

import type { SharePointPhotoWriteMessage } from '../messages/messageContracts';
import { isM365Failure } from './M365Failure';
import { UserNotInDirectoryError } from './UserNotInDirectoryError';
import { subjectOf, writePhotoToTarget, type WriteTargetDependencies, type WriteResult } from './writePhotoToTarget';

export type ThumbnailSizeLetter = 'S' | 'M' | 'L';

/** A photo's SharePoint calls, all spending the one reservation they were handed out under. */
export interface SharePointPhotoCalls {
  uploadThumbnail(userPrincipalName: string, size: ThumbnailSizeLetter, jpeg: Buffer): Promise<string>;
  /** The (percent-encoded) URL `uploadThumbnail` gives this person's thumbnail: what PictureURL names. */
  thumbnailUrl(userPrincipalName: string, size: ThumbnailSizeLetter): Promise<string>;
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

/** The directory, by object id: a write's UPN is the directory's, never the message's. */
export interface UserPrincipalNameSource {
  findUserById(id: string): Promise<{ userPrincipalName: string } | undefined>;
}

export interface WriteSharePointPhotoDependencies extends WriteTargetDependencies {
  sharePoint: SharePointPhotoPort;
  directory: UserPrincipalNameSource;
}

/** SharePoint keeps SPS-PictureTimestamp in seconds since 0001-01-01 (.NET ticks / 10^7), not Unix seconds. */
export const SECONDS_FROM_YEAR_ONE_TO_UNIX_EPOCH = 62_135_596_800;

export function sharePointPictureTimestamp(at: Date): string {
  return String(Math.floor(at.getTime() / 1000) + SECONDS_FROM_YEAR_ONE_TO_UNIX_EPOCH);
}

/** The profile properties that make SharePoint show the uploaded thumbnails, in the order they are set. */
export function pictureProperties(pictureUrl: string, at: Date): Array<[string, string]> {
  return [
    ['PictureURL', pictureUrl],
    ['SPS-PicturePlaceholderState', '0'],
    ['SPS-PictureTimestamp', sharePointPictureTimestamp(at)],
    // 0: SharePoint holds the current picture and has nothing to fetch from Exchange (docs/writers.md says why).
    ['SPS-PictureExchangeSyncState', '0'],
  ];
}

export async function writeSharePointPhoto(
  message: SharePointPhotoWriteMessage,
  deps: WriteSharePointPhotoDependencies,
): Promise<WriteResult> {
  const write = message.sharePointPhotoWrite;
  const now = deps.now ?? (() => new Date());
  return writePhotoToTarget(
    {
      target: 'sharepoint',
      subject: subjectOf(write),
      async perform(resume) {
        // SharePoint addresses people by UPN, so the UPN picks whose profile changes: it comes from the directory
        // by the (checked) object id, never from the message, which anyone with queue-send access could write.
        const user = await deps.directory.findUserById(write.owner.userId);
        if (!user) throw new UserNotInDirectoryError(write.owner.userId);
        const upn = user.userPrincipalName;
        const sizes: Array<[ThumbnailSizeLetter, string]> = [
          ['S', write.thumbnails.small.blobName],
          ['M', write.thumbnails.medium.blobName],
          ['L', write.thumbnails.large.blobName],
        ];
        const uploads = sizes.filter(([size]) => !resume.done.has(size));
        const properties = (pictureUrl: string) =>
          pictureProperties(pictureUrl, now()).filter(([name]) => !resume.done.has(name));
        // All of a photo's remaining calls or none: a write throttled half-way would be stopped between steps.
        await deps.sharePoint.withReservedRequests(uploads.length + properties('').length, async (calls) => {
          for (const [size, blobName] of uploads) {
            await calls.uploadThumbnail(upn, size, await deps.renditions.readRendition(blobName));
            resume.mark(size);
          }
          const pictureUrl = await calls.thumbnailUrl(upn, 'M');
          for (const [name, value] of properties(pictureUrl)) {
            await calls.setProfileProperty(upn, name, value).catch((error: unknown) => {
              // The failure names the property it was setting (a PropertyNotEditableException does not).
              throw isM365Failure(error) ? Object.assign(error, { property: name }) : error;
            });
            resume.mark(name);
          }
        });
        return { userPrincipalName: upn };
      },
    },
    deps,
  );
}
