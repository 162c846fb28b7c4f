// Queue trigger on exchange-photo-writes: check the message, run the Exchange writer, log one line.
// Throttling is rescheduled by the use case (never thrown), permanent outcomes are recorded and completed; only
// transient failures throw, so the host's retries and `{queue}-poison` handle them.

import { app, type InvocationContext } from '@azure/functions';
import { getGraphClient, getPhotoBlobStore, getPhotoStateStore, getWriteRescheduler } from '../compositionRoot';
import { getConfig } from '../config';
import { checkExchangePhotoWriteMessage } from '../pipeline/writeMessageGuards';
import { writeExchangePhoto } from '../pipeline/writeExchangePhoto';
import type { ExchangePhotoWriteMessage } from '../pipeline/messages';
import { queues, storageConnection } from '../storage/names';
import { recordWriteResult } from '../telemetry/recordPhotoTelemetry';

export async function writeExchangePhotoHandler(entry: unknown, context: InvocationContext): Promise<void> {
  const startedAt = Date.now();
  const rescheduler = getWriteRescheduler().forQueue<ExchangePhotoWriteMessage>(queues.exchangePhotoWrites);
  const check = checkExchangePhotoWriteMessage(entry);
  if (!check.message) {
    const reason = check.ok ? 'unreadable message' : check.reason;
    await rescheduler.deadLetter(entry as ExchangePhotoWriteMessage, { code: 'malformed-message', message: reason });
    context.warn(
      JSON.stringify({
        event: 'photo-write',
        target: 'exchange',
        outcome: 'dead-lettered',
        code: 'malformed-message',
        reason,
      }),
    );
    return;
  }
  const write = check.message.exchangePhotoWrite;
  const result = await writeExchangePhoto(check.message, {
    graph: getGraphClient(),
    renditions: getPhotoBlobStore(),
    state: getPhotoStateStore(),
    rescheduler,
    enabled: getConfig().targets.exchange,
  });
  recordWriteResult('exchange', write, result);
  context.info(
    JSON.stringify({
      event: 'photo-write',
      target: 'exchange',
      ...result,
      userId: write.owner.userId,
      contentHash: write.contentHash,
      attempt: write.attempt,
      correlationId: write.correlationId,
      durationMs: Date.now() - startedAt,
    }),
  );
}

app.storageQueue('writeExchangePhoto', {
  queueName: queues.exchangePhotoWrites,
  connection: storageConnection,
  handler: writeExchangePhotoHandler,
});
