// Queue trigger on photo-removals: carry out one removal (Graph photo deleted, SharePoint back to its placeholder,
// our copies deleted, the audit record completed) and what handleRemovalMessage decided next (try again later with
// the reason recorded, or park it as failed). Storage failures are thrown for the host's retries.

import { app, type InvocationContext } from '@azure/functions';
import { getDecisionExecutor, removalWiring } from '../compositionRoot';
import { handleRemovalMessage } from '../pipeline/status/handleRemovalMessage';
import { queues, storageConnection } from '../storage/names';

export async function removePhotosHandler(entry: unknown, context: InvocationContext): Promise<void> {
  const decision = await handleRemovalMessage(entry, removalWiring());
  await getDecisionExecutor().carryOut(decision, context);
}

app.storageQueue('removePhotos', {
  queueName: queues.photoRemovals,
  connection: storageConnection,
  handler: removePhotosHandler,
});
