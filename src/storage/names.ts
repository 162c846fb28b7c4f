// The storage names are part of the product's contract (HR, operators, infra/ and host.json rely on them), so they
// are constants shared by the function registrations, the local runtime's provisioning and the infra test, never
// app settings that could drift apart.

export const containers = {
  /** HR drops photos here; every blob ends up moved to `archive` or `rejected`. */
  incoming: 'photos-incoming',
  /** Renditions, `{userId}/{contentHash}/{exchange|S|M|L}.jpg`. */
  processed: 'photos-processed',
  /** Accepted originals, `{yyyy}/{mm}/{dd}/{name}`. */
  archive: 'photos-archive',
  /** Rejected originals with `{name}.error.json` beside them. */
  rejected: 'photos-rejected',
} as const;

export const queues = {
  exchangePhotoWrites: 'exchange-photo-writes',
  sharePointPhotoWrites: 'sharepoint-photo-writes',
  photoChanges: 'photo-changes',
  /** HR's removals (status page and removal request files), carried out and retried one person at a time. */
  photoRemovals: 'photo-removals',
} as const;

/**
 * Where the Functions host reports a blob its trigger gave up on (host.json `extensions.blobs.poisonBlobThreshold`
 * tries): a queue in the trigger connection's account (PhotoStorage), read by retryParkedUploads.
 */
export const blobTriggerPoisonQueue = 'webjobs-blobtrigger-poison';

/** host.json's `extensions.queues.maxDequeueCount` (a unit test keeps them equal): the host's tries per message. */
export const hostMaxDequeueCount = 5;

/** The Functions host moves a queue message here after `maxDequeueCount` failed tries. */
export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}

export const tables = {
  /** One row per user and target: last content hash written, outcome, Graph photo ETag. */
  photoState: 'PhotoSyncState',
  /** Graph change-notification subscriptions we own. */
  subscriptions: 'GraphSubscriptions',
  /** Where the reconcile pass stands: one row, saved after every page. */
  reconcileCheckpoint: 'ReconcileCheckpoint',
  /** The removal audit: who had whose photo removed, when and why, and how far it got (never the photo). */
  photoRemovals: 'PhotoRemovals',
  /** Microsoft 365 budgets shared by every instance: units leased per time slot (BudgetLedgerStore). */
  m365Budget: 'M365Budget',
} as const;

/** The storage connection of the queue bindings (`AzureWebJobsStorage` or its identity-based `__*` settings). */
export const storageConnection = 'AzureWebJobsStorage';

/**
 * The connection of the photo containers and the ingest trigger (`PhotoStorage` or `PhotoStorage__*`): a storage
 * account of its own, so photo access never includes the host's keys (infra/main.bicep, docs/deploy.md).
 */
export const photoStorageConnection = 'PhotoStorage';
