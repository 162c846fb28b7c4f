// Putting a person's SharePoint photo back to SharePoint's placeholder (the grey silhouette): the thumbnails we or
// SharePoint wrote are deleted from the My Site host, `PictureURL` is cleared and `SPS-PicturePlaceholderState` is 1.
// A port of its own, not a step of removal: HR's removal uses it, and so does following a person who removed their
// own photo in Outlook or Teams. Every step is idempotent, so a reset cut short is finished by running it again.

export interface SharePointPlaceholderReset {
  /** Thumbnail files deleted (0 when none were left: a repeated reset). */
  thumbnailsDeleted: number;
  /** 'no-profile': SharePoint has no user profile for the person (yet), so there were no properties to clear. */
  profile: 'reset' | 'no-profile';
}

export type SharePointPlaceholderPort = (userPrincipalName: string) => Promise<SharePointPlaceholderReset>;
