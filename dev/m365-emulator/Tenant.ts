// The emulated tenant's state: directory users, their Exchange photos, app registrations and the tenant-wide photo
// policy. SharePoint content lives in SharePointStore; subscriptions in SubscriptionStore.

import { createHash, randomUUID } from 'node:crypto';
import type { AppRegistration } from './AppRegistration';

/**
 * Where the user's mailbox lives decides what Exchange answers for photo writes; `provisioning`: a new hire's
 * Exchange Online mailbox that does not exist yet (404 MailboxNotEnabledForRESTAPI until it does).
 */
export type MailboxKind = 'exchangeOnline' | 'none' | 'onPremises' | 'provisioning';

/**
 * What Graph answers a photo write for a person without an Exchange Online mailbox. Undocumented; public reports
 * differ, so each is an option: `nonExistentMailbox` 404 ErrorNonExistentMailbox, `authenticationError` 400
 * AuthenticationError (microsoft-graph-docs #8877), `bareNotFound` 404 with no body (#8236),
 * `notHostedInExchangeOnline` 404 MailboxNotHostedInExchangeOnline (msgraph-sdk-dotnet #688, seen for on-premises
 * mailboxes), `accepted` 200 into the central Microsoft 365 photo store (message center MC653734).
 */
export type MailboxlessPhotoWrite =
  'nonExistentMailbox' | 'authenticationError' | 'bareNotFound' | 'notHostedInExchangeOnline' | 'accepted';

export const mailboxlessPhotoWrites: MailboxlessPhotoWrite[] = [
  'nonExistentMailbox',
  'authenticationError',
  'bareNotFound',
  'notHostedInExchangeOnline',
  'accepted',
];

/**
 * When Graph gives a photo a new `@odata.mediaEtag`. Undocumented: `everyWrite` (the default, the harshest reading:
 * a new tag on every write, even of the same bytes) or `withContent` (a hash of the stored photo, so writing the
 * same picture again gives the same tag). real-tenant.md: "not documented to follow content".
 */
export type MediaEtagRule = 'everyWrite' | 'withContent';

export const mediaEtagRules: MediaEtagRule[] = ['everyWrite', 'withContent'];

/** The photo-store realism switches, each a reading of what Microsoft documents (docs/m365-emulator.md). */
export interface PhotoStoreRealism {
  /** Raise `/users` change notifications for photo changes (default false: Microsoft's Q&A says they do not come). */
  notifyOnPhotoChange: boolean;
  /** After a photo write (by an app or the person), Graph reads return the previous photo for this long. */
  photoReadLagMs: number;
  mediaEtag: MediaEtagRule;
  /** Store what Exchange would: a JPEG re-encoded at most 648×648, so the bytes read back differ from those written. */
  reencodePhotos: boolean;
}

export type UserAddedListener = (user: TenantUser) => void;

export interface TenantUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  employeeId: string | null;
  jobTitle: string | null;
  accountEnabled: boolean;
  mailbox: MailboxKind;
  /** `Guest` for B2B guests (default for a UPN holding `#EXT#`), else `Member`. */
  userType: 'Member' | 'Guest';
  /** Whether the user has any licence (`assignedLicenses` non-empty); room and equipment mailboxes need none. */
  licensed: boolean;
}

export interface StoredPhoto {
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
  /** Quoted, as Graph returns it in `@odata.mediaEtag`. */
  mediaEtag: string;
  updatedAt: Date;
  /** How many times a photo has been set for this user (by the person or by an app): each one is a visible write. */
  version: number;
}

/** One state of a user's photo since `at` (epoch ms); `photo` undefined: none. */
interface PhotoVersion {
  at: number;
  photo: StoredPhoto | undefined;
}

export type PhotoUpdateSource = 'cloud' | 'onPremises';

export type PhotoChangeListener = (user: TenantUser, change: 'updated' | 'deleted') => void;

export class Tenant {
  readonly users = new Map<string, TenantUser>();
  readonly photos = new Map<string, StoredPhoto>();
  readonly apps = new Map<string, AppRegistration>();
  /** Security groups by object id: their direct members (user or group object ids). */
  readonly groups = new Map<string, Set<string>>();
  photoUpdateSource: PhotoUpdateSource = 'cloud';
  notifyOnPhotoChange: boolean;
  photoReadLagMs: number;
  mediaEtag: MediaEtagRule;
  reencodePhotos: boolean;
  mailboxlessPhotoWrite: MailboxlessPhotoWrite;
  /** Each user's photo over time, kept as long as a lagging read may still see it. */
  private readonly photoHistory = new Map<string, PhotoVersion[]>();
  private readonly photoListeners: PhotoChangeListener[] = [];
  private readonly userListeners: UserAddedListener[] = [];

  constructor(
    readonly tenantId: string,
    readonly tenantDomain: string,
    readonly userDomain: string,
    readonly now: () => Date,
    options: PhotoStoreRealism & { mailboxlessPhotoWrite: MailboxlessPhotoWrite },
  ) {
    this.notifyOnPhotoChange = options.notifyOnPhotoChange;
    this.photoReadLagMs = options.photoReadLagMs;
    this.mediaEtag = options.mediaEtag;
    this.reencodePhotos = options.reencodePhotos;
    this.mailboxlessPhotoWrite = options.mailboxlessPhotoWrite;
  }

  onUserAdded(listener: UserAddedListener): void {
    this.userListeners.push(listener);
  }

  addUser(input: Partial<TenantUser> & { displayName: string; userPrincipalName: string }): TenantUser {
    const upn = input.userPrincipalName.toLowerCase();
    if (this.findUser(upn)) throw new Error(`A user with userPrincipalName ${upn} already exists`);
    const user: TenantUser = {
      id: input.id ?? stableUserId(upn),
      displayName: input.displayName,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      userPrincipalName: upn,
      mail: input.mail === undefined ? upn : input.mail,
      employeeId: input.employeeId ?? null,
      jobTitle: input.jobTitle ?? null,
      accountEnabled: input.accountEnabled ?? true,
      mailbox: input.mailbox ?? 'exchangeOnline',
      userType: input.userType ?? (upn.includes('#ext#') ? 'Guest' : 'Member'),
      licensed: input.licensed ?? true,
    };
    this.users.set(user.id, user);
    for (const listener of this.userListeners) listener(user);
    return user;
  }

  /** Graph addresses a user by object id or by userPrincipalName (case-insensitive). */
  findUser(idOrUpn: string): TenantUser | undefined {
    const key = idOrUpn.toLowerCase();
    const byId = this.users.get(key);
    if (byId) return byId;
    for (const user of this.users.values()) if (user.userPrincipalName === key) return user;
    return undefined;
  }

  findAppByClientId(clientId: string): AppRegistration | undefined {
    for (const app of this.apps.values()) if (app.clientId === clientId.toLowerCase()) return app;
    return undefined;
  }

  /**
   * Stores `photo` as given (callers re-encode first: storeExchangePhoto). `lagged: false` for photos that were there
   * before anyone looked (the demo seed): no read-after-write window.
   */
  setPhoto(
    user: TenantUser,
    photo: { bytes: Buffer; width: number; height: number; contentType?: string },
    options: { lagged?: boolean } = {},
  ): StoredPhoto {
    const previous = this.photos.get(user.id);
    const version = (previous?.version ?? 0) + 1;
    const stored: StoredPhoto = {
      bytes: Buffer.from(photo.bytes),
      contentType: photo.contentType ?? 'image/jpeg',
      width: photo.width,
      height: photo.height,
      mediaEtag: this.mediaEtag === 'withContent' ? mediaEtagFor(photo.bytes) : mediaEtagFor(Buffer.from(randomUUID())),
      updatedAt: this.now(),
      version,
    };
    if (options.lagged !== false) this.remember(user, previous, stored);
    this.photos.set(user.id, stored);
    return stored;
  }

  deletePhoto(user: TenantUser): boolean {
    const previous = this.photos.get(user.id);
    if (!previous) return false;
    this.remember(user, previous, undefined);
    return this.photos.delete(user.id);
  }

  /** Makes `memberId` (a user's or a group's object id) a direct member of the group, creating the group. */
  addGroupMember(groupId: string, memberId: string): void {
    const key = groupId.toLowerCase();
    const members = this.groups.get(key) ?? new Set<string>();
    members.add(memberId.toLowerCase());
    this.groups.set(key, members);
  }

  /** Transitive membership, as checkMemberGroups answers it: through nested groups, cycles included. */
  isMemberOf(user: TenantUser, groupId: string, seen = new Set<string>()): boolean {
    const key = groupId.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    const members = this.groups.get(key);
    if (!members) return false;
    if (members.has(user.id.toLowerCase())) return true;
    return [...members].some((member) => this.groups.has(member) && this.isMemberOf(user, member, seen));
  }

  /**
   * What a Graph read of this user's photo returns now: the photo as it was `photoReadLagMs` ago (a replica that far
   * behind), so for that long after a write reads return the photo from before it.
   */
  readPhoto(user: TenantUser): StoredPhoto | undefined {
    const history = this.photoHistory.get(user.id);
    if (!history) return this.photos.get(user.id);
    const seenFrom = this.now().getTime() - this.photoReadLagMs;
    let visible: PhotoVersion | undefined;
    for (const version of history) if (version.at <= seenFrom) visible = version;
    return visible ? visible.photo : this.photos.get(user.id);
  }

  private remember(user: TenantUser, previous: StoredPhoto | undefined, next: StoredPhoto | undefined): void {
    const now = this.now().getTime();
    const history = this.photoHistory.get(user.id) ?? [{ at: -Infinity, photo: previous }];
    history.push({ at: now, photo: next });
    // Versions older than the newest one a lagging read can see are never read again.
    const seenFrom = now - this.photoReadLagMs;
    while (history.length > 1 && (history[1]?.at ?? Infinity) <= seenFrom) history.shift();
    this.photoHistory.set(user.id, history);
  }

  onPhotoChange(listener: PhotoChangeListener): void {
    this.photoListeners.push(listener);
  }

  /** Raised for photo changes a person makes in Outlook/Teams; whether Graph notifies is a tenant switch. */
  emitPhotoChange(user: TenantUser, change: 'updated' | 'deleted'): void {
    if (!this.notifyOnPhotoChange) return;
    for (const listener of this.photoListeners) listener(user, change);
  }
}

/** Object ids stay the same across runs for the same UPN, so a developer's notes and state tables stay valid. */
export function stableUserId(upn: string): string {
  const hex = createHash('sha256').update(`user:${upn.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Exchange's photo ETag is a short quoted hash of the stored photo: the same bytes give the same tag. */
export function mediaEtagFor(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('hex').slice(0, 8).toUpperCase()}"`;
}

export function newRequestId(): string {
  return randomUUID();
}
