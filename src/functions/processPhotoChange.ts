// Queue trigger on photo-changes: hand the message to handlePhotoChangeMessage, carry out what it decided (put the
// change back to settle or wait out throttling, dead-letter it, or queue a SharePoint write, or with
// PHOTO_AUTHORITY=hr an Exchange write putting the HR photo back), log the one line it wrote.
// Other transient Graph failures are thrown by the use case, for the host's retries and `{queue}-poison`.

import { app, output, type InvocationContext } from '@azure/functions';
import {
  getDirectory,
  getGraphClient,
  getPhotoBlobStore,
  getPhotoChangeStateStore,
  getWriteRescheduler,
} from '../compositionRoot';
import { getConfig } from '../config';
import { graphPhotoPort } from '../m365/GraphPhotoChangePorts';
import { graphPhotoRenditionPort } from '../imaging/graphPhotoRenditionPort';
import { handlePhotoChangeMessage } from '../pipeline/photoChange/handlePhotoChangeMessage';
import { queues, storageConnection } from '../storage/names';

const sharePointWritesOutput = output.storageQueue({
  queueName: queues.sharePointPhotoWrites,
  connection: storageConnection,
});
const exchangeWritesOutput = output.storageQueue({
  queueName: queues.exchangePhotoWrites,
  connection: storageConnection,
});

export async function processPhotoChangeHandler(entry: unknown, context: InvocationContext): Promise<void> {
  const config = getConfig();
  const decision = await handlePhotoChangeMessage(entry, {
    photos: graphPhotoPort(getGraphClient()),
    directory: getDirectory(),
    state: getPhotoChangeStateStore(),
    renditions: graphPhotoRenditionPort(getPhotoBlobStore(), { rendering: config.ingest }),
    authority: config.photoAuthority,
    sharePointEnabled: config.targets.sharePoint,
    now: () => new Date(),
  });
  const queue = getWriteRescheduler();
  if (decision.kind === 'settle' || decision.kind === 'reschedule') {
    await queue.reschedule(queues.photoChanges, decision.message, { delayMs: decision.delayMs });
  }
  if (decision.kind === 'dead-letter') await queue.deadLetter(queues.photoChanges, decision.message, decision.cause);
  if (decision.kind === 'outcome') {
    const { sharePointWrites, exchangeWrites } = decision.outputs;
    if (sharePointWrites.length > 0) context.extraOutputs.set(sharePointWritesOutput, sharePointWrites);
    if (exchangeWrites.length > 0) context.extraOutputs.set(exchangeWritesOutput, exchangeWrites);
  }
  context[decision.log.level](JSON.stringify(decision.log.fields));
}

app.storageQueue('processPhotoChange', {
  queueName: queues.photoChanges,
  connection: storageConnection,
  extraOutputs: [sharePointWritesOutput, exchangeWritesOutput],
  handler: processPhotoChangeHandler,
});
