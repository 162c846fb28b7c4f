// Timer: the safety net for photo changes Graph did not notify (public reports say `/users` subscriptions do not
// reliably fire for photos). Compares every user's Graph photo etag with state and queues the differences on
// photo-changes, page by page, paced under Graph's limits (src/pipeline/photoChange/reconcilePacing.ts).

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getGraphClient, getPhotoChangeStateStore, getStorageClients } from '../compositionRoot';
import { graphReconcilePorts } from '../m365/GraphPhotoChangePorts';
import type { PhotoChangeMessage } from '../pipeline/messages/messageContracts';
import { RECONCILE_SCHEDULE } from '../pipeline/photoChange/reconcilePacing';
import { reconcilePhotos } from '../pipeline/photoChange/reconcilePhotos';
import { queues } from '../storage/names';
import { encodeQueueMessage } from '../storage/queueMessageEncoding';

/** Sends as each page is checked (not through an output binding at the end) so a run cut short loses nothing. */
async function enqueuePhotoChanges(changes: PhotoChangeMessage[]): Promise<void> {
  const queue = getStorageClients().queues.getQueueClient(queues.photoChanges);
  for (let i = 0; i < changes.length; i += 16) {
    await Promise.all(changes.slice(i, i + 16).map((change) => queue.sendMessage(encodeQueueMessage(change))));
  }
}

export async function reconcilePhotosHandler(timer: Timer, context: InvocationContext): Promise<void> {
  const state = getPhotoChangeStateStore();
  const report = await reconcilePhotos({
    ...graphReconcilePorts(getGraphClient()),
    seenMediaEtags: (userIds) => state.seenMediaEtags(userIds),
    now: Date.now,
    delay: (ms) => delay(ms),
    newCorrelationId: randomUUID,
    enqueue: enqueuePhotoChanges,
  });
  const line = JSON.stringify({ event: 'photo-reconcile', ...report, isPastDue: timer.isPastDue });
  if (report.complete) context.info(line);
  else context.warn(line);
}

app.timer('reconcilePhotos', {
  schedule: RECONCILE_SCHEDULE,
  runOnStartup: false,
  handler: reconcilePhotosHandler,
});
