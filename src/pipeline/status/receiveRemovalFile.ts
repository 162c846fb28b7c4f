// The removal request file, HR's way to remove a photo that fits the drop model (docs/status-page.md#removal):
// drop `{upn | object id | employee id}.remove` into photos-incoming, optionally with the reason as its text and
// blob metadata `requestedby` naming who asked. The person is matched exactly (never by display name: a removal
// must not guess); a match asks for the removal like the page's button does (audit, mark, queue) and the request
// file is deleted (the audit record is its trace); no match or several moves it to photos-rejected with a
// `.error.json` saying why, as for a photo, and removes nobody.

import { protectedAccountMessage } from '../ingest/ProtectedAccountsPort';
import type { IncomingBlob, RejectionRecord } from '../ingest/ingestPhoto';
import { requestRemoval, type RemovalRequestPorts, MAX_REASON_LENGTH } from './requestRemoval';
import type { RemovalRecord } from './RemovalAuditPort';
import type { PeopleSearchPort, StatusPerson } from './StatusPorts';

export const REMOVAL_FILE_SUFFIX = '.remove';

export function isRemovalRequestName(blobName: string): boolean {
  return blobName.toLowerCase().endsWith(REMOVAL_FILE_SUFFIX) && blobName.length > REMOVAL_FILE_SUFFIX.length;
}

export interface RemovalFileStore {
  probeOriginal(name: string, options: { etag?: string }): Promise<IncomingBlob | undefined>;
  deleteOriginal(name: string, options: { etag: string }): Promise<void>;
  rejectOriginal(
    name: string,
    rejection: RejectionRecord,
    options: { etag: string; metadata: Record<string, string> },
  ): Promise<string>;
}

export interface RemovalFilePorts extends RemovalRequestPorts {
  store: RemovalFileStore;
  people: Pick<PeopleSearchPort, 'findUserById' | 'findUserByPrincipalName' | 'findUsersByEmployeeId'>;
}

export type RemovalFileOutcome =
  | { kind: 'removal-requested'; record: RemovalRecord }
  | {
      kind: 'rejected';
      code: 'unknown-user' | 'ambiguous-user' | 'protected-account';
      message: string;
      rejectedTo: string;
    }
  | { kind: 'already-handled' };

const objectId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function receiveRemovalFile(
  request: { blobName: string; bytes: Buffer; etag?: string; correlationId: string },
  ports: RemovalFilePorts,
): Promise<RemovalFileOutcome> {
  const blob = await ports.store.probeOriginal(request.blobName, request.etag ? { etag: request.etag } : {});
  if (!blob) return { kind: 'already-handled' };
  const base = request.blobName.split('/').pop() ?? request.blobName;
  const key = (blob.metadata.userid || blob.metadata.upn || base.slice(0, -REMOVAL_FILE_SUFFIX.length)).trim();
  const found = await findExactly(key, ports.people);
  const isProtected = found.kind === 'one' && (await ports.protectedAccounts?.isProtected(found.person.id)) === true;
  if (found.kind !== 'one' || isProtected) {
    const code = isProtected ? 'protected-account' : found.kind === 'none' ? 'unknown-user' : 'ambiguous-user';
    const message = isProtected
      ? `${protectedAccountMessage} Nothing was removed.`
      : found.kind === 'none'
        ? `Nobody in the directory is "${key}": nothing was removed. Name the file {UPN, object id or employee id}.remove.`
        : `Several people have employee id "${key}": nothing was removed. Use their UPN or object id instead.`;
    const rejection: RejectionRecord = {
      code,
      message,
      details: { removalRequest: request.blobName },
      correlationId: request.correlationId,
      receivedAt: ports.now().toISOString(),
    };
    const rejectedTo = await ports.store.rejectOriginal(request.blobName, rejection, {
      etag: blob.etag,
      metadata: blob.metadata,
    });
    return { kind: 'rejected', code, message, rejectedTo };
  }
  const reason = request.bytes.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, MAX_REASON_LENGTH);
  const record = await requestRemoval(
    found.person,
    {
      requestedBy: blob.metadata.requestedby?.trim() || 'removal request file',
      via: `removal-file:${request.blobName}`,
      reason,
    },
    ports,
  );
  await ports.store.deleteOriginal(request.blobName, { etag: blob.etag });
  return { kind: 'removal-requested', record };
}

type Exact = { kind: 'one'; person: StatusPerson } | { kind: 'none' } | { kind: 'many' };

async function findExactly(key: string, people: RemovalFilePorts['people']): Promise<Exact> {
  if (!key) return { kind: 'none' };
  const person = objectId.test(key)
    ? await people.findUserById(key)
    : key.includes('@')
      ? await people.findUserByPrincipalName(key)
      : undefined;
  if (person) return { kind: 'one', person };
  if (objectId.test(key) || key.includes('@')) return { kind: 'none' };
  const byEmployeeId = await people.findUsersByEmployeeId(key);
  if (byEmployeeId.length > 1) return { kind: 'many' };
  return byEmployeeId[0] ? { kind: 'one', person: byEmployeeId[0] } : { kind: 'none' };
}
