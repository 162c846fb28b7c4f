// Queue trigger on sharepoint-photo-writes: the SharePoint writer, registered over the handler both writers share.

import { app } from '@azure/functions';
import { queues, storageConnection } from '../storage/names';
import { photoWriteHandler } from './writers/photoWriteHandler';

export const writeSharePointPhotoHandler = photoWriteHandler('sharepoint');

app.storageQueue('writeSharePointPhoto', {
  queueName: queues.sharePointPhotoWrites,
  connection: storageConnection,
  handler: writeSharePointPhotoHandler,
});
