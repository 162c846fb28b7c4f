// The JSON Graph returns for a user: the default property set unless `$select` names others (employeeId, for
// example, is only returned when selected). https://learn.microsoft.com/graph/api/user-get

import type { TenantUser } from './Tenant';

const defaultProperties = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/**
 * A `$select`ed name the emulator cannot answer. Graph answers 400 for a property `user` does not have; the emulator
 * also refuses properties Graph has but it does not model (harsher, never a silent null that a client could take for
 * Graph's answer; docs/m365-emulator.md lists this). The modelled ones are the keys of `all` below.
 */
export class UnselectableUserProperty extends Error {
  constructor(readonly property: string) {
    super(`Could not find a property named '${property}' on type 'Microsoft.DirectoryServices.User'.`);
  }
}

export function userJson(user: TenantUser, select: string[] | undefined): Record<string, unknown> {
  const all: Record<string, unknown> = {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
    employeeId: user.employeeId,
    accountEnabled: user.accountEnabled,
    userType: user.userType,
    // One Microsoft 365 E3 licence (its published skuId) or none.
    assignedLicenses: user.licensed ? [{ disabledPlans: [], skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965' }] : [],
    mailNickname: user.userPrincipalName.split('@')[0],
  };
  const keys = select ?? defaultProperties;
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const match = Object.keys(all).find((k) => k.toLowerCase() === key.toLowerCase());
    if (!match) throw new UnselectableUserProperty(key);
    result[match] = all[match];
  }
  return result;
}

export function parseSelect(url: URL): string[] | undefined {
  const raw = url.searchParams.get('$select');
  if (!raw) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
