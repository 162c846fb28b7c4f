// The photos the status page shows side by side, each read from where it lives: Exchange through Graph, SharePoint's
// thumbnails through SharePoint REST with the app's token, HR's last drop as ingest rendered it. The page gets
// them through the app (statusPhoto), never as storage or SharePoint links a browser could keep or share.

export type StatusPhotoSource = 'exchange' | 'sharepoint-S' | 'sharepoint-M' | 'sharepoint-L' | 'dropped';

export const statusPhotoSources: readonly StatusPhotoSource[] = [
  'exchange',
  'sharepoint-S',
  'sharepoint-M',
  'sharepoint-L',
  'dropped',
];

export function isStatusPhotoSource(value: string): value is StatusPhotoSource {
  return (statusPhotoSources as readonly string[]).includes(value);
}

export interface StatusPhotoPort {
  /** The JPEG bytes, or undefined when there is no photo there. */
  read(
    source: StatusPhotoSource,
    person: { id: string; userPrincipalName: string; lastDropHash?: string },
  ): Promise<Buffer | undefined>;
}
