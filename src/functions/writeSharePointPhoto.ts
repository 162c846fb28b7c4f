// Queue trigger on sharepoint-photo-writes: check the message, run the SharePoint writer, log one line.
// Throttling is rescheduled by the use case (never thrown), permanent outcomes are recorded and completed; only
// transient failures throw, so the host's retries and `{queue}-poison` handle them.

import { app, type InvocationContext } from '@azure/functions';
import { getPhotoBlobStore, getPhotoStateStore, getSharePointClient, getWriteRescheduler } from '../compositionRoot';
import { getConfig } from '../config';
import { checkSharePointPhotoWriteMessage } from '../pipeline/writeMessageGuards';
import { writeSharePointPhoto } from '../pipeline/writeSharePointPhoto';
import type { SharePointPhotoWriteMessage } from '../pipeline/messages';
import { queues, storageConnection } from '../storage/names';
import { recordWriteResult } from '../telemetry/recordPhotoTelemetry';

export async function writeSharePointPhotoHandler(entry: unknown, context: InvocationContext): Promise<void> {
  const startedAt = Date.now();
  const rescheduler = getWriteRescheduler().forQueue<SharePointPhotoWriteMessage>(queues.sharePointPhotoWrites);
  const check = checkSharePointPhotoWriteMessage(entry);
  if (!check.message) {
    const reason = check.ok ? 'unreadable message' : check.reason;
    await rescheduler.deadLetter(entry as SharePointPhotoWriteMessage, { code: 'malformed-message', message: reason });
    context.warn(
      JSON.stringify({
        event: 'photo-write',
        target: 'sharepoint',
        outcome: 'dead-lettered',
        code: 'malformed-message',
        reason,
      }),
    );
    return;
  }
  const write = check.message.sharePointPhotoWrite;
  const result = await writeSharePointPhoto(check.message, {
    sharePoint: getSharePointClient(),
    renditions: getPhotoBlobStore(),
    state: getPhotoStateStore(),
    rescheduler,
    enabled: getConfig().targets.sharePoint,
  });
  recordWriteResult('sharepoint', write, result);
  context.info(
    JSON.stringify({
      event: 'photo-write',
      target: 'sharepoint',
      ...result,
      userId: write.owner.userId,
      contentHash: write.contentHash,
      attempt: write.attempt,
      correlationId: write.correlationId,
      durationMs: Date.now() - startedAt,
    }),
  );
}

app.storageQueue('writeSharePointPhoto', {
  queueName: queues.sharePointPhotoWrites,
  connection: storageConnection,
  handler: writeSharePointPhotoHandler,
});
