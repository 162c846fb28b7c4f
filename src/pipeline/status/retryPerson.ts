// "Try again" for a person whose photo failed somewhere: HR's last dropped photo goes back into photos-incoming,
// named for its owner, and runs through ingest like any drop. The archive holds the photo without its metadata
// (renderArchiveCopy), usually not byte for byte the upload, so both targets are written again with the same face.

import type { DropLedgerPort } from './StatusPorts';
import { personStatus, type PersonStatusOptions } from './personStatus';
import type { StatusPerson } from './StatusPorts';

export type RetryResult = { kind: 'requeued'; droppedAs: string } | { kind: 'nothing-to-retry'; message: string };

export async function retryPerson(
  person: StatusPerson,
  options: PersonStatusOptions & { drops: DropLedgerPort },
): Promise<RetryResult> {
  const status = await personStatus(person, options);
  if (!status.canRetry || !status.lastDrop) {
    return {
      kind: 'nothing-to-retry',
      message: status.lastDrop
        ? `Nothing failed for ${person.userPrincipalName}: nothing to try again.`
        : `HR has not dropped a photo for ${person.userPrincipalName}: drop one in photos-incoming.`,
    };
  }
  const droppedAs = await options.drops.dropAgain(status.lastDrop, {
    userId: person.id,
    userPrincipalName: person.userPrincipalName,
  });
  return { kind: 'requeued', droppedAs };
}
