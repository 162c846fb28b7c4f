// Queue trigger on photo-changes: hand the message to handlePhotoChangeMessage and carry out what it decided (put the
// change back to settle or wait out throttling, dead-letter it, or queue a SharePoint write, or with
// PHOTO_AUTHORITY=hr an Exchange write putting the HR photo back), with the one line it logs.
// Other transient Graph failures are thrown by the use case, for the host's retries and `{queue}-poison`.

import { app, type InvocationContext } from '@azure/functions';
import { getDecisionExecutor, photoChangeWiring } from '../compositionRoot';
import { handlePhotoChangeMessage } from '../pipeline/photoChange/handlePhotoChangeMessage';
import { queues, storageConnection } from '../storage/names';

export async function processPhotoChangeHandler(entry: unknown, context: InvocationContext): Promise<void> {
  const decision = await handlePhotoChangeMessage(entry, photoChangeWiring());
  await getDecisionExecutor().carryOut(decision, context);
}

app.storageQueue('processPhotoChange', {
  queueName: queues.photoChanges,
  connection: storageConnection,
  handler: processPhotoChangeHandler,
});
