// SharePoint Online REST for profile thumbnails (what PnP's ProfilePictureUploader does, app-only):
// - the My Site host's `User Photos` library holds a `Profile Pictures` folder besides `Forms`, named in the host's
//   locale at the time (`Profilbilder`, `Images du profil`…); a host whose locale changed holds two. The library is
//   found by its URL, `/User Photos`, which every locale keeps (its title may be localised). We list its folders and
//   take the one that is not `Forms` (of two, the one written to last: where photos go now), and cache the answer
//   for the process.
// - files go through the ResourcePath APIs (`GetFolderByServerRelativePath(decodedurl=…)`,
//   `Files/AddUsingPath(decodedurl=…)`): the string APIs do not support `%` and `#`, and guests' UPNs contain `#EXT#`.
//   https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-folders-and-files-with-rest,
//   https://learn.microsoft.com/sharepoint/dev/solution-guidance/supporting-and-in-file-and-folder-with-the-resourcepath-api
// - another person's profile properties are written through PeopleManager on the admin site:
//   https://learn.microsoft.com/sharepoint/dev/sp-add-ins/user-profiles-and-social-data-rest-api-reference
// App-only SharePoint REST accepts only certificate-based tokens, so a secret fails fast here with the reason.
// A photo's calls spend one reservation of SharePoint's budget: `withReservedRequests` holds it and hands the work
// calls that pass it along with every request they make.

import type { M365Auth } from './M365Auth';
import { M365RequestError } from './M365RequestError';
import type { M365Transport } from './M365Transport';
import type { BudgetReservation } from './RateLimitPacer';
import { defaultSharePointCallCosts } from './sharePointCallCost';
import { claimsAccountName, fileUrl, thumbnailFileName, type ThumbnailSize } from './sharePointAccount';

/** The library's server-relative URL, the same in every locale. */
export const USER_PHOTOS_LIBRARY_URL = '/User Photos';
const JSON_NOMETADATA = 'application/json;odata=nometadata';

export interface SharePointClientOptions {
  auth: M365Auth;
  transport: M365Transport;
  mySiteUrl: string;
  adminSiteUrl: string;
}

/** A photo's SharePoint calls, spending the reservation they were handed out under. */
export interface ReservedSharePointCalls {
  uploadThumbnail(userPrincipalName: string, size: ThumbnailSize, jpeg: Buffer): Promise<string>;
  /** Where `uploadThumbnail` puts (or has put) this person's thumbnail of `size`: what PictureURL names. */
  thumbnailUrl(userPrincipalName: string, size: ThumbnailSize): Promise<string>;
  setProfileProperty(userPrincipalName: string, propertyName: string, propertyValue: string): Promise<void>;
}

type Reservation = BudgetReservation | undefined;

export interface FolderInfo {
  Name: string;
  ServerRelativeUrl: string;
  TimeLastModified?: string;
}

/** A value inside `'…'` of a SharePoint REST path: quotes doubled, then URL-encoded (slashes kept readable). */
function restLiteral(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''")).replace(/%2F/gi, '/')}'`;
}

/** Of the library's folders, the Profile Pictures one(s): everything but `Forms`, the one written to last first. */
export function profilePicturesFolders(folders: FolderInfo[]): FolderInfo[] {
  const modified = (f: FolderInfo) => Date.parse(f.TimeLastModified ?? '') || 0;
  return folders.filter((f) => f.Name.toLowerCase() !== 'forms').sort((a, b) => modified(b) - modified(a));
}

export class SharePointClient {
  private folder: Promise<FolderInfo> | undefined;

  constructor(private readonly options: SharePointClientOptions) {}

  /** Throws a permanent, actionable error when the configured credential cannot work for SharePoint. */
  assertCertificateCredential(): void {
    if (this.options.auth.credentialKind === 'certificate') return;
    throw new M365RequestError({
      service: 'sharepoint',
      status: 401,
      code: 'certificate-required',
      message:
        'SharePoint app-only needs a certificate: a client secret gets "401 Unsupported app only token". Upload a ' +
        'certificate to the Entra app and set M365_CLIENT_CERTIFICATE (or M365_CLIENT_CERTIFICATE_PATH).',
      retryable: false,
    });
  }

  /** The (localised) Profile Pictures folder photos go to (of two, the one written to last). */
  profilePicturesFolder(reservation?: Reservation): Promise<FolderInfo> {
    this.folder ??= this.resolveFolder(reservation).catch((error: unknown) => {
      this.folder = undefined;
      throw error;
    });
    return this.folder;
  }

  /**
   * Runs `work`, which makes up to `requests` SharePoint calls through the calls it is handed, once the app's known
   * budget can take them all: a photo's calls are not stopped half-way by RateLimit pacing (a rescheduled half-done
   * write would repeat them).
   */
  withReservedRequests<T>(requests: number, work: (calls: ReservedSharePointCalls) => Promise<T>): Promise<T> {
    // Every call of a photo is a write (uploads, property sets): reserve what that many writes cost.
    const units = requests * defaultSharePointCallCosts.write;
    return this.options.transport.withReservedRequests('sharepoint', this.options.mySiteUrl, units, (reservation) =>
      work({
        uploadThumbnail: (upn, size, jpeg) => this.uploadThumbnail(upn, size, jpeg, reservation),
        thumbnailUrl: (upn, size) => this.thumbnailUrl(upn, size, reservation),
        setProfileProperty: (upn, name, value) => this.setProfileProperty(upn, name, value, reservation),
      }),
    );
  }

  /** Uploads (overwriting) one thumbnail; returns its absolute, percent-encoded URL. */
  async uploadThumbnail(
    userPrincipalName: string,
    size: ThumbnailSize,
    jpeg: Buffer,
    reservation?: Reservation,
  ): Promise<string> {
    const folder = await this.profilePicturesFolder(reservation);
    const name = thumbnailFileName(userPrincipalName, size);
    const url =
      `${this.options.mySiteUrl}/_api/web/GetFolderByServerRelativePath(decodedurl=${restLiteral(folder.ServerRelativeUrl)})` +
      `/Files/AddUsingPath(decodedurl=${restLiteral(name)},overwrite=true)`;
    await this.send(url, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: jpeg, reservation });
    return fileUrl(this.options.mySiteUrl, folder.ServerRelativeUrl, name);
  }

  /** Where `uploadThumbnail` puts (or has put) this person's thumbnail of `size`: what PictureURL names. */
  async thumbnailUrl(userPrincipalName: string, size: ThumbnailSize, reservation?: Reservation): Promise<string> {
    const folder = await this.profilePicturesFolder(reservation);
    return fileUrl(this.options.mySiteUrl, folder.ServerRelativeUrl, thumbnailFileName(userPrincipalName, size));
  }

  /**
   * Deletes a file of the My Site host for good (`X-HTTP-Method: DELETE`, `If-Match: *`: whatever version it is);
   * 'none' when there was no such file, so a delete repeated after a half-done run is not an error.
   */
  async deleteFile(serverRelativeUrl: string): Promise<'deleted' | 'none'> {
    const url = `${this.options.mySiteUrl}/_api/web/GetFileByServerRelativePath(decodedurl=${restLiteral(serverRelativeUrl)})`;
    try {
      await this.send(url, { method: 'POST', headers: { 'X-HTTP-Method': 'DELETE', 'If-Match': '*' } });
      return 'deleted';
    } catch (error) {
      if (error instanceof M365RequestError && error.status === 404) return 'none';
      throw error;
    }
  }

  async downloadFile(absoluteUrl: string): Promise<Buffer> {
    const path = decodeURIComponent(new URL(absoluteUrl).pathname);
    const url = `${this.options.mySiteUrl}/_api/web/GetFileByServerRelativePath(decodedurl=${restLiteral(path)})/$value`;
    return Buffer.from(await (await this.send(url, { method: 'GET' })).arrayBuffer());
  }

  async setProfileProperty(
    userPrincipalName: string,
    propertyName: string,
    propertyValue: string,
    reservation?: Reservation,
  ): Promise<void> {
    await this.send(`${this.options.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_NOMETADATA },
      body: JSON.stringify({ accountName: claimsAccountName(userPrincipalName), propertyName, propertyValue }),
      reservation,
    });
  }

  /**
   * The person's profile as PeopleManager.GetPropertiesFor returns it (PictureUrl, UserProfileProperties…), or
   * undefined when SharePoint has no profile for them (yet): it answers `{"odata.null":true}` then.
   */
  async getPropertiesFor(userPrincipalName: string): Promise<Record<string, unknown> | undefined> {
    const account = encodeURIComponent(`'${claimsAccountName(userPrincipalName).replace(/'/g, "''")}'`);
    const url = `${this.options.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v=${account}`;
    const profile = (await (await this.send(url, { method: 'GET' })).json()) as Record<string, unknown> | null;
    return !profile || profile['odata.null'] === true || profile.AccountName === null ? undefined : profile;
  }

  /** Every folder of the `User Photos` library but `Forms`, the one written to last first (doctor shows them all). */
  async listProfilePicturesFolders(reservation?: Reservation): Promise<FolderInfo[]> {
    const url =
      `${this.options.mySiteUrl}/_api/web/GetFolderByServerRelativePath(decodedurl=${restLiteral(USER_PHOTOS_LIBRARY_URL)})` +
      '/Folders?$select=Name,ServerRelativeUrl,TimeLastModified';
    const answer = (await (await this.send(url, { method: 'GET', reservation })).json()) as { value?: FolderInfo[] };
    return profilePicturesFolders(answer.value ?? []);
  }

  private async resolveFolder(reservation: Reservation): Promise<FolderInfo> {
    const folder = (await this.listProfilePicturesFolders(reservation))[0];
    if (!folder) {
      // A tenant creates the folder with the first profile photo: worth waiting for, not a permanent refusal.
      throw new M365RequestError({
        service: 'sharepoint',
        status: 404,
        code: 'profile-pictures-folder-missing',
        message: `The library ${USER_PHOTOS_LIBRARY_URL} on ${this.options.mySiteUrl} has no Profile Pictures folder yet.`,
        retryable: false,
      });
    }
    return folder;
  }

  private async send(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: Buffer | string; reservation?: Reservation },
  ) {
    this.assertCertificateCredential();
    return this.options.transport.request('sharepoint', url, {
      ...init,
      headers: { Accept: JSON_NOMETADATA, ...init.headers },
    });
  }
}
