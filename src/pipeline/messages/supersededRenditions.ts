// Which of a person's rendition sets in photos-processed are superseded, so the lifecycle rule in
// infra/app/photoRetention.bicep deletes them (blob index tag superseded=true) instead of keeping every old face
// of everyone forever. A set is superseded by a newer photo of the same person, judged by when each photo was
// received (not when its renditions happened to be stored: deliveries arrive out of order), with one exception:
// the newest HR photo is never superseded by a person's own change, because PHOTO_AUTHORITY=hr puts it back.
// Pure: the blob adapter lists the person's sets, asks this, and tags what it answers.

import type { PhotoOrigin } from './messageContracts';

export interface RenditionSetFacts {
  contentHash: string;
  /** When the photo was received (ISO): HR's upload time, or the change's time for a photo read from Graph. */
  receivedAt: string;
  origin: PhotoOrigin;
  superseded: boolean;
}

const isHr = (set: RenditionSetFacts): boolean => set.origin === 'hr-upload';

function newer(a: RenditionSetFacts, b: RenditionSetFacts): boolean {
  return a.receivedAt > b.receivedAt || (a.receivedAt === b.receivedAt && a.contentHash > b.contentHash);
}

/** The newest set overall, and the newest HR set: the two a person's future writes may still read. */
function keepers(sets: RenditionSetFacts[]): Set<string> {
  let newest: RenditionSetFacts | undefined;
  let newestHr: RenditionSetFacts | undefined;
  for (const set of sets) {
    if (!newest || newer(set, newest)) newest = set;
    if (isHr(set) && (!newestHr || newer(set, newestHr))) newestHr = set;
  }
  return new Set([newest?.contentHash, newestHr?.contentHash].filter((h): h is string => h !== undefined));
}

/**
 * The content hashes to tag superseded=true (not yet tagged), and those to untag (a photo dropped again becomes
 * current again, and must not be deleted under the person).
 */
export function decideSupersededRenditions(sets: RenditionSetFacts[]): { supersede: string[]; restore: string[] } {
  const keep = keepers(sets);
  return {
    supersede: sets.filter((s) => !keep.has(s.contentHash) && !s.superseded).map((s) => s.contentHash),
    restore: sets.filter((s) => keep.has(s.contentHash) && s.superseded).map((s) => s.contentHash),
  };
}
