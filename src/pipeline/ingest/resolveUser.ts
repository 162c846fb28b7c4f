// Who is in this photo? Hints come from, in order: blob metadata (`upn`, `userid`), the file name (a UPN, an Entra
// object id, or an employee id when EMPLOYEE_ID_PATTERN is set), and the newest CSV manifest listing the file.
// The first source that names anyone decides; a name that is not in the directory is a rejection, never a reason to
// fall back to a weaker hint. Every other hint that names a real, different person makes the photo ambiguous:
// putting someone else's face on a profile is the one mistake this pipeline must not make.

import type { DirectoryPort, DirectoryUser } from './DirectoryPort';
import type { PhotoOwner } from '../messages/messageContracts';
import { findManifestMatch, type PhotoManifest } from './photoManifest';
import { PhotoRejectedError } from './PhotoRejectedError';

export interface ResolveUserInput {
  blobName: string;
  /** Blob metadata as stored (keys are case-insensitive in Azure Storage). */
  metadata: Record<string, string | undefined>;
}

export interface ResolveUserOptions {
  directory: DirectoryPort;
  /** The manifests currently in force (parsed; cached by the adapter, since a batch of photos shares one). */
  loadManifests: () => Promise<readonly PhotoManifest[]>;
  employeeIdPattern?: RegExp;
}

export interface ResolvedUser {
  owner: PhotoOwner;
  /** Which hint decided, e.g. `metadata:upn`, `file-name`, `manifest:users.csv`. */
  source: string;
}

type HintKind = 'upn' | 'objectId' | 'employeeId';
interface Hint {
  source: string;
  kind: HintKind;
  value: string;
}
interface Lookup {
  hint: Hint;
  users: DirectoryUser[];
}

const objectIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const upnPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
// Only a known image extension is stripped: `adele.vance@contoso.com` has no extension, `.com` is part of the UPN.
const imageExtension = /\.(jpe?g|jfif|png|webp|gif|tiff?|avif|hei[cf]|bmp)$/i;

/** The part of a blob name that may identify someone: folders and an image extension removed. */
export function fileNameStem(blobName: string): string {
  const base = blobName.slice(blobName.lastIndexOf('/') + 1);
  return base.replace(imageExtension, '');
}

function classify(source: string, value: string, employeeIdPattern: RegExp | undefined): Hint | undefined {
  const text = value.trim();
  if (!text) return undefined;
  if (objectIdPattern.test(text)) return { source, kind: 'objectId', value: text.toLowerCase() };
  if (upnPattern.test(text)) return { source, kind: 'upn', value: text };
  const match = employeeIdPattern?.exec(text);
  if (match) return { source, kind: 'employeeId', value: match[1] ?? match[0] };
  return undefined;
}

function metadataValue(metadata: ResolveUserInput['metadata'], key: string): string | undefined {
  const entry = Object.entries(metadata).find(([k]) => k.toLowerCase() === key);
  return entry?.[1]?.trim() || undefined;
}

function metadataHints(input: ResolveUserInput, pattern: RegExp | undefined): Hint[] {
  const hints: Hint[] = [];
  const upn = metadataValue(input.metadata, 'upn');
  if (upn) hints.push({ source: 'metadata:upn', kind: 'upn', value: upn });
  const userId = metadataValue(input.metadata, 'userid');
  if (userId) {
    const hint = classify('metadata:userid', userId, pattern);
    // A `userid` that is neither an object id nor an employee id still names someone: report it, don't skip it.
    hints.push(hint && hint.kind !== 'upn' ? hint : { source: 'metadata:userid', kind: 'objectId', value: userId });
  }
  return hints;
}

async function lookUp(hint: Hint, directory: DirectoryPort): Promise<Lookup> {
  if (hint.kind === 'employeeId') return { hint, users: await directory.findUsersByEmployeeId(hint.value) };
  // A hint is looked up only in the shape its kind has: `..` or `a/b` as a UPN would otherwise become a Graph path
  // (`/users/..` is `/v1.0/`). Anything else names nobody, which is a rejection HR can read.
  const user =
    hint.kind === 'upn'
      ? upnPattern.test(hint.value) && !hint.value.includes('/')
        ? await directory.findUserByPrincipalName(hint.value)
        : undefined
      : objectIdPattern.test(hint.value)
        ? await directory.findUserById(hint.value)
        : undefined;
  return { hint, users: user ? [user] : [] };
}

function describe(hint: Hint): string {
  const what = { upn: 'user principal name', objectId: 'Entra object id', employeeId: 'employee id' }[hint.kind];
  return `the ${what} "${hint.value}" (from ${hint.source})`;
}

function distinctUsers(lookups: readonly Lookup[]): DirectoryUser[] {
  const byId = new Map<string, DirectoryUser>();
  for (const lookup of lookups) for (const user of lookup.users) byId.set(user.id.toLowerCase(), user);
  return [...byId.values()];
}

function hintDetails(lookups: readonly Lookup[]): Record<string, unknown>[] {
  return lookups.map(({ hint, users }) => ({ ...hint, matches: users.map((u) => u.id) }));
}

async function manifestHints(input: ResolveUserInput, options: ResolveUserOptions): Promise<Hint[]> {
  const match = findManifestMatch(await options.loadManifests(), input.blobName);
  if (!match) return [];
  return match.userPrincipalNames.map((value) => ({ source: `manifest:${match.manifestName}`, kind: 'upn', value }));
}

function decide(primary: Lookup[], others: Lookup[]): ResolvedUser {
  const unknown = primary.find((lookup) => lookup.users.length === 0);
  if (unknown) {
    throw new PhotoRejectedError('unknown-user', `Nobody in the directory has ${describe(unknown.hint)}.`, {
      hints: hintDetails([...primary, ...others]),
    });
  }
  const candidates = distinctUsers(primary);
  const conflicting = distinctUsers(others).filter(
    (u) => !candidates.some((c) => c.id.toLowerCase() === u.id.toLowerCase()),
  );
  const [user] = candidates;
  if (!user || candidates.length > 1 || conflicting.length > 0) {
    const people = [...candidates, ...conflicting].map((u) => u.userPrincipalName).join(', ');
    throw new PhotoRejectedError(
      'ambiguous-user',
      `The photo's hints name more than one person (${people}). Keep one hint, or make them agree.`,
      { hints: hintDetails([...primary, ...others]) },
    );
  }
  return {
    owner: { userId: user.id, userPrincipalName: user.userPrincipalName },
    source: primary[0]?.hint.source ?? '',
  };
}

export async function resolveUser(input: ResolveUserInput, options: ResolveUserOptions): Promise<ResolvedUser> {
  const pattern = options.employeeIdPattern;
  const fromMetadata = metadataHints(input, pattern);
  const fromFileName = classify('file-name', fileNameStem(input.blobName), pattern);
  const fromManifest = await manifestHints(input, options);
  const levels = [fromMetadata, fromFileName ? [fromFileName] : [], fromManifest];
  const primaryIndex = levels.findIndex((hints) => hints.length > 0);
  if (primaryIndex < 0) {
    throw new PhotoRejectedError(
      'no-user-hint',
      `Nothing says whose photo "${input.blobName}" is. Name the file after the person's user principal name ` +
        '(adele.vance@contoso.com.jpg), set the blob metadata "upn", or upload a manifest (UserPrincipalName,FileName) ' +
        'before the photos.',
      { fileName: input.blobName },
    );
  }
  const lookups = await Promise.all(levels.map((hints) => Promise.all(hints.map((h) => lookUp(h, options.directory)))));
  const primary = lookups[primaryIndex] ?? [];
  // A weaker hint that names nobody is stale or not an identifier at all; one that names someone else is a conflict.
  const others = lookups.filter((_, index) => index !== primaryIndex).flat();
  return decide(primary, others);
}
