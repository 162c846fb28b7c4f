// The ingest use case: one blob dropped in photos-incoming gets exactly one outcome. A photo is resolved to a user,
// rendered, stored under photos-processed/{userId}/{contentHash}/ and archived, and two write messages come back
// for the entry point to queue; a photo HR must fix is moved to photos-rejected with a reason; a CSV manifest is
// kept where later photos can read it. Anything else (storage or directory unavailable, throttling) is thrown so the
// Functions host retries the blob and, after maxDequeueCount tries, reports it on webjobs-blobtrigger-poison.
//
// Idempotence. Delivery is at-least-once and a run can stop between any two steps, so:
// - Every step is repeatable: renditions are content-addressed and never overwritten, the archive/rejected copies
//   are overwritten with the same bytes, and the original is deleted only at the ETag the trigger delivered.
// - The messages are queued by the host's output bindings, which it writes only after the handler returns
//   successfully. A run that fails anywhere has therefore queued nothing, and its retry queues the messages once.
// - Deleting the original is the last step of a successful run. A delivery that finds its version gone from
//   photos-incoming is a duplicate of a run that succeeded, and does nothing: no second pair of messages.
// - What remains: the host failing to write the messages after a successful run. The archived copy keeps the
//   resolved user and content hash in its metadata; copying it back to photos-incoming replays it, and the writers
//   skip a content hash they have already written, so a replay never causes a second visible write.

import type { DirectoryPort } from './DirectoryPort';
import { buildWriteMessages, type RenditionRefs, type WriteMessages } from '../messages/buildWriteMessages';
import type { PhotoOwner } from '../messages/messageContracts';
import { isManifestName, parsePhotoManifest, type PhotoManifest } from './photoManifest';
import { isPhotoRejectedError, PhotoRejectedError, type RejectionCode } from './PhotoRejectedError';
import { resolveUser } from './resolveUser';

export interface RenditionImage {
  data: Buffer;
  width: number;
  height: number;
}

/** What renderRenditions produces, as far as ingest needs it. */
export interface RenderedPhoto {
  contentHash: string;
  exchange: RenditionImage;
  small: RenditionImage;
  medium: RenditionImage;
  large: RenditionImage;
}

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
  /** Content-addressed: renditions already stored for (user, hash) are kept as they are. */
  writeRenditions(owner: PhotoOwner, contentHash: string, renditions: RenderedPhoto): Promise<RenditionRefs>;
  archiveOriginal(
    name: string,
    receivedAt: Date,
    options: { etag: string; metadata: Record<string, string>; extraMetadata?: Record<string, string> },
  ): Promise<string>;
  archiveManifest(name: string, options: { etag: string; metadata: Record<string, string> }): Promise<string>;
  rejectOriginal(
    name: string,
    rejection: RejectionRecord,
    options: { etag: string; metadata: Record<string, string> },
  ): Promise<string>;
  readManifests(options: { receivedAfter: Date }): Promise<PhotoManifest[]>;
}

export interface IngestPorts {
  store: IngestStorePort;
  directory: DirectoryPort;
  render(bytes: Buffer): Promise<RenderedPhoto>;
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
}

export type IngestOutcome =
  | {
      kind: 'accepted';
      owner: PhotoOwner;
      resolvedBy: string;
      contentHash: string;
      archivedTo: string;
      messages: WriteMessages;
    }
  | { kind: 'rejected'; code: RejectionCode; message: string; rejectedTo: string }
  | { kind: 'manifest-stored'; storedTo: string; rows: number }
  | { kind: 'already-handled' };

export const defaultManifestLifetimeMs = 7 * 24 * 60 * 60 * 1000;

function sizeGate(original: IncomingBlob, bytes: Buffer, maxBytes: number): void {
  // Checked before anything decodes the image: the trigger already holds the bytes, a decoder must not see them.
  const size = Math.max(original.contentLength, bytes.length);
  if (size === 0) throw new PhotoRejectedError('empty-file', 'The file is empty (0 bytes).', { bytes: 0 });
  if (size > maxBytes) {
    throw new PhotoRejectedError(
      'too-many-bytes',
      `The file is ${size} bytes; photos may be at most ${maxBytes} bytes. Export it at a smaller size.`,
      { bytes: size, maxBytes },
    );
  }
}

async function acceptPhoto(
  request: IngestRequest,
  original: IncomingBlob,
  ports: IngestPorts,
  options: IngestOptions,
): Promise<IngestOutcome> {
  sizeGate(original, request.bytes, options.maxBytes);
  const lifetime = options.manifestLifetimeMs ?? defaultManifestLifetimeMs;
  const { owner, source } = await resolveUser(
    { blobName: request.blobName, metadata: original.metadata },
    {
      directory: ports.directory,
      loadManifests: () =>
        ports.store.readManifests({ receivedAfter: new Date(original.lastModified.getTime() - lifetime) }),
      ...(options.employeeIdPattern ? { employeeIdPattern: options.employeeIdPattern } : {}),
    },
  );
  const rendered = await ports.render(request.bytes);
  const renditions = await ports.store.writeRenditions(owner, rendered.contentHash, rendered);
  const messages = buildWriteMessages(
    {
      owner,
      contentHash: rendered.contentHash,
      renditions,
      correlationId: request.correlationId,
      receivedAt: original.lastModified,
      origin: 'hr-upload',
    },
    { targets: options.targets },
  );
  const archivedTo = await ports.store.archiveOriginal(request.blobName, original.lastModified, {
    etag: original.etag,
    metadata: original.metadata,
    extraMetadata: { userid: owner.userId, contenthash: rendered.contentHash, correlationid: request.correlationId },
  });
  return { kind: 'accepted', owner, resolvedBy: source, contentHash: rendered.contentHash, archivedTo, messages };
}

async function storeManifest(
  request: IngestRequest,
  original: IncomingBlob,
  ports: IngestPorts,
): Promise<IngestOutcome> {
  const rows = parsePhotoManifest(request.bytes).length;
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
  const original = await ports.store.probeOriginal(request.blobName, request.etag ? { etag: request.etag } : {});
  if (!original) return { kind: 'already-handled' };
  try {
    return isManifestName(request.blobName)
      ? await storeManifest(request, original, ports)
      : await acceptPhoto(request, original, ports, options);
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
