// The composition root: the one place that turns configuration into SDK clients and adapters, once per process and
// lazily (a function that never runs never needs its settings), and the only place that wires them into the use
// cases. Function entry points ask it for a use case's ports and the DecisionExecutor that carries out what the use
// case decided; tests build the same adapters around Azurite and the Microsoft 365 emulator.

import { getConfig } from './config';
// Registers the pre-invocation hook that runs every blob- and queue-triggered function inside its photo's operation.
import './telemetry/photoOperationHook';
import { PhotoBlobStore } from './storage/PhotoBlobStore';
import { createM365Clients } from './m365/createM365Clients';
import { sharePointBudgetShape } from './m365/budgetLedger';
import { BudgetLedgerStore } from './storage/BudgetLedgerStore';
import { tables } from './storage/names';
import { GraphDirectory } from './m365/GraphDirectory';
import { GraphProtectedAccounts } from './m365/GraphProtectedAccounts';
import { PhotoStateStore } from './storage/PhotoStateStore';
import { DecisionExecutor } from './edge/DecisionExecutor';
import { createPhotoBlobClient, createPhotoQueueClient, createStorageClients } from './storage/storageClients';
import { ParkedUploadQueue } from './storage/ParkedUploadQueue';
import { SubscriptionStore } from './storage/SubscriptionStore';
import { PhotoChangeStateStore } from './storage/PhotoChangeStateStore';
import { ReconcileCheckpointStore } from './storage/ReconcileCheckpointStore';
import { pacingForBudget } from './pipeline/photoChange/reconcilePacing';
import { KnownSubscriptionCache } from './pipeline/subscriptions/KnownSubscriptionCache';
import { KeyedSerializer } from './pipeline/write/KeyedSerializer';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { graphPhotoRenditionPort } from './imaging/graphPhotoRenditionPort';
import { renderRenditions } from './imaging/renderRenditions';
import { renditionFingerprintPort } from './imaging/renditionFingerprintPort';
import { graphPhotoPort, graphReconcilePorts, graphSubscriptionsPort } from './m365/GraphPhotoChangePorts';
import type { IngestOptions, IngestPorts } from './pipeline/ingest/ingestPhoto';
import type { HandlePhotoChangeOptions } from './pipeline/photoChange/handlePhotoChangeMessage';
import type { ReconcileOptions } from './pipeline/photoChange/reconcilePhotos';
import type { EnsureSubscriptionOptions } from './pipeline/subscriptions/ensureUsersSubscription';
import type { ReceiveNotificationsOptions } from './pipeline/subscriptions/receiveGraphNotifications';
import { photoWriterOf, type PhotoWriter } from './pipeline/write/handlePhotoWriteMessage';
import type { WriteTargetName } from './pipeline/write/writeDecisions';
import { writeExchangePhoto } from './pipeline/write/writeExchangePhoto';
import { writeSharePointPhoto } from './pipeline/write/writeSharePointPhoto';
import { exchangeWrites, sharePointWrites } from './pipeline/messages/writeMessages';
import { PhotoDropLedger } from './storage/PhotoDropLedger';
import { GraphPeopleSearch } from './m365/GraphPeopleSearch';
import { statusPhotoReader } from './m365/statusPhotoReader';
import type { PeopleSearchPort } from './pipeline/status/StatusPorts';
import type { PersonStatusOptions } from './pipeline/status/personStatus';
import type { StatusPhotoPort } from './pipeline/status/StatusPhotoPort';
import type { StatusPageConfig } from './config';
import { sharePointPlaceholderPort } from './m365/resetSharePointPhotoToPlaceholder';
import { RemovalAuditStore } from './storage/RemovalAuditStore';
import { StoredPhotoEraser } from './storage/StoredPhotoEraser';
import type { RemovalHandlingOptions } from './pipeline/status/handleRemovalMessage';
import type { RemovalRequestPorts } from './pipeline/status/requestRemoval';
import type { RemovalFilePorts } from './pipeline/status/receiveRemovalFile';
import type { PurgeDepartedPorts } from './pipeline/status/purgeDepartedPeople';
import type { SharePointPlaceholderPort } from './pipeline/write/SharePointPlaceholderPort';

/** A value built on first use and kept for the life of the process. */
function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

const storageClients = once(() => createStorageClients(getConfig().storage));
/** The photos live in their own storage account (PhotoStorage), not the host's. */
const photoBlobs = once(() => createPhotoBlobClient(getConfig().photoStorage));
const photoBlobStore = once(() => new PhotoBlobStore(photoBlobs(), { manifestLimits: getConfig().ingest.manifest }));
/**
 * One MSAL client (one token cache) and one policy chain for Graph and SharePoint. SharePoint budgets the app, not
 * the host, so every instance leases its SharePoint units from one ledger in table storage (SharedUnitBudget).
 */
const m365Clients = once(() => {
  const m365 = getConfig().m365;
  if (m365.sharePointUnitsPerMinute <= 0) return createM365Clients(m365);
  const sharePointLedger = BudgetLedgerStore.create(storageClients().tableCredentialOrConnectionString, 'sharepoint', {
    ...sharePointBudgetShape,
    units: m365.sharePointUnitsPerMinute,
  });
  return createM365Clients(m365, { sharePointLedger, sharePointLedgerErrors: ledgerErrorWarning() });
});

/**
 * A ledger that cannot be reached holds SharePoint calls back (SharedUnitBudget), which would otherwise look like a
 * spent budget: say so, at most once a minute per instance. Status and code only (no URLs, no connection strings).
 */
function ledgerErrorWarning(): (error: unknown) => void {
  let lastAt = 0;
  return (error) => {
    if (Date.now() - lastAt < 60_000) return;
    lastAt = Date.now();
    const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
    console.warn(
      JSON.stringify({
        event: 'sharepoint-budget-ledger-unreachable',
        statusCode,
        code,
        hint: `SharePoint calls wait until table ${tables.m365Budget} answers again.`,
      }),
    );
  };
}
const directory = once(() => new GraphDirectory(m365Clients().graph));
/** Undefined unless PROTECTED_ACCOUNTS_GROUP_ID is set. */
const protectedAccounts = once(() => {
  const groupId = getConfig().protectedAccountsGroupId;
  return groupId ? new GraphProtectedAccounts(m365Clients().graph, groupId) : undefined;
});
const photoStateStore = once(() => PhotoStateStore.create(storageClients().tableCredentialOrConnectionString));
const photoChangeStateStore = once(() => new PhotoChangeStateStore(photoStateStore()));
const reconcileCheckpointStore = once(() => ReconcileCheckpointStore.fromStorageClients(storageClients()));
const subscriptionStore = once(() => SubscriptionStore.fromStorageClients(storageClients()));
const removalAudit = once(() => RemovalAuditStore.create(storageClients().tableCredentialOrConnectionString));
/** Erases renditions and archived originals: in the photos account. */
const storedPhotoEraser = once(() => new StoredPhotoEraser(photoBlobs()));
/** The writers' per-user, per-target ordering within this process. */
const writeSerializer = once(() => new KeyedSerializer());

/**
 * SharePoint back to its placeholder for one person: thumbnails deleted, PictureURL cleared, placeholder state 1.
 * Used by HR's removal, and by anything else that must take a person's SharePoint photo down.
 */
export const sharePointPlaceholderReset = once((): SharePointPlaceholderPort =>
  sharePointPlaceholderPort(m365Clients().sharePoint),
);

/** One per process: carries out what use cases decided (it remembers which queues exist). */
export const getDecisionExecutor = once(() => new DecisionExecutor(storageClients().queues));

/** Our subscription ids, in memory: the notification endpoint must answer in milliseconds. */
export const getKnownSubscriptionCache = once(
  () => new KnownSubscriptionCache({ load: () => subscriptionStore().listIds() }),
);

// Each use case's ports and options, wired from the adapters above and the typed configuration.

export function ingestWiring(): { ports: IngestPorts; options: IngestOptions } {
  const config = getConfig();
  const executor = getDecisionExecutor();
  return {
    ports: {
      store: photoBlobStore(),
      directory: directory(),
      ...protectedAccountsPort(),
      // The archive keeps the photo without its metadata (EXIF, GPS): renderArchiveCopy.
      render: (bytes) => renderRenditions(bytes, { ...config.ingest, archiveCopy: true }),
      send: (sends) => executor.send(sends),
      state: photoStateStore(),
    },
    options: {
      maxBytes: config.ingest.maxBytes,
      targets: config.targets,
      manifestLimits: config.ingest.manifest,
      ...(config.ingest.employeeIdPattern ? { employeeIdPattern: config.ingest.employeeIdPattern } : {}),
    },
  };
}

function protectedAccountsPort(): { protectedAccounts?: GraphProtectedAccounts } {
  const port = protectedAccounts();
  return port ? { protectedAccounts: port } : {};
}

/** The sweep that refuses uploads over INGEST_MAX_BYTES without reading them (rejectOversizedUploads). */
export function oversizedUploadsWiring(): { ports: PhotoBlobStore; maxBytes: number } {
  return { ports: photoBlobStore(), maxBytes: getConfig().ingest.maxBytes };
}

const parkedUploadQueue = once(
  () =>
    new ParkedUploadQueue(createPhotoQueueClient(getConfig().photoStorage), {
      leaseSeconds: getConfig().ingest.parkedRetrySeconds,
    }),
);

/** What the parked-upload retry needs beside ingest itself: the host's reports, the incoming blobs, the limit. */
export function parkedUploadsWiring(): {
  queue: ParkedUploadQueue;
  store: PhotoBlobStore;
  maxBytes: number;
  firstRetrySeconds: number;
} {
  const { maxBytes, parkedRetrySeconds } = getConfig().ingest;
  return { queue: parkedUploadQueue(), store: photoBlobStore(), maxBytes, firstRetrySeconds: parkedRetrySeconds };
}

const writerAdapters = () => ({
  renditions: photoBlobStore(),
  state: photoStateStore(),
  serializer: writeSerializer(),
  ...protectedAccountsPort(),
});
const writers: Record<WriteTargetName, () => PhotoWriter<object>> = {
  exchange: once(() => {
    const deps = { ...writerAdapters(), graph: m365Clients().graph, enabled: getConfig().targets.exchange };
    return photoWriterOf(exchangeWrites, 'exchange', deps, writeExchangePhoto);
  }),
  sharepoint: once(() => {
    const deps = {
      ...writerAdapters(),
      sharePoint: m365Clients().sharePoint,
      directory: directory(),
      enabled: getConfig().targets.sharePoint,
    };
    return photoWriterOf(sharePointWrites, 'sharepoint', deps, writeSharePointPhoto);
  }),
};

/** The writer of one target, bound to its adapters; built once per process. */
export function photoWriter(target: WriteTargetName): PhotoWriter<object> {
  return writers[target]();
}

export function photoChangeWiring(): HandlePhotoChangeOptions {
  const config = getConfig();
  return {
    photos: graphPhotoPort(m365Clients().graph),
    directory: directory(),
    state: photoChangeStateStore(),
    renditions: graphPhotoRenditionPort(photoBlobStore(), { rendering: config.ingest }),
    fingerprints: renditionFingerprintPort(photoBlobStore()),
    photoReadLagMs: config.reconcile.photoReadLagMs,
    // A photo the person removed in Outlook/Teams: SharePoint back to its placeholder, as HR's removal does.
    placeholder: sharePointPlaceholderReset(),
    ...protectedAccountsPort(),
    authority: config.photoAuthority,
    sharePointEnabled: config.targets.sharePoint,
    send: (sends) => getDecisionExecutor().send(sends),
    now: () => new Date(),
  };
}

export function reconcileWiring(): ReconcileOptions {
  const state = photoChangeStateStore();
  const executor = getDecisionExecutor();
  const { reconcile } = getConfig();
  return {
    ...graphReconcilePorts(m365Clients().graph),
    checkpoint: reconcileCheckpointStore(),
    pacing: pacingForBudget(reconcile.graphRequestsPerMinute),
    skip: reconcile.skip,
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
    subscriptions: () => ({ graph: graphSubscriptionsPort(m365Clients().graph), store: subscriptionStore() }),
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
    graph: graphSubscriptionsPort(m365Clients().graph),
    store: subscriptionStore(),
    notificationUrl: url,
    clientState,
    now: () => new Date(),
  };
}

/** Asking for a removal (status page, JSON API, removal request file): audit, mark, queue. */
export function removalRequestWiring(): RemovalRequestPorts {
  return {
    state: photoStateStore(),
    audit: removalAudit(),
    send: (sends) => getDecisionExecutor().send(sends),
    now: () => new Date(),
    newRequestId: randomUUID,
    ...protectedAccountsPort(),
  };
}

/** A removal request file dropped in photos-incoming. */
export function removalFileWiring(): RemovalFilePorts {
  return { ...removalRequestWiring(), store: photoBlobStore(), people: new GraphPeopleSearch(m365Clients().graph) };
}

/** Carrying out a removal (the photo-removals consumer). */
export function removalWiring(): RemovalHandlingOptions {
  const config = getConfig();
  const { graph } = m365Clients();
  return {
    state: photoStateStore(),
    audit: removalAudit(),
    deleteExchangePhoto: (userId) => graph.deletePhoto(userId),
    resetSharePointToPlaceholder: sharePointPlaceholderReset(),
    deleteStoredPhotos: (userId, receivedUpTo) => storedPhotoEraser().deleteStoredPhotos(userId, receivedUpTo),
    // Straight from Graph, not the directory cache: a person deleted minutes ago is gone now.
    inDirectory: async (userId) => (await graph.getUser(userId, { select: ['id'] })) !== undefined,
    targets: config.targets,
    now: () => new Date(),
    delay: (ms) => delay(ms),
  };
}

/** The daily retention pass over people who left the directory. */
export function purgeDepartedWiring(): PurgeDepartedPorts {
  const state = photoStateStore();
  return {
    listPeopleWithStoredPhotos: () => storedPhotoEraser().listPeopleWithStoredPhotos(),
    // Straight from Graph, not the directory cache (whose entries live 10 minutes): once a day, the truth.
    findUserPrincipalName: async (userId) => (await m365Clients().graph.getUser(userId))?.userPrincipalName,
    lastKnownUserPrincipalName: async (userId) =>
      (await state.listForUser(userId)).find((row) => row.userPrincipalName)?.userPrincipalName ?? '',
    audit: removalAudit(),
    send: (sends) => getDecisionExecutor().send(sends),
    now: () => new Date(),
    retentionDays: getConfig().retention.departedPhotoDays,
  };
}

export interface StatusWiring extends PersonStatusOptions {
  drops: PhotoDropLedger;
  people: PeopleSearchPort;
  photos: StatusPhotoPort;
  access: StatusPageConfig;
}

/** The status page's ports; `now` is read per request. */
export function statusWiring(): StatusWiring {
  const config = getConfig();
  const drops = new PhotoDropLedger(photoBlobs());
  const { graph, sharePoint } = m365Clients();
  return {
    state: photoStateStore(),
    drops,
    people: new GraphPeopleSearch(graph),
    photos: statusPhotoReader({
      graph,
      sharePoint,
      mySiteUrl: config.m365.mySiteUrl,
      readDropped: (userId, hash) => drops.readDroppedRendition(userId, hash),
    }),
    removals: removalAudit(),
    ...protectedAccountsPort(),
    targets: config.targets,
    access: config.statusPage,
    now: new Date(),
  };
}
