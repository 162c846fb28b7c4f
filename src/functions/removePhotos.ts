// Queue trigger on photo-removals: carry out one removal (Graph photo deleted, SharePoint back to its placeholder,
// our copies deleted, the audit record completed) and what handleRemovalMessage decided next (try again later with
// the reason recorded, or park it as failed). What it cannot classify is thrown for the host's retries, with the
// host's try count passed in so the last one is recorded as failed rather than left `requested` in poison.

import { app, type InvocationContext } from '@azure/functions';
import { getDecisionExecutor, removalWiring } from '../compositionRoot';
import { handleRemovalMessage } from '../pipeline/status/handleRemovalMessage';
import { hostMaxDequeueCount, queues, storageConnection } from '../storage/names';

export async function removePhotosHandler(entry: unknown, context: InvocationContext): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount);
  const delivery =
    Number.isInteger(dequeueCount) && dequeueCount > 0
      ? { delivery: { dequeueCount, maxDequeueCount: hostMaxDequeueCount } }
      : {};
  const decision = await handleRemovalMessage(entry, { ...removalWiring(), ...delivery });
  await getDecisionExecutor().carryOut(decision, context);
}

app.storageQueue('removePhotos', {
  queueName: queues.photoRemovals,
  connection: storageConnection,
  handler: removePhotosHandler,
});
