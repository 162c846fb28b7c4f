// HR asks for a person's photo to be removed (the status page's Remove button after its confirmation, the JSON API,
// or a removal request file). Asking does three things at once, before anything is deleted: the rows are marked
// (from this moment no photo received earlier is written: the removal wins over one already queued), the audit
// record is saved as `requested` (who, when, why), and a message is queued for the removal consumer, which deletes
// and retries until it is done. The page shows the record's progress meanwhile.

import type { ProtectedAccountsPort } from '../ingest/ProtectedAccountsPort';
import type { QueueSend } from '../messages/Decision';
import type { PhotoStatePort } from '../write/PhotoStatePort';
import { markRemoved } from './removePerson';
import { photoRemovalMessage } from './removalMessages';
import type { RemovalAuditPort, RemovalRecord } from './RemovalAuditPort';
import type { StatusPerson } from './StatusPorts';

export interface RemovalRequestPorts {
  state: PhotoStatePort;
  audit: RemovalAuditPort;
  /** Queues now (the edge's DecisionExecutor). */
  send(sends: QueueSend[]): Promise<void>;
  now: () => Date;
  newRequestId: () => string;
  /**
   * PROTECTED_ACCOUNTS_GROUP_ID set: removing a photo changes it too, so the entry points (the page, the API, a
   * removal file) refuse these people before asking.
   */
  protectedAccounts?: ProtectedAccountsPort;
}

export interface RemovalAsk {
  requestedBy: string;
  via: string;
  reason: string;
}

/** How long a reason may be: a sentence or two for the audit, not a document. */
export const MAX_REASON_LENGTH = 500;

export async function requestRemoval(
  person: StatusPerson,
  ask: RemovalAsk,
  ports: RemovalRequestPorts,
): Promise<RemovalRecord> {
  const requestedAt = ports.now().toISOString();
  const record: RemovalRecord = {
    userId: person.id,
    requestId: ports.newRequestId(),
    userPrincipalName: person.userPrincipalName,
    requestedBy: ask.requestedBy,
    requestedAt,
    via: ask.via,
    reason: ask.reason.trim().slice(0, MAX_REASON_LENGTH),
    status: 'requested',
    attempts: 0,
    updatedAt: requestedAt,
  };
  // Audit first: a message whose record is missing is refused by the consumer.
  await ports.audit.save(record);
  await markRemoved(ports.state, person.id, requestedAt);
  await ports.send([{ queue: 'photoRemovals', message: photoRemovalMessage(person.id, record.requestId) }]);
  return record;
}
