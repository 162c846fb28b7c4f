// Queue trigger on sharepoint-photo-writes: the SharePoint writer behind the handler both writers share
// (./writers/photoWriteHandler: message check, dead-letter, telemetry, one log line).

import { app } from '@azure/functions';
import { getPhotoBlobStore, getPhotoStateStore, getSharePointClient, getWriteSerializer } from '../compositionRoot';
import { getConfig } from '../config';
import type { SharePointPhotoWriteMessage } from '../pipeline/messages/messageContracts';
import { checkSharePointPhotoWriteMessage } from '../pipeline/messages/writeMessageGuards';
import { writeSharePointPhoto } from '../pipeline/write/writeSharePointPhoto';
import { queues, storageConnection } from '../storage/names';
import { photoWriteHandler } from './writers/photoWriteHandler';

export const writeSharePointPhotoHandler = photoWriteHandler<SharePointPhotoWriteMessage>({
  target: 'sharepoint',
  queueName: queues.sharePointPhotoWrites,
  check: checkSharePointPhotoWriteMessage,
  payloadOf: (message) => message.sharePointPhotoWrite,
  write: (message, rescheduler) =>
    writeSharePointPhoto(message, {
      sharePoint: getSharePointClient(),
      renditions: getPhotoBlobStore(),
      state: getPhotoStateStore(),
      rescheduler,
      serializer: getWriteSerializer(),
      enabled: getConfig().targets.sharePoint,
    }),
});

app.storageQueue('writeSharePointPhoto', {
  queueName: queues.sharePointPhotoWrites,
  connection: storageConnection,
  handler: writeSharePointPhotoHandler,
});
