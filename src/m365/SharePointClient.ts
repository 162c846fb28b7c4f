// SharePoint Online REST for profile thumbnails (what PnP's ProfilePictureUploader does, app-only):
// - the My Site host's `User Photos` library holds one folder besides `Forms`: `Profile Pictures`, whose name is
//   localised (`Profilbilder`, `Images de profil`…). We list the library's root folders and take the one that is
//   not `Forms` instead of hard-coding a name, and cache the answer for the process.
// - files: https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-folders-and-files-with-rest
// - another person's profile properties are written through PeopleManager on the admin site:
//   https://learn.microsoft.com/sharepoint/dev/sp-add-ins/user-profiles-and-social-data-rest-api-reference
// App-only SharePoint REST accepts only certificate-based tokens, so a secret fails fast here with the reason.
// A photo's calls spend one reservation of SharePoint's budget: `withReservedRequests` holds it and hands the work
// calls that pass it along with every request they make.

import type { M365Auth } from './M365Auth';
import { M365RequestError } from './M365RequestError';
import type { M365Transport } from './M365Transport';
import type { BudgetReservation } from './RateLimitPacer';
import { claimsAccountName, thumbnailFileName, type ThumbnailSize } from './sharePointAccount';

const USER_PHOTOS_LIBRARY = 'User Photos';
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
  setProfileProperty(userPrincipalName: string, propertyName: string, propertyValue: string): Promise<void>;
}

type Reservation = BudgetReservation | undefined;

interface FolderInfo {
  Name: string;
  ServerRelativeUrl: string;
}

/** A value inside `'…'` of a SharePoint REST path: quotes doubled, then URL-encoded (slashes kept readable). */
function restLiteral(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''")).replace(/%2F/gi, '/')}'`;
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

  /** The (localised) Profile Pictures folder of the My Site host's `User Photos` library. */
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
    return this.options.transport.withReservedRequests('sharepoint', this.options.mySiteUrl, requests, (reservation) =>
      work({
        uploadThumbnail: (upn, size, jpeg) => this.uploadThumbnail(upn, size, jpeg, reservation),
        setProfileProperty: (upn, name, value) => this.setProfileProperty(upn, name, value, reservation),
      }),
    );
  }

  /** Uploads (overwriting) one thumbnail; returns its absolute URL. */
  async uploadThumbnail(
    userPrincipalName: string,
    size: ThumbnailSize,
    jpeg: Buffer,
    reservation?: Reservation,
  ): Promise<string> {
    const folder = await this.profilePicturesFolder(reservation);
    const name = thumbnailFileName(userPrincipalName, size);
    const url =
      `${this.options.mySiteUrl}/_api/web/GetFolderByServerRelativeUrl(${restLiteral(folder.ServerRelativeUrl)})` +
      `/Files/add(url=${restLiteral(name)},overwrite=true)`;
    await this.send(url, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: jpeg, reservation });
    return new URL(`${folder.ServerRelativeUrl}/${name}`, this.options.mySiteUrl).href;
  }

  async downloadFile(absoluteUrl: string): Promise<Buffer> {
    const path = decodeURIComponent(new URL(absoluteUrl).pathname);
    const url = `${this.options.mySiteUrl}/_api/web/GetFileByServerRelativeUrl(${restLiteral(path)})/$value`;
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

  /** The person's profile as PeopleManager.GetPropertiesFor returns it (PictureUrl, UserProfileProperties…). */
  async getPropertiesFor(userPrincipalName: string): Promise<Record<string, unknown>> {
    const account = encodeURIComponent(`'${claimsAccountName(userPrincipalName).replace(/'/g, "''")}'`);
    const url = `${this.options.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v=${account}`;
    return (await (await this.send(url, { method: 'GET' })).json()) as Record<string, unknown>;
  }

  private async resolveFolder(reservation: Reservation): Promise<FolderInfo> {
    const url =
      `${this.options.mySiteUrl}/_api/web/lists/GetByTitle(${restLiteral(USER_PHOTOS_LIBRARY)})/RootFolder/Folders` +
      '?$select=Name,ServerRelativeUrl';
    const answer = (await (await this.send(url, { method: 'GET', reservation })).json()) as { value?: FolderInfo[] };
    const folder = (answer.value ?? []).find((f) => f.Name !== 'Forms');
    if (!folder) {
      throw new M365RequestError({
        service: 'sharepoint',
        status: 404,
        code: 'profile-pictures-folder-missing',
        message: `The "${USER_PHOTOS_LIBRARY}" library on ${this.options.mySiteUrl} has no Profile Pictures folder yet.`,
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
