// The floor the pipeline cannot beat, measured in the same run on the same machine: the writers' Microsoft 365
// calls made directly against the emulator with the same client code (MSAL, retry policy, transport) and the same
// concurrency, without storage, queues or image work in between.

import { performance } from 'node:perf_hooks';
import type { M365Clients } from '../../src/m365/createM365Clients';
import { summariseLatencies, type LatencySummary } from './latencySummary';

export interface BaselinePhoto {
  userId: string;
  userPrincipalName: string;
  exchange: Buffer;
  small: Buffer;
  medium: Buffer;
  large: Buffer;
}

export interface BaselineResult {
  photos: number;
  seconds: number;
  photosPerSecond: number;
  latency: LatencySummary;
}

async function timed(
  photos: BaselinePhoto[],
  concurrency: number,
  work: (photo: BaselinePhoto) => Promise<void>,
): Promise<BaselineResult> {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let photo = photos[next++]; photo; photo = photos[next++]) {
      const at = performance.now();
      await work(photo);
      latencies.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    photos: photos.length,
    seconds,
    photosPerSecond: photos.length / seconds,
    latency: summariseLatencies(latencies),
  };
}

/** `PUT /users/{id}/photo/$value` only. */
export function measureGraphPutBaseline(
  clients: M365Clients,
  photos: BaselinePhoto[],
  options: { concurrency: number },
): Promise<BaselineResult> {
  return timed(photos, options.concurrency, (photo) => clients.graph.putPhoto(photo.userId, photo.exchange));
}

/** Every call both writers make for one photo: Graph PUT + metadata, three thumbnails, four profile properties. */
export function measureWriterCallsBaseline(
  clients: M365Clients,
  photos: BaselinePhoto[],
  options: { concurrency: number },
): Promise<BaselineResult> {
  return timed(photos, options.concurrency, async (photo) => {
    const exchange = (async () => {
      await clients.graph.putPhoto(photo.userId, photo.exchange);
      await clients.graph.getPhotoMetadata(photo.userId);
    })();
    const sharePoint = (async () => {
      const upn = photo.userPrincipalName;
      await clients.sharePoint.uploadThumbnail(upn, 'S', photo.small);
      const pictureUrl = await clients.sharePoint.uploadThumbnail(upn, 'M', photo.medium);
      await clients.sharePoint.uploadThumbnail(upn, 'L', photo.large);
      await clients.sharePoint.setProfileProperty(upn, 'PictureURL', pictureUrl);
      await clients.sharePoint.setProfileProperty(upn, 'SPS-PicturePlaceholderState', '0');
      await clients.sharePoint.setProfileProperty(upn, 'SPS-PictureTimestamp', String(Math.floor(Date.now() / 1000)));
      await clients.sharePoint.setProfileProperty(upn, 'SPS-PictureExchangeSyncState', '0');
    })();
    await Promise.all([exchange, sharePoint]);
  });
}
