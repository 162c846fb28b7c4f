// Exchange keeps its own copy of a profile photo: HD sizes up to 648×648, re-encoded as JPEG, so the bytes a client
// reads back are not the bytes it wrote (MicrosoftDocs change-user-profile-photos.md; real-tenant.md). With the
// tenant's `reencodePhotos` off the bytes are stored as sent, for tests that need the other reading.

import sharp from 'sharp';
import type { StoredPhoto, Tenant, TenantUser } from './Tenant';

/** The largest size Exchange serves (`/photos/648x648`). */
const EXCHANGE_MAX_SIDE = 648;
/** Not Exchange's published setting (there is none); any re-encode that changes the bytes is the point. */
const EXCHANGE_JPEG_QUALITY = 82;

export async function storeExchangePhoto(
  tenant: Tenant,
  user: TenantUser,
  photo: { bytes: Buffer; width: number; height: number; contentType: string },
): Promise<StoredPhoto> {
  if (!tenant.reencodePhotos) return tenant.setPhoto(user, photo);
  const { data, info } = await sharp(photo.bytes, { failOn: 'error' })
    .rotate()
    .resize(EXCHANGE_MAX_SIDE, EXCHANGE_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: EXCHANGE_JPEG_QUALITY, chromaSubsampling: '4:2:0' })
    .toBuffer({ resolveWithObject: true });
  return tenant.setPhoto(user, { bytes: data, width: info.width, height: info.height, contentType: 'image/jpeg' });
}
