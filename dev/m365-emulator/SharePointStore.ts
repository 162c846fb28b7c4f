// SharePoint content of the emulated tenant: the My Site host's `User Photos` library (root folder `/User Photos`
// with a localised `Profile Pictures` folder, perhaps two of them, and the usual `Forms` folder) and user profiles.
// Server-relative URLs are case-insensitive in SharePoint, so keys are lower-cased.
// - The library's URL is `/User Photos` everywhere; its title may be localised (uncertain, so an option).
// - The Profile Pictures folder is named in the host's locale at the time of the first upload; a host whose locale
//   changed holds two (`Profile Pictures` and `Profilbilder`, say).
// - A person has a user profile only once SharePoint has provisioned one (new hires wait for it, minutes to days).
//   Until then the profile service answers UserNotFoundException.

import { randomUUID } from 'node:crypto';

export interface SharePointFile {
  name: string;
  serverRelativeUrl: string;
  bytes: Buffer;
  uniqueId: string;
  timeCreated: Date;
  timeLastModified: Date;
  version: number;
}

export interface SharePointFolder {
  name: string;
  serverRelativeUrl: string;
  uniqueId: string;
  timeLastModified: Date;
}

/** The library's URL segment: stable in every locale. */
export const userPhotosLibrary = 'User Photos';

/** What the profile service knows about each person, and what it lets an app change. */
export const pictureProperties = [
  'PictureURL',
  'SPS-PicturePlaceholderState',
  'SPS-PictureTimestamp',
  'SPS-PictureExchangeSyncState',
] as const;

export interface SharePointStoreOptions {
  /** Profile Pictures folder names, oldest first; the last is the host's current locale. */
  profilePicturesFolderNames: string[];
  /** The library's display title (`User Photos` in English tenants). */
  libraryTitle: string;
}

export class SharePointStore {
  readonly folders = new Map<string, SharePointFolder>();
  readonly files = new Map<string, SharePointFile>();
  /** Keyed by lower-cased UPN; values are the profile properties written through PeopleManager. */
  readonly profiles = new Map<string, Map<string, string>>();
  /** Lower-cased UPN → when (tenant clock, ms) SharePoint provisions the person's profile; Infinity = never. */
  private readonly pendingProfiles = new Map<string, number>();
  /** Profile properties (lower-cased) an app may not change: PropertyNotEditableException. */
  readonly notEditable = new Set<string>();
  readonly libraryTitle: string;
  readonly profilePicturesFolderNames: string[];

  constructor(
    options: SharePointStoreOptions,
    private readonly now: () => Date,
  ) {
    this.libraryTitle = options.libraryTitle;
    this.profilePicturesFolderNames = [...options.profilePicturesFolderNames];
    this.addFolder(`/${userPhotosLibrary}`);
    this.addFolder(`/${userPhotosLibrary}/Forms`);
    for (const name of this.profilePicturesFolderNames) this.addFolder(`/${userPhotosLibrary}/${name}`);
  }

  /** The folder SharePoint itself writes to now (the host's current locale). */
  get profilePicturesFolderUrl(): string {
    return `/${userPhotosLibrary}/${this.profilePicturesFolderNames.at(-1) ?? 'Profile Pictures'}`;
  }

  get profilePicturesFolderUrls(): string[] {
    return this.profilePicturesFolderNames.map((name) => `/${userPhotosLibrary}/${name}`);
  }

  private addFolder(serverRelativeUrl: string): void {
    const name = serverRelativeUrl.split('/').pop() ?? '';
    this.folders.set(serverRelativeUrl.toLowerCase(), {
      name,
      serverRelativeUrl,
      uniqueId: randomUUID(),
      timeLastModified: this.now(),
    });
  }

  folder(serverRelativeUrl: string): SharePointFolder | undefined {
    return this.folders.get(normalise(serverRelativeUrl).toLowerCase());
  }

  subfolders(serverRelativeUrl: string): SharePointFolder[] {
    const parent = normalise(serverRelativeUrl).toLowerCase();
    return [...this.folders.values()].filter((f) => parentOf(f.serverRelativeUrl).toLowerCase() === parent);
  }

  filesIn(serverRelativeUrl: string): SharePointFile[] {
    const parent = normalise(serverRelativeUrl).toLowerCase();
    return [...this.files.values()].filter((f) => parentOf(f.serverRelativeUrl).toLowerCase() === parent);
  }

  file(serverRelativeUrl: string): SharePointFile | undefined {
    return this.files.get(normalise(serverRelativeUrl).toLowerCase());
  }

  /** `overwrite=false` on an existing file is refused, as `Files/add` does. */
  putFile(folder: SharePointFolder, name: string, bytes: Buffer, overwrite: boolean): SharePointFile | 'exists' {
    const url = `${folder.serverRelativeUrl}/${name}`;
    const existing = this.file(url);
    if (existing && !overwrite) return 'exists';
    const now = this.now();
    const file: SharePointFile = {
      name,
      serverRelativeUrl: url,
      bytes: Buffer.from(bytes),
      uniqueId: existing?.uniqueId ?? randomUUID(),
      timeCreated: existing?.timeCreated ?? now,
      timeLastModified: now,
      version: (existing?.version ?? 0) + 1,
    };
    this.files.set(url.toLowerCase(), file);
    folder.timeLastModified = now;
    return file;
  }

  /** Removes the file for good; false when there was none. */
  deleteFile(serverRelativeUrl: string): boolean {
    return this.files.delete(normalise(serverRelativeUrl).toLowerCase());
  }

  /** SharePoint has created the person's profile (picture properties at their defaults: placeholder shown). */
  provisionProfile(upn: string): Map<string, string> {
    const key = upn.toLowerCase();
    this.pendingProfiles.delete(key);
    let properties = this.profiles.get(key);
    if (!properties) {
      properties = new Map([
        ['PictureURL', ''],
        ['SPS-PicturePlaceholderState', '1'],
        ['SPS-PictureTimestamp', ''],
        ['SPS-PictureExchangeSyncState', '1'],
      ]);
      this.profiles.set(key, properties);
    }
    return properties;
  }

  /** The profile appears `delayMs` from now on the tenant clock (`Infinity`: never, until provisioned by hand). */
  scheduleProfile(upn: string, delayMs: number): void {
    const key = upn.toLowerCase();
    if (this.profiles.has(key)) return;
    this.pendingProfiles.set(key, delayMs === Infinity ? Infinity : this.now().getTime() + delayMs);
  }

  /** The person's profile, or undefined while SharePoint has not provisioned it. */
  profile(upn: string): Map<string, string> | undefined {
    const key = upn.toLowerCase();
    const due = this.pendingProfiles.get(key);
    if (due !== undefined && due <= this.now().getTime()) return this.provisionProfile(key);
    return this.profiles.get(key);
  }

  setEditable(propertyName: string, editable: boolean): void {
    if (editable) this.notEditable.delete(propertyName.toLowerCase());
    else this.notEditable.add(propertyName.toLowerCase());
  }
}

function normalise(url: string): string {
  const withSlash = url.startsWith('/') ? url : `/${url}`;
  return withSlash.replace(/\/+$/, '');
}

function parentOf(url: string): string {
  return url.slice(0, url.lastIndexOf('/'));
}
