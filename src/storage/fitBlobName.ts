// Azure Storage allows blob names of at most 1,024 characters. An upload near that limit could be neither archived
// (`{yyyy}/{mm}/{dd}/` goes in front) nor rejected (`.error.json` goes behind), so it would fail on every retry and
// end in the poison queue instead of with HR. A name that would not fit is shortened the same way every time: its
// start kept, a hash of the whole name added so two long names never share a target, its extension kept.
// https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata#blob-names

import { createHash } from 'node:crypto';

export const MAX_BLOB_NAME_LENGTH = 1024;

/** `prefix + name + suffix`, with `name` shortened only when the whole would be longer than a blob name may be. */
export function fitBlobName(prefix: string, name: string, suffix = ''): string {
  const whole = `${prefix}${name}${suffix}`;
  if (whole.length <= MAX_BLOB_NAME_LENGTH) return whole;
  const extension = /\.[A-Za-z0-9]{1,8}$/.exec(name)?.[0] ?? '';
  const marker = `~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
  const keep = MAX_BLOB_NAME_LENGTH - prefix.length - suffix.length - marker.length - extension.length;
  return `${prefix}${name.slice(0, Math.max(0, keep))}${marker}${extension}${suffix}`;
}
