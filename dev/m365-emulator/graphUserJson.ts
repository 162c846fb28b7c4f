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

/** The user properties the emulator models: a `$select` of any other is refused (see unselectableProperty). */
const modelledProperties = [...defaultProperties, 'employeeId', 'accountEnabled', 'mailNickname'];

/**
 * The first `$select`ed name the emulator cannot answer, if any. Graph answers 400 for a property `user` does not
 * have; the emulator also refuses properties Graph has but it does not model (harsher, never a silent null that a
 * client could mistake for Graph's answer; docs/m365-emulator.md lists this).
 */
export function unselectableProperty(select: string[] | undefined): string | undefined {
  return select?.find((name) => !modelledProperties.some((p) => p.toLowerCase() === name.toLowerCase()));
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
    mailNickname: user.userPrincipalName.split('@')[0],
  };
  const keys = select ?? defaultProperties;
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const match = Object.keys(all).find((k) => k.toLowerCase() === key.toLowerCase());
    result[match ?? key] = match ? all[match] : null;
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
