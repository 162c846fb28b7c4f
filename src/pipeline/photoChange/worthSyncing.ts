// Which accounts reconcile reads: a person who cannot have a photo worth syncing costs a Graph read every pass and
// yields nothing (or a 404 counted as a failure). Configurable (RECONCILE_SKIP, RECONCILE_SKIP_UPN_PATTERN):
// - guests (userType Guest): their photo lives in their home tenant; SharePoint here shows what their home sends.
// - disabled accounts: nobody signs in to change a photo; Exchange room and equipment mailboxes are disabled accounts
//   by default (https://learn.microsoft.com/exchange/recipients-in-exchange-online/manage-resource-mailboxes).
// - unlicensed accounts: no Exchange Online and no SharePoint, so nowhere to read a photo from or write one to; also
//   most resource mailboxes (they need no licence). Group-based licences count: `assignedLicenses` lists them.
// - a UPN pattern for what none of the above catches, e.g. licensed and enabled Teams Rooms accounts named by
//   convention (`^mtr-`).

export type SkipRule = 'guests' | 'disabled' | 'unlicensed';
export const skipRules: SkipRule[] = ['guests', 'disabled', 'unlicensed'];

export interface DirectoryAccount {
  id: string;
  userPrincipalName: string;
  /** `Member` or `Guest`; absent when Graph did not return it (then not a reason to skip). */
  userType?: string | null;
  accountEnabled?: boolean | null;
  /** How many licences are assigned; undefined when Graph did not return the property. */
  licenceCount?: number;
}

export interface SkipSettings {
  rules: readonly SkipRule[];
  upnPattern?: RegExp;
}

export type SkipReason = SkipRule | 'upn-pattern';

/** Why reconcile leaves this account out, or undefined to read it. Unknown values never skip. */
export function skipReason(account: DirectoryAccount, settings: SkipSettings): SkipReason | undefined {
  if (settings.rules.includes('guests') && account.userType?.toLowerCase() === 'guest') return 'guests';
  if (settings.rules.includes('disabled') && account.accountEnabled === false) return 'disabled';
  if (settings.rules.includes('unlicensed') && account.licenceCount === 0) return 'unlicensed';
  if (settings.upnPattern?.test(account.userPrincipalName)) return 'upn-pattern';
  return undefined;
}
