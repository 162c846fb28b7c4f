// How SharePoint names a person. Thumbnail files in `User Photos/Profile Pictures` are `{account}_{S|M|L}Thumb.jpg`
// with the UPN's `@` and `.` replaced by `_` (what SharePoint's own photo sync and PnP's ProfilePictureUploader
// write); the user profile service knows the person by the claims-encoded login `i:0#.f|membership|{upn}`.

export type ThumbnailSize = 'S' | 'M' | 'L';

export function thumbnailFileName(userPrincipalName: string, size: ThumbnailSize): string {
  return `${userPrincipalName.toLowerCase().replace(/[@.]/g, '_')}_${size}Thumb.jpg`;
}

export function claimsAccountName(userPrincipalName: string): string {
  return `i:0#.f|membership|${userPrincipalName}`;
}
