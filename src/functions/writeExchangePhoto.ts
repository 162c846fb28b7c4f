// Queue trigger on exchange-photo-writes: the Exchange writer, registered over the handler both writers share.

import { app } from '@azure/functions';
import { queues, storageConnection } from '../storage/names';
import { photoWriteHandler } from './writers/photoWriteHandler';

export const writeExchangePhotoHandler = photoWriteHandler('exchange');

app.storageQueue('writeExchangePhoto', {
  queueName: queues.exchangePhotoWrites,
  connection: storageConnection,
  handler: writeExchangePhotoHandler,
});
