// The ingest use case: one blob dropped in photos-incoming gets exactly one outcome. A photo is resolved to a user,
// rendered, stored under photos-processed/{userId}/{contentHash}/ and archived, and two write messages come back
// for the entry point to queue; a photo HR must fix is moved to photos-rejected with a reason; a CSV manifest is
// kept where later photos can read it. Anything else (storage or directory unavailable, throttling) is thrown so the
// Functions host retries the blob and, after host.json's blobs.poisonBlobThreshold tries, reports it on
// webjobs-blobtrigger-poison.
//
// Idempotence. Delivery is at-least-once and a run can stop between any two steps, so:
// - Every step is repeatable: renditions are content-addressed and never overwritten, the archive/rejected copies
//   are overwritten with the same bytes, and the original is deleted only at the ETag the trigger delivered.
// - Act, record, then acknowledge: the renditions are stored, then the write messages are queued (through the edge's
//   `send`, not output bindings the host would write after the handler returns), then the original is copied to the
//   archive, and only then deleted from photos-incoming. A run that stops before that delete is retried and queues
//   the messages again; the writers skip a content hash they have already written, so the repeat is never a second
//   visible write.
// - A removal racing the ingest (docs/status-page.md, "Removal"): a removal first marks the person's rows, then
//   deletes our copies. Ingest looks at the mark after everything of its own is stored (renditions and archive copy)
//   and before it acknowledges the original. If the mark covers this photo (received at or before it), ingest
//   deletes what it stored (outcome `removed`); if there is no mark yet, the removal's deletes come after this look,
//   so after the store, and take these copies. Either way nothing of a covered photo is left, and a crash anywhere
//   leaves the original in photos-incoming, so the retry looks again. A photo received after the removal is kept.
// - Deleting the original is the last step of a successful run. A delivery that finds its version gone from
//   photos-incoming is a duplicate of a run that succeeded (its messages are queued), and does nothing.
//
// Time. Finding the owner (a directory call, maybe the manifests) and rendering (CPU) need nothing from each other,
// so they run together; when both fail, the owner's error wins, as it did when they ran one after the other (HR fixes
// the name first). An accepted photo's outcome says how long each stage took (`stagesMs`), for the log line and the
// benchmark's breakdown.

import { performance } from 'node:perf_hooks';
import type { DirectoryPort } from './DirectoryPort';
import type { QueueSend } from '../messages/Decision';
import type { PhotoStatePort } from '../write/PhotoStatePort';
import { coveredByRemoval } from '../write/coveredByRemoval';
import type { PhotoOrigin, PhotoOwner } from '../messages/messageContracts';
import type {
  ArchiveImage,
  RenderedRenditions,
  RenditionImage,
  RenditionRef,
  Renditions,
} from '../messages/renditions';
import { buildWriteMessages, type WriteMessages } from '../messages/writeMessages';
import { checkPhotoSize } from './checkPhotoSize';
import { isManifestName, parsePhotoManifest, type ManifestLimits, type PhotoManifest } from './photoManifest';
import { isPhotoRejectedError, type RejectionCode } from './PhotoRejectedError';
import { protectedAccountMessage, type ProtectedAccountsPort } from './ProtectedAccountsPort';
import { PhotoRejectedError } from './PhotoRejectedError';
import { resolveUser } from './resolveUser';

export interface IncomingBlob {
  etag: string;
  metadata: Record<string, string>;
  contentLength: number;
  lastModified: Date;
}

/** Why a photo was rejected: the body of `photos-rejected/{name}.error.json`, for HR to read. */
export interface RejectionRecord {
  code: string;
  message: string;
  details: Record<string, unknown>;
  correlationId: string;
  receivedAt: string;
}

export interface IngestStorePort {
  /** The incoming blob at this ETag, or undefined when it has been moved or replaced since the trigger fired. */
  probeOriginal(name: string, options: { etag?: string }): Promise<IncomingBlob | undefined>;
  /**
   * Content-addressed: renditions already stored for (user, hash) are kept as they are. With a provenance, the
   * person's older rendition sets are marked superseded (the retention rule deletes them).
   */
  writeRenditions(
    owner: PhotoOwner,
    contentHash: string,
    renditions: Renditions<RenditionImage>,
    provenance?: { receivedAt: Date; origin: PhotoOrigin },
  ): Promise<Renditions<RenditionRef>>;
  /**
   * Copies the original (at its ETag) to the dated archive; it stays in photos-incoming. With `content` (the photo
   * without its EXIF/GPS metadata), the archive keeps those bytes instead of a copy of the upload.
   */
  copyToArchive(
    name: string,
    receivedAt: Date,
    options: {
      etag: string;
      metadata: Record<string, string>;
      extraMetadata?: Record<string, string>;
      content?: ArchiveImage;
    },
  ): Promise<string>;
  /** The acknowledgement: deletes the incoming original at this ETag (gone or replaced already: nothing to do). */
  deleteOriginal(name: string, options: { etag: string }): Promise<void>;
  /**
   * Deletes the archive copy at `archivedTo` and the renditions of (user, hash), except those a drop received after
   * `removedAt` stored or renewed (the same image again, after the removal); already gone is fine.
   */
  deleteStoredCopies(userId: string, contentHash: string, archivedTo: string, removedAt: string): Promise<void>;
  archiveManifest(name: string, options: { etag: string; metadata: Record<string, string> }): Promise<string>;
  rejectOriginal(
    name: string,
    rejection: RejectionRecord,
    options: { etag: string; metadata: Record<string, string> },
  ): Promise<string>;
  /** Manifests received after `receivedAfter` that a photo uploaded at `photoUploadedAt` may be named in. */
  readManifests(options: { receivedAfter: Date; photoUploadedAt: Date }): Promise<PhotoManifest[]>;
}

export interface IngestPorts {
  store: IngestStorePort;
  directory: DirectoryPort;
  /** Present when PROTECTED_ACCOUNTS_GROUP_ID is set: those people's photos are rejected, never rendered. */
  protectedAccounts?: ProtectedAccountsPort;
  render(bytes: Buffer): Promise<RenderedRenditions>;
  /** Queues messages now, before the original is acknowledged (the edge's DecisionExecutor). */
  send(sends: QueueSend[]): Promise<void>;
  /** The person's PhotoSyncState rows, for a removal's mark (`removedAt`). */
  state: Pick<PhotoStatePort, 'listForUser'>;
}

export interface IngestRequest {
  blobName: string;
  bytes: Buffer;
  /** ETag of the version the trigger delivered, when the trigger says. */
  etag?: string;
  correlationId: string;
}

export interface IngestOptions {
  maxBytes: number;
  employeeIdPattern?: RegExp;
  targets: { exchange: boolean; sharePoint: boolean };
  /** How long a manifest names the photos dropped after it; older mappings are not trusted (default 7 days). */
  manifestLifetimeMs?: number;
  /** Bytes and rows a manifest may have (default defaultManifestLimits). */
  manifestLimits?: ManifestLimits;
  /** The clock the stage timings read (default performance.now). */
  now?: () => number;
}

/** Milliseconds per stage of an accepted photo; `resolve` and `render` overlap (they run together). */
export interface IngestStageTimings {
  probe: number;
  resolve: number;
  render: number;
  writeRenditions: number;
  send: number;
  archive: number;
}

export type IngestOutcome =
  | {
      kind: 'accepted';
      owner: PhotoOwner;
      resolvedBy: string;
      contentHash: string;
      archivedTo: string;
      messages: WriteMessages;
      stagesMs?: IngestStageTimings;
    }
  | { kind: 'rejected'; code: RejectionCode; message: string; rejectedTo: string }
  /** Received before a removal of its person that ran while it was ingested: nothing of it kept, nothing written. */
  | { kind: 'removed'; owner: PhotoOwner; contentHash: string; removedAt: string }
  | { kind: 'manifest-stored'; storedTo: string; rows: number }
  | { kind: 'already-handled' };

export const defaultManifestLifetimeMs = 7 * 24 * 60 * 60 * 1000;

/** The sends an accepted photo's messages become. */
function sendsOf(messages: WriteMessages): QueueSend[] {
  return [
    ...(messages.exchange ? [{ queue: 'exchangePhotoWrites' as const, message: messages.exchange }] : []),
    ...(messages.sharePoint ? [{ queue: 'sharePointPhotoWrites' as const, message: messages.sharePoint }] : []),
  ];
}

async function acceptPhoto(
  request: IngestRequest,
  original: IncomingBlob,
  ports: IngestPorts,
  options: IngestOptions,
  probeMs: number,
): Promise<IngestOutcome> {
  checkPhotoSize(Math.max(original.contentLength, request.bytes.length), options.maxBytes);
  const lifetime = options.manifestLifetimeMs ?? defaultManifestLifetimeMs;
  const now = options.now ?? (() => performance.now());
  const began = now();
  const timed = async <T>(work: Promise<T>): Promise<{ value: T; ms: number }> => {
    const value = await work;
    return { value, ms: now() - began };
  };
  const [resolved, renderedResult] = await Promise.allSettled([
    timed(
      resolveUser(
        { blobName: request.blobName, metadata: original.metadata },
        {
          directory: ports.directory,
          loadManifests: () =>
            ports.store.readManifests({
              receivedAfter: new Date(original.lastModified.getTime() - lifetime),
              photoUploadedAt: original.lastModified,
            }),
          ...(options.employeeIdPattern ? { employeeIdPattern: options.employeeIdPattern } : {}),
        },
      ).then(async (resolvedUser) => {
        // Who the photo is for, protected accounts included, decides HR's answer before whether the image renders.
        if (await ports.protectedAccounts?.isProtected(resolvedUser.owner.userId)) {
          throw new PhotoRejectedError('protected-account', protectedAccountMessage, {
            userId: resolvedUser.owner.userId,
          });
        }
        return resolvedUser;
      }),
    ),
    timed(ports.render(request.bytes)),
  ]);
  if (resolved.status === 'rejected') throw resolved.reason;
  if (renderedResult.status === 'rejected') throw renderedResult.reason;
  const { owner, source } = resolved.value.value;
  const rendered = renderedResult.value.value;
  let mark = now();
  const lap = (): number => {
    const at = now();
    const ms = at - mark;
    mark = at;
    return ms;
  };
  const renditions = await ports.store.writeRenditions(owner, rendered.contentHash, rendered, {
    receivedAt: original.lastModified,
    origin: 'hr-upload',
  });
  const writeRenditionsMs = lap();
  const messages = buildWriteMessages(
    {
      owner,
      contentHash: rendered.contentHash,
      correlationId: request.correlationId,
      receivedAt: original.lastModified,
      origin: 'hr-upload',
    },
    renditions,
    { targets: options.targets },
  );
  await ports.send(sendsOf(messages));
  const sendMs = lap();
  const archivedTo = await ports.store.copyToArchive(request.blobName, original.lastModified, {
    etag: original.etag,
    metadata: original.metadata,
    extraMetadata: {
      userid: owner.userId,
      contenthash: rendered.contentHash,
      correlationid: request.correlationId,
      // When it was received, which a removal compares with its own moment (StoredPhotoEraser).
      receivedat: original.lastModified.toISOString(),
    },
    ...(rendered.archiveCopy ? { content: rendered.archiveCopy } : {}),
  });
  // After every copy of ours is stored, before the acknowledgement (see the header): the writers skip the queued
  // messages by the same rule, so a covered photo is neither written nor kept.
  const removedAt = coveredByRemoval(original.lastModified.toISOString(), await ports.state.listForUser(owner.userId));
  if (removedAt) await ports.store.deleteStoredCopies(owner.userId, rendered.contentHash, archivedTo, removedAt);
  await ports.store.deleteOriginal(request.blobName, { etag: original.etag });
  if (removedAt) return { kind: 'removed', owner, contentHash: rendered.contentHash, removedAt };
  const stagesMs: IngestStageTimings = {
    probe: probeMs,
    resolve: resolved.value.ms,
    render: renderedResult.value.ms,
    writeRenditions: writeRenditionsMs,
    send: sendMs,
    archive: lap(),
  };
  return {
    kind: 'accepted',
    owner,
    resolvedBy: source,
    contentHash: rendered.contentHash,
    archivedTo,
    messages,
    stagesMs,
  };
}

async function storeManifest(
  request: IngestRequest,
  original: IncomingBlob,
  ports: IngestPorts,
  limits: ManifestLimits | undefined,
): Promise<IngestOutcome> {
  const rows = parsePhotoManifest(request.bytes, limits).length;
  const storedTo = await ports.store.archiveManifest(request.blobName, {
    etag: original.etag,
    metadata: original.metadata,
  });
  return { kind: 'manifest-stored', storedTo, rows };
}

export async function ingestPhoto(
  request: IngestRequest,
  ports: IngestPorts,
  options: IngestOptions,
): Promise<IngestOutcome> {
  const probeStarted = (options.now ?? (() => performance.now()))();
  const original = await ports.store.probeOriginal(request.blobName, request.etag ? { etag: request.etag } : {});
  if (!original) return { kind: 'already-handled' };
  const probeMs = (options.now ?? (() => performance.now()))() - probeStarted;
  try {
    return isManifestName(request.blobName)
      ? await storeManifest(request, original, ports, options.manifestLimits)
      : await acceptPhoto(request, original, ports, options, probeMs);
  } catch (error) {
    if (!isPhotoRejectedError(error)) throw error;
    const rejectedTo = await ports.store.rejectOriginal(
      request.blobName,
      {
        code: error.code,
        message: error.message,
        details: error.details,
        correlationId: request.correlationId,
        receivedAt: original.lastModified.toISOString(),
      },
      { etag: original.etag, metadata: original.metadata },
    );
    return { kind: 'rejected', code: error.code, message: error.message, rejectedTo };
  }
}
