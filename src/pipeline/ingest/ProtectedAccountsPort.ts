// Privileged accounts (executives, break-glass admins) whose photo the pipeline never changes: an upload right is a
// right to set anyone's photo, so a tenant can put the people for whom that is too much in one Entra group
// (PROTECTED_ACCOUNTS_GROUP_ID). Ingest rejects their photos with a reason HR reads; the writers refuse them too, so
// neither a photo change, PHOTO_AUTHORITY=hr, a replay nor a forged message writes them.

export interface ProtectedAccountsPort {
  /** True when the user is a member (directly or through nested groups) of the protected-accounts group. */
  isProtected(userId: string): Promise<boolean>;
}

export const protectedAccountMessage =
  'This person is a protected account (a member of the group set in PROTECTED_ACCOUNTS_GROUP_ID): the photo ' +
  'pipeline never changes their photo. Ask an administrator to change it directly if it must change.';
