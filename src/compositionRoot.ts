// The composition root: the one place that turns configuration into SDK clients and adapters, once per process and
// lazily (a function that never runs never needs its settings), and the only place that wires them into the use
// cases. Function entry points ask it for a use case's ports and the DecisionExecutor that carries out what the use
// case decided; tests build the same adapters around Azurite and the Microsoft 365 emulator.

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
import { DecisionExecutor } from './edge/DecisionExecutor';
import { createStorageClients, type StorageClients } from './storage/storageClients';
import { SubscriptionStore } from './storage/SubscriptionStore';
import { PhotoChangeStateStore } from './storage/PhotoChangeStateStore';
import { KnownSubscriptionCache } from './pipeline/subscriptions/KnownSubscriptionCache';
import { KeyedSerializer } from './pipeline/write/KeyedSerializer';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { graphPhotoRenditionPort } from './imaging/graphPhotoRenditionPort';
import { renderRenditions } from './imaging/renderRenditions';
import { graphPhotoPort, graphReconcilePorts, graphSubscriptionsPort } from './m365/GraphPhotoChangePorts';
import type { IngestOptions, IngestPorts } from './pipeline/ingest/ingestPhoto';
import type { HandlePhotoChangeOptions } from './pipeline/photoChange/handlePhotoChangeMessage';
import type { ReconcileOptions } from './pipeline/photoChange/reconcilePhotos';
import type { EnsureSubscriptionOptions } from './pipeline/subscriptions/ensureUsersSubscription';
import type { ReceiveNotificationsOptions } from './pipeline/subscriptions/receiveGraphNotifications';
import type { PhotoWriter } from './pipeline/write/handlePhotoWriteMessage';
import type { WriteTargetName } from './pipeline/write/writeDecisions';
import { exchangePhotoWriter } from './pipeline/write/writeExchangePhoto';
import { sharePointPhotoWriter } from './pipeline/write/writeSharePointPhoto';

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

let decisionExecutor: DecisionExecutor | undefined;

/** One per process: queues what use cases decided (it remembers which queues exist). */
export function getDecisionExecutor(): DecisionExecutor {
  decisionExecutor ??= new DecisionExecutor(getStorageClients().queues);
  return decisionExecutor;
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

// Each use case's ports and options, wired from the adapters above and the typed configuration.

export function ingestWiring(): { ports: IngestPorts; options: IngestOptions } {
  const config = getConfig();
  const executor = getDecisionExecutor();
  return {
    ports: {
      store: getPhotoBlobStore(),
      directory: getDirectory(),
      render: (bytes) => renderRenditions(bytes, config.ingest),
      send: (sends) => executor.send(sends),
    },
    options: {
      maxBytes: config.ingest.maxBytes,
      targets: config.targets,
      ...(config.ingest.employeeIdPattern ? { employeeIdPattern: config.ingest.employeeIdPattern } : {}),
    },
  };
}

const writers = new Map<WriteTargetName, PhotoWriter<object>>();

/** The writer of one target, bound to its adapters; built once per process. */
export function photoWriter(target: WriteTargetName): PhotoWriter<object> {
  let writer = writers.get(target);
  if (!writer) {
    const { targets } = getConfig();
    const common = { renditions: getPhotoBlobStore(), state: getPhotoStateStore(), serializer: getWriteSerializer() };
    writer =
      target === 'exchange'
        ? exchangePhotoWriter({ ...common, graph: getGraphClient(), enabled: targets.exchange })
        : sharePointPhotoWriter({ ...common, sharePoint: getSharePointClient(), enabled: targets.sharePoint });
    writers.set(target, writer);
  }
  return writer;
}

export function photoChangeWiring(): HandlePhotoChangeOptions {
  const config = getConfig();
  return {
    photos: graphPhotoPort(getGraphClient()),
    directory: getDirectory(),
    state: getPhotoChangeStateStore(),
    renditions: graphPhotoRenditionPort(getPhotoBlobStore(), { rendering: config.ingest }),
    authority: config.photoAuthority,
    sharePointEnabled: config.targets.sharePoint,
    now: () => new Date(),
  };
}

export function reconcileWiring(): ReconcileOptions {
  const state = getPhotoChangeStateStore();
  const executor = getDecisionExecutor();
  return {
    ...graphReconcilePorts(getGraphClient()),
    seenMediaEtags: (userIds) => state.seenMediaEtags(userIds),
    now: Date.now,
    delay: (ms) => delay(ms),
    newCorrelationId: randomUUID,
    // Sent as each page is checked, not at the end, so a run cut short loses nothing.
    enqueue: (changes) => executor.send(changes.map((message) => ({ queue: 'photoChanges', message }))),
  };
}

export function notificationsWiring(): ReceiveNotificationsOptions {
  return {
    knownSubscriptions: getKnownSubscriptionCache(),
    subscriptions: () => ({ graph: graphSubscriptionsPort(getGraphClient()), store: getSubscriptionStore() }),
    expectedClientState: getConfig().notifications.clientState,
    now: () => new Date(),
    newCorrelationId: randomUUID,
  };
}

/** Undefined until NOTIFICATION_URL and NOTIFICATION_CLIENT_STATE are both set. */
export function subscriptionWiring(): EnsureSubscriptionOptions | undefined {
  const { url, clientState } = getConfig().notifications;
  if (!url || !clientState) return undefined;
  return {
    graph: graphSubscriptionsPort(getGraphClient()),
    store: getSubscriptionStore(),
    notificationUrl: url,
    clientState,
    now: () => new Date(),
  };
}
