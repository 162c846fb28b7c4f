// The composition root: the one place that turns configuration into SDK clients and adapters, once per process and
// lazily (a function that never runs never needs its settings). Function entry points ask it for what they need;
// tests build the same adapters around Azurite and the Microsoft 365 emulator.

import { getConfig } from './config';
// Registers the pre-invocation hook that runs every blob- and queue-triggered function inside its photo's operation.
import './telemetry/photoOperationHook';
import { PhotoBlobStore } from './storage/PhotoBlobStore';
import { createM365Clients, type M365Clients } from './m365/createM365Clients';
import type { M365Auth } from './m365/M365Auth';
import type { GraphClient } from './m365/GraphClient';
import type { SharePointClient } from './m365/SharePointClient';
import { GraphDirectory } from './m365/GraphDirectory';
import { PhotoStateStore } from './storage/PhotoStateStore';
import { WriteRescheduler } from './storage/WriteRescheduler';
import { createStorageClients, type StorageClients } from './storage/storageClients';
import { SubscriptionStore } from './storage/SubscriptionStore';
import { PhotoChangeStateStore } from './storage/PhotoChangeStateStore';
import { KnownSubscriptionCache } from './pipeline/subscriptions/KnownSubscriptionCache';
import { KeyedSerializer } from './pipeline/write/KeyedSerializer';

let storageClients: StorageClients | undefined;

export function getStorageClients(): StorageClients {
  storageClients ??= createStorageClients(getConfig().storage);
  return storageClients;
}

let photoBlobStore: PhotoBlobStore | undefined;

export function getPhotoBlobStore(): PhotoBlobStore {
  photoBlobStore ??= new PhotoBlobStore(getStorageClients().blobs);
  return photoBlobStore;
}

let m365Clients: M365Clients | undefined;

function getM365Clients(): M365Clients {
  m365Clients ??= createM365Clients(getConfig().m365);
  return m365Clients;
}

export function getM365Auth(): M365Auth {
  return getM365Clients().auth;
}

export function getGraphClient(): GraphClient {
  return getM365Clients().graph;
}

export function getSharePointClient(): SharePointClient {
  return getM365Clients().sharePoint;
}

let directory: GraphDirectory | undefined;

export function getDirectory(): GraphDirectory {
  directory ??= new GraphDirectory(getGraphClient());
  return directory;
}

let photoStateStore: PhotoStateStore | undefined;

export function getPhotoStateStore(): PhotoStateStore {
  photoStateStore ??= PhotoStateStore.create(getStorageClients().tableCredentialOrConnectionString);
  return photoStateStore;
}

let writeRescheduler: WriteRescheduler | undefined;

export function getWriteRescheduler(): WriteRescheduler {
  writeRescheduler ??= new WriteRescheduler(getStorageClients().queues);
  return writeRescheduler;
}

let writeSerializer: KeyedSerializer | undefined;

/** One per process: the writers' per-user, per-target ordering. */
export function getWriteSerializer(): KeyedSerializer {
  writeSerializer ??= new KeyedSerializer();
  return writeSerializer;
}

let subscriptionStore: SubscriptionStore | undefined;

export function getSubscriptionStore(): SubscriptionStore {
  subscriptionStore ??= SubscriptionStore.fromStorageClients(getStorageClients());
  return subscriptionStore;
}

let knownSubscriptions: KnownSubscriptionCache | undefined;

/** Our subscription ids, in memory: the notification endpoint must answer in milliseconds. */
export function getKnownSubscriptionCache(): KnownSubscriptionCache {
  knownSubscriptions ??= new KnownSubscriptionCache({ load: () => getSubscriptionStore().listIds() });
  return knownSubscriptions;
}

let photoChangeState: PhotoChangeStateStore | undefined;

export function getPhotoChangeStateStore(): PhotoChangeStateStore {
  photoChangeState ??= new PhotoChangeStateStore(getPhotoStateStore());
  return photoChangeState;
}
