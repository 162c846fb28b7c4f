// SharePoint checks beyond the roles in the token: the admin host (PeopleManager) must take the app's certificate
// token and answer a profile read; the My Site host's `User Photos` library (found by URL, its title may be
// localised) must hold a Profile Pictures folder, whose name follows the host's locale, and may hold two when the
// locale changed: the writer then uses the one written to last.

import type { M365Config } from '../config';
import type { M365Clients } from '../m365/createM365Clients';
import { isM365RequestError } from '../m365/M365RequestError';
import { USER_PHOTOS_LIBRARY_URL } from '../m365/SharePointClient';
import type { CheckResult } from './DoctorCheck';
import { grantFix } from './requiredRoles';

const PROBE_ACCOUNT = 'photo-sync-doctor-probe@invalid.example';

function said(error: unknown): string {
  return isM365RequestError(error) ? `${error.status} ${error.code}: ${error.message}` : (error as Error).message;
}

/** A GetPropertiesFor read on the admin host: proves its token and the profile permission in practice. */
export async function checkAdminHostRead(
  clients: M365Clients,
  m365: M365Config,
  testUser: string | undefined,
): Promise<CheckResult> {
  const id = 'admin-profile-read';
  const title = `Admin host ${m365.adminSiteUrl}: GetPropertiesFor`;
  // An object id is not a login name: then a made-up account proves the same.
  const account = testUser?.includes('@') ? testUser : PROBE_ACCOUNT;
  try {
    const profile = await clients.sharePoint.getPropertiesFor(account);
    return { id, title, status: 'pass', detail: `read ${account}: ${profile ? 'profile found' : 'no profile'}` };
  } catch (error) {
    // An account SharePoint does not know still proves the token and the permission.
    if (isM365RequestError(error) && error.code.endsWith('UserNotFoundException')) {
      return {
        id,
        title,
        status: 'pass',
        detail: `read ${account}: UserNotFoundException (token and permission work)`,
      };
    }
    const denied = isM365RequestError(error) && (error.status === 401 || error.status === 403);
    return {
      id,
      title,
      status: 'fail',
      detail: said(error),
      fix: denied
        ? `${grantFix('sharepoint', ['User.ReadWrite.All'], m365.clientId)} Check SHAREPOINT_ADMIN_URL (https://{tenant}-admin.sharepoint.com).`
        : 'Check SHAREPOINT_ADMIN_URL (https://{tenant}-admin.sharepoint.com) and try again.',
    };
  }
}

export async function checkProfilePicturesFolders(clients: M365Clients, m365: M365Config): Promise<CheckResult> {
  const id = 'mysite-folder';
  const title = `My Site host ${m365.mySiteUrl}: Profile Pictures folder`;
  let folders;
  try {
    folders = await clients.sharePoint.listProfilePicturesFolders();
  } catch (error) {
    return {
      id,
      title,
      status: 'fail',
      detail: said(error),
      fix:
        `Check SHAREPOINT_MYSITE_URL (https://{tenant}-my.sharepoint.com: the library ${USER_PHOTOS_LIBRARY_URL} is ` +
        'there) and the SharePoint Sites.FullControl.All permission.',
    };
  }
  const [current, ...older] = folders;
  if (!current) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${USER_PHOTOS_LIBRARY_URL} has no Profile Pictures folder yet: SharePoint writes wait (waiting-for-picture-folder)`,
      fix: 'Set one profile photo by hand (Microsoft 365 profile or Delve) so SharePoint creates the folder, then run doctor again.',
    };
  }
  const localised = current.Name !== 'Profile Pictures' ? ` (localised name)` : '';
  if (older.length === 0) return { id, title, status: 'pass', detail: `${current.ServerRelativeUrl}${localised}` };
  return {
    id,
    title,
    status: 'warn',
    detail:
      `${folders.length} picture folders (the host's locale changed): ${folders.map((f) => f.Name).join(', ')}; ` +
      `photos go to ${current.ServerRelativeUrl}, the one written to last`,
    fix:
      "Nothing to do while profiles show the photos. If SharePoint's own uploads go to another folder, set one " +
      'photo by hand so that folder is the one written to last, or remove the unused folder (Site contents > User Photos).',
  };
}
