// Queue trigger on exchange-photo-writes: the Exchange writer behind the handler both writers share
// (./writers/photoWriteHandler: message check, dead-letter, telemetry, one log line).

import { app } from '@azure/functions';
import { getGraphClient, getPhotoBlobStore, getPhotoStateStore, getWriteSerializer } from '../compositionRoot';
import { getConfig } from '../config';
import type { ExchangePhotoWriteMessage } from '../pipeline/messages/messageContracts';
import { writeExchangePhoto } from '../pipeline/write/writeExchangePhoto';
import { checkExchangePhotoWriteMessage } from '../pipeline/messages/writeMessageGuards';
import { queues, storageConnection } from '../storage/names';
import { photoWriteHandler } from './writers/photoWriteHandler';

export const writeExchangePhotoHandler = photoWriteHandler<ExchangePhotoWriteMessage>({
  target: 'exchange',
  queueName: queues.exchangePhotoWrites,
  check: checkExchangePhotoWriteMessage,
  payloadOf: (message) => message.exchangePhotoWrite,
  write: (message, rescheduler) =>
    writeExchangePhoto(message, {
      graph: getGraphClient(),
      renditions: getPhotoBlobStore(),
      state: getPhotoStateStore(),
      rescheduler,
      serializer: getWriteSerializer(),
      enabled: getConfig().targets.exchange,
    }),
});

app.storageQueue('writeExchangePhoto', {
  queueName: queues.exchangePhotoWrites,
  connection: storageConnection,
  handler: writeExchangePhotoHandler,
});
