// What the status page needs from the outside world, as small ports: who is this person (directory search), what
// did HR drop (the archive and rejection containers), what did the writers record (PhotoSyncState), and a way to
// drop a person's last photo again. Adapters live in src/m365 and src/storage; the page's use cases stay pure.

import type { DirectoryUser } from '../ingest/DirectoryPort';
import type { PhotoState } from '../write/PhotoStatePort';

export interface StatusPerson extends DirectoryUser {
  displayName?: string | null;
}

export interface PeopleSearchPort {
  findUserById(id: string): Promise<StatusPerson | undefined>;
  findUserByPrincipalName(userPrincipalName: string): Promise<StatusPerson | undefined>;
  findUsersByEmployeeId(employeeId: string): Promise<StatusPerson[]>;
  /** People whose display name (or UPN) starts with `text`, at most `limit` of them. */
  searchByName(text: string, limit: number): Promise<StatusPerson[]>;
}

export type DropOutcome = 'accepted' | 'rejected';

/** One photo HR dropped, as the containers remember it (never the bytes). */
export interface DropRecord {
  /** The file name HR used. */
  name: string;
  /** When ingest finished with it (archived or rejected). */
  droppedAt: string;
  outcome: DropOutcome;
  /** Where the original now is: `photos-archive/...` or `photos-rejected/...`. */
  location: string;
  userId?: string;
  contentHash?: string;
  rejectionCode?: string;
  rejectionMessage?: string;
}

export interface DropLedgerPort {
  listDrops(options: { since: Date }): Promise<DropRecord[]>;
  /** The newest accepted drop for this person, or undefined. */
  lastDropFor(userId: string): Promise<DropRecord | undefined>;
  /** Puts an archived original back into photos-incoming, naming its owner in metadata, so ingest runs again. */
  dropAgain(drop: DropRecord, owner: { userId: string; userPrincipalName: string }): Promise<string>;
}

export interface PhotoStateReader {
  listForUser(userId: string): Promise<PhotoState[]>;
}
