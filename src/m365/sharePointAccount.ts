// How SharePoint names a person. The user profile service knows the person by the claims-encoded login
// `i:0#.f|membership|{upn}`. Thumbnail files in `User Photos/Profile Pictures` are, by SharePoint's own convention
// (its photo sync and PnP's ProfilePictureUploader), `{upn with @ and . as _}_{S|M|L}Thumb.jpg`. That convention
// maps different people onto one name: `a.b@contoso.com` and `a_b@contoso.com` both give `a_b_contoso_com`, and so
// do `a.b@contoso.com` and `a@b.contoso.com` in a tenant with both domains. One person's PictureURL would then show
// the other's face. So the convention is kept only where it cannot collide, and every other name carries a hash of
// the whole UPN:
// - conventional: the UPN has no `_` and its domain has exactly two labels (`adele.vance@contoso.com`): then every
//   `_` was a `.` or the `@`, and the `@` is always the second `_` from the end, so the name gives the UPN back;
// - otherwise `{convention}.{16 hex of SHA-256(upn)}_{S|M|L}Thumb.jpg`: it contains a `.` before the size, which
//   no conventional name can (they replace every `.`), so the two kinds never meet, and two hashed names meet only
//   if the hashes collide.
// The name keeps its `_{S|M|L}Thumb.jpg` end because SharePoint finds the other sizes from PictureURL by swapping
// `MThumb` for `SThumb`/`LThumb`.

import { createHash } from 'node:crypto';

export type ThumbnailSize = 'S' | 'M' | 'L';

/** Whether SharePoint's own `{upn}_{size}Thumb.jpg` name can belong to this person only. */
export function hasUnambiguousConventionalName(userPrincipalName: string): boolean {
  const upn = userPrincipalName.toLowerCase();
  const at = upn.lastIndexOf('@');
  if (at <= 0 || upn.includes('_')) return false;
  return upn.slice(at + 1).split('.').length === 2;
}

export function thumbnailFileName(userPrincipalName: string, size: ThumbnailSize): string {
  const upn = userPrincipalName.toLowerCase();
  const conventional = upn.replace(/[@.]/g, '_');
  if (hasUnambiguousConventionalName(upn)) return `${conventional}_${size}Thumb.jpg`;
  const hash = createHash('sha256').update(upn).digest('hex').slice(0, 16);
  return `${conventional}.${hash}_${size}Thumb.jpg`;
}

/**
 * The absolute URL of a file in a server-relative folder, each path segment percent-encoded: a guest's `#EXT#` must
 * reach SharePoint as `%23EXT%23`, not end the URL at a fragment.
 */
export function fileUrl(siteUrl: string, folderServerRelativeUrl: string, fileName: string): string {
  const path = [...folderServerRelativeUrl.split('/').filter(Boolean), fileName].map(encodeURIComponent).join('/');
  return `${new URL(siteUrl).origin}/${path}`;
}

export function claimsAccountName(userPrincipalName: string): string {
  return `i:0#.f|membership|${userPrincipalName}`;
}
