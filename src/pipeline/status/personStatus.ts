// The status page's person view: who they are, the last photo HR dropped for them, and where each target stands.
// The photos themselves are not in here: the page fetches each through the app (statusPhoto), never a storage link.

import type { PhotoStateReader, DropLedgerPort, StatusPerson, DropRecord } from './StatusPorts';
import { describeTarget, type TargetView } from './describeTarget';
import { describeRemoval, type RemovalView } from './describeRemoval';
import type { RemovalAuditPort } from './RemovalAuditPort';
import type { ProtectedAccountsPort } from '../ingest/ProtectedAccountsPort';

export interface PersonStatus {
  person: StatusPerson;
  lastDrop?: DropRecord;
  targets: TargetView[];
  /** A target failed and there is a dropped photo to send again. */
  canRetry: boolean;
  /** The person's latest removal, when there has been one. */
  removal?: RemovalView;
  /** A protected account: the pipeline neither changes nor removes their photo, so the page offers neither. */
  protectedAccount: boolean;
}

export interface PersonStatusOptions {
  state: PhotoStateReader;
  drops: Pick<DropLedgerPort, 'lastDropFor'>;
  removals?: Pick<RemovalAuditPort, 'listForUser'>;
  protectedAccounts?: ProtectedAccountsPort;
  targets: { exchange: boolean; sharePoint: boolean };
  now: Date;
}

export async function personStatus(person: StatusPerson, options: PersonStatusOptions): Promise<PersonStatus> {
  const [rows, lastDrop, removals, protectedAccount] = await Promise.all([
    options.state.listForUser(person.id),
    options.drops.lastDropFor(person.id),
    options.removals?.listForUser(person.id) ?? Promise.resolve([]),
    options.protectedAccounts?.isProtected(person.id) ?? Promise.resolve(false),
  ]);
  const latestRemoval = removals[0];
  const row = (target: string) => rows.find((r) => r.target === target);
  const targets = [
    describeTarget('exchange', row('exchange'), lastDrop, { enabled: options.targets.exchange, now: options.now }),
    describeTarget('sharepoint', row('sharepoint'), lastDrop, {
      enabled: options.targets.sharePoint,
      now: options.now,
    }),
  ];
  return {
    person,
    ...(lastDrop ? { lastDrop } : {}),
    targets,
    // A protected account fails the same way every time: trying again would only fail again.
    canRetry: lastDrop !== undefined && targets.some((t) => t.state === 'failed' && t.code !== 'protected-account'),
    ...(latestRemoval ? { removal: describeRemoval(latestRemoval) } : {}),
    protectedAccount,
  };
}
