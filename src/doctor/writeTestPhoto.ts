// --test-user: the writes the pipeline makes, done once for a designated person with a generated image (a plain
// coloured square: no real photo involved), then read back. Proves the permissions in practice, which role lists
// alone cannot (a mailbox-less test user, a policy, a SharePoint tenant setting can still refuse).

import sharp from 'sharp';
import type { PhotoSyncConfig } from '../config';
import type { M365Clients } from '../m365/createM365Clients';
import { isM365RequestError } from '../m365/M365RequestError';
import type { ThumbnailSize } from '../m365/sharePointAccount';
import type { CheckResult } from './DoctorCheck';
import { grantFix } from './requiredRoles';

interface WriteTestPhotoOptions {
  targets: PhotoSyncConfig['targets'];
  sharePointUsable: boolean;
  clientId: string;
}

const thumbnailSizes: Record<ThumbnailSize, number> = { S: 48, M: 72, L: 200 };

function square(size: number): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: 0, g: 120, b: 212 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

function failure(id: string, title: string, error: unknown, fix: string): CheckResult {
  const detail = isM365RequestError(error)
    ? `${error.status} ${error.code}: ${error.message}`
    : (error as Error).message;
  return { id, title, status: 'fail', detail, fix };
}

export async function writeTestPhoto(
  clients: M365Clients,
  testUser: string,
  options: WriteTestPhotoOptions,
): Promise<CheckResult[]> {
  const user = await clients.graph.getUser(testUser).catch((error: unknown) => error as Error);
  if (!user || user instanceof Error) {
    return [
      {
        id: 'test-user',
        title: `Test user ${testUser}`,
        status: 'fail',
        detail: user ? user.message : 'not found in the directory',
        fix: 'Pass the UPN or object id of an existing user with --test-user.',
      },
    ];
  }
  const results: CheckResult[] = [];
  if (options.targets.exchange) {
    const title = `Exchange photo write for ${user.userPrincipalName}`;
    try {
      await clients.graph.putPhoto(user.id, await square(648));
      const metadata = await clients.graph.getPhotoMetadata(user.id);
      results.push({
        id: 'test-exchange',
        title,
        status: 'pass',
        detail: `written; mediaEtag ${metadata?.mediaEtag ?? 'none'}`,
      });
    } catch (error) {
      const noMailbox =
        isM365RequestError(error) && /NonExistentMailbox|MailboxNotHostedInExchangeOnline/.test(error.code);
      results.push(
        failure(
          'test-exchange',
          title,
          error,
          noMailbox
            ? 'This user has no Exchange Online mailbox: pick a licensed test user (the SharePoint leg still runs for such users).'
            : grantFix('graph', ['ProfilePhoto.ReadWrite.All'], options.clientId),
        ),
      );
    }
  }
  if (options.targets.sharePoint && options.sharePointUsable) {
    const title = `SharePoint thumbnails and PictureURL for ${user.userPrincipalName}`;
    try {
      const urls: Partial<Record<ThumbnailSize, string>> = {};
      for (const [size, pixels] of Object.entries(thumbnailSizes) as [ThumbnailSize, number][]) {
        urls[size] = await clients.sharePoint.uploadThumbnail(user.userPrincipalName, size, await square(pixels));
      }
      await clients.sharePoint.setProfileProperty(user.userPrincipalName, 'PictureURL', urls.M as string);
      await clients.sharePoint.setProfileProperty(user.userPrincipalName, 'SPS-PicturePlaceholderState', '0');
      results.push({ id: 'test-sharepoint', title, status: 'pass', detail: `PictureURL ${urls.M}` });
    } catch (error) {
      results.push(
        failure(
          'test-sharepoint',
          title,
          error,
          grantFix('sharepoint', ['Sites.FullControl.All', 'User.ReadWrite.All'], options.clientId),
        ),
      );
    }
  }
  return results;
}
