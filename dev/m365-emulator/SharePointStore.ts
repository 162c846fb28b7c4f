// SharePoint content of the emulated tenant: the My Site host's `User Photos` library (root folder `/User Photos`
// with a localised `Profile Pictures` folder and the usual `Forms` folder) and user profile properties.
// Server-relative URLs are case-insensitive in SharePoint, so keys are lower-cased.

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
}

export const userPhotosLibrary = 'User Photos';

export class SharePointStore {
  readonly folders = new Map<string, SharePointFolder>();
  readonly files = new Map<string, SharePointFile>();
  /** Keyed by lower-cased UPN; values are the profile properties written through PeopleManager. */
  readonly profiles = new Map<string, Map<string, string>>();

  constructor(
    readonly profilePicturesFolderName: string,
    private readonly now: () => Date,
  ) {
    this.addFolder(`/${userPhotosLibrary}`);
    this.addFolder(`/${userPhotosLibrary}/Forms`);
    this.addFolder(`/${userPhotosLibrary}/${profilePicturesFolderName}`);
  }

  get profilePicturesFolderUrl(): string {
    return `/${userPhotosLibrary}/${this.profilePicturesFolderName}`;
  }

  private addFolder(serverRelativeUrl: string): void {
    const name = serverRelativeUrl.split('/').pop() ?? '';
    this.folders.set(serverRelativeUrl.toLowerCase(), { name, serverRelativeUrl, uniqueId: randomUUID() });
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
    return file;
  }

  profile(upn: string): Map<string, string> {
    const key = upn.toLowerCase();
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
}

function normalise(url: string): string {
  const withSlash = url.startsWith('/') ? url : `/${url}`;
  return withSlash.replace(/\/+$/, '');
}

function parentOf(url: string): string {
  return url.slice(0, url.lastIndexOf('/'));
}
