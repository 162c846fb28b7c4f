// SharePoint back to its placeholder for one person (the SharePointPlaceholderPort), in the order that never shows a
// broken image: first the profile (`PictureURL` cleared, `SPS-PicturePlaceholderState` = 1, so every page draws the
// placeholder), then the thumbnails in the My Site host's `User Photos` library. A failure part-way throws (the
// caller retries) and running it again finishes the job: clearing a cleared property and deleting a deleted file
// both succeed.
// - Thumbnails are deleted in every Profile Pictures folder (a host whose locale changed holds two), by the name the
//   writer gives this person (sharePointAccount.ts). A conventional name that could also be someone else's
//   (`a.b@x.com` and `a_b@x.com`) is never touched: we never wrote it for this person.
// - A person SharePoint has no profile for (UserNotFoundException) has no properties to clear: their files still go.
// - The placeholder state: 0 = a photo is set (what the writer sets), 1 = the placeholder is shown (issue 13).

import { exceptionIs } from '../pipeline/write/M365Failure';
import type {
  SharePointPlaceholderPort,
  SharePointPlaceholderReset,
} from '../pipeline/write/SharePointPlaceholderPort';
import { M365RequestError } from './M365RequestError';
import type { SharePointClient } from './SharePointClient';
import { thumbnailFileName, type ThumbnailSize } from './sharePointAccount';

const sizes: ThumbnailSize[] = ['S', 'M', 'L'];

export async function resetSharePointPhotoToPlaceholder(
  sharePoint: SharePointClient,
  userPrincipalName: string,
): Promise<SharePointPlaceholderReset> {
  sharePoint.assertCertificateCredential();
  const profile = await clearPictureProperties(sharePoint, userPrincipalName);
  let thumbnailsDeleted = 0;
  for (const folder of await sharePoint.listProfilePicturesFolders()) {
    for (const size of sizes) {
      const file = `${folder.ServerRelativeUrl}/${thumbnailFileName(userPrincipalName, size)}`;
      if ((await sharePoint.deleteFile(file)) === 'deleted') thumbnailsDeleted += 1;
    }
  }
  return { thumbnailsDeleted, profile };
}

/** The port, bound to one SharePoint client (wired in the composition root). */
export function sharePointPlaceholderPort(sharePoint: SharePointClient): SharePointPlaceholderPort {
  return (userPrincipalName) => resetSharePointPhotoToPlaceholder(sharePoint, userPrincipalName);
}

async function clearPictureProperties(
  sharePoint: SharePointClient,
  userPrincipalName: string,
): Promise<SharePointPlaceholderReset['profile']> {
  try {
    // PictureURL first: once it is empty nothing points at a thumbnail about to go.
    await sharePoint.setProfileProperty(userPrincipalName, 'PictureURL', '');
    await sharePoint.setProfileProperty(userPrincipalName, 'SPS-PicturePlaceholderState', '1');
    return 'reset';
  } catch (error) {
    if (error instanceof M365RequestError && exceptionIs(error, 'UserNotFoundException')) return 'no-profile';
    throw error;
  }
}
