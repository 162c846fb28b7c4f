// --test-user: the writes the pipeline makes, done once for a designated person with a generated image (a plain
// coloured square: no real photo involved), then read back. Proves the permissions in practice, which role lists
// alone cannot (a mailbox-less test user, a policy, a SharePoint tenant setting can still refuse): whether the person
// has an Exchange Online mailbox (Graph's answer for people without one varies by tenant: each is named) and a
// SharePoint profile, and a write of every profile property the SharePoint writer sets.

import sharp from 'sharp';
import type { PhotoSyncConfig } from '../config';
import type { M365Clients } from '../m365/createM365Clients';
import { isM365RequestError } from '../m365/M365RequestError';
import type { ThumbnailSize } from '../m365/sharePointAccount';
import { editableHint } from '../pipeline/write/writeDecisions';
import { pictureProperties } from '../pipeline/write/writeSharePointPhoto';
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
      results.push(failure('test-exchange', title, error, exchangeFix(error, user.mail, options.clientId)));
    }
  }
  if (options.targets.sharePoint && options.sharePointUsable) {
    results.push(...(await writeSharePointTest(clients, user.userPrincipalName, options.clientId)));
  }
  return results;
}

/** What to do about a failed Exchange write: each answer Graph gives for people without a mailbox is named. */
function exchangeFix(error: unknown, mail: string | null | undefined, clientId: string): string {
  const code = isM365RequestError(error) ? error.code : '';
  const status = isM365RequestError(error) ? error.status : 0;
  const noMail = mail ? '' : ' The user has no mail address in Entra, which points the same way.';
  if (/NonExistentMailbox|MailboxNotHostedInExchangeOnline|AuthenticationError/.test(code)) {
    return (
      `Graph answered ${code}: this user has no Exchange Online mailbox (or it is on-premises); pick a licensed ` +
      `test user. The writer records such people as permanent; the SharePoint leg still runs for them.${noMail}`
    );
  }
  if (status === 404) {
    const named = code && !/^HTTP\d+$/.test(code) ? code : 'with no code';
    return (
      `Graph answered 404 ${named}: a mailbox still being provisioned, or this tenant's answer for ` +
      'people without an Exchange Online mailbox; the writer waits up to 3 days (waiting-for-mailbox) before it ' +
      `records exchange-not-found. Check the user in the Exchange admin center, or pick another test user.${noMail}`
    );
  }
  return grantFix('graph', ['ProfilePhoto.ReadWrite.All'], clientId);
}

/** The SharePoint leg: the person's profile, then the thumbnails and every property the writer sets. */
async function writeSharePointTest(clients: M365Clients, upn: string, clientId: string): Promise<CheckResult[]> {
  const profileTitle = `SharePoint user profile of ${upn}`;
  try {
    if (!(await clients.sharePoint.getPropertiesFor(upn))) {
      return [
        {
          id: 'test-sharepoint-profile',
          title: profileTitle,
          status: 'fail',
          detail: 'SharePoint has no profile for this person (yet): photo writes wait (waiting-for-profile)',
          fix:
            'New hires get one once SharePoint provisions it (hours, sometimes a day or more); check their licence ' +
            'includes SharePoint and SharePoint admin center > More features > User profiles > Manage User Profiles.',
        },
      ];
    }
  } catch (error) {
    return [
      failure('test-sharepoint-profile', profileTitle, error, grantFix('sharepoint', ['User.ReadWrite.All'], clientId)),
    ];
  }
  const results: CheckResult[] = [
    { id: 'test-sharepoint-profile', title: profileTitle, status: 'pass', detail: 'profile found' },
  ];
  const title = `SharePoint thumbnails and profile properties for ${upn}`;
  let property: string | undefined;
  try {
    const urls: Partial<Record<ThumbnailSize, string>> = {};
    for (const [size, pixels] of Object.entries(thumbnailSizes) as [ThumbnailSize, number][]) {
      urls[size] = await clients.sharePoint.uploadThumbnail(upn, size, await square(pixels));
    }
    for (const [name, value] of pictureProperties(urls.M as string, new Date())) {
      property = name;
      await clients.sharePoint.setProfileProperty(upn, name, value);
    }
    const names = pictureProperties('', new Date()).map(([name]) => name);
    results.push({
      id: 'test-sharepoint',
      title,
      status: 'pass',
      detail: `PictureURL ${urls.M}; set ${names.join(', ')}`,
    });
  } catch (error) {
    const notEditable = isM365RequestError(error) && error.code.endsWith('PropertyNotEditableException');
    const fix = notEditable
      ? editableHint(property)
      : grantFix('sharepoint', ['Sites.FullControl.All', 'User.ReadWrite.All'], clientId);
    const failed = failure('test-sharepoint', title, error, fix);
    results.push(property ? { ...failed, detail: `setting ${property}: ${failed.detail}` } : failed);
  }
  return results;
}
