// The photo containers in memory, with the storage rules the ingest use case relies on: versions identified by
// ETag, conditional delete, copy keeping metadata, content-addressed renditions kept when they exist. Faults can be
// injected before any operation, to stop a run between two steps as a crash would.

import type { IngestStorePort, IncomingBlob, RejectionRecord } from '../../src/pipeline/ingest/ingestPhoto';
import type { PhotoOwner } from '../../src/pipeline/messages/messageContracts';
import type { ArchiveImage } from '../../src/pipeline/messages/renditions';
import { parsePhotoManifest, type PhotoManifest } from '../../src/pipeline/ingest/photoManifest';
import { isPhotoRejectedError } from '../../src/pipeline/ingest/PhotoRejectedError';
import type { RenditionImage, RenditionRef, Renditions } from '../../src/pipeline/messages/renditions';
import { renditionBlobName } from '../../src/pipeline/messages/renditions';
import { archiveBlobName, archivedManifestPrefix } from '../../src/storage/PhotoBlobStore';
import { containers } from '../../src/storage/names';

export interface StoredBlob {
  data: Buffer;
  etag: string;
  metadata: Record<string, string>;
  lastModified: Date;
  contentType?: string;
}

export type StoreOperation =
  'probeOriginal' | 'writeRenditions' | 'copy' | 'delete' | 'deleteStoredCopies' | 'rejectOriginal' | 'readManifests';

export class InjectedStorageFault extends Error {
  readonly code = 'storage-unavailable';
  readonly retryable = true;
  constructor(operation: StoreOperation) {
    super(`Storage failed during ${operation} (injected fault).`);
    this.name = 'InjectedStorageFault';
  }
}

export class InMemoryIngestStore implements IngestStorePort {
  readonly containers = new Map<string, Map<string, StoredBlob>>(Object.values(containers).map((c) => [c, new Map()]));
  readonly #faults: StoreOperation[] = [];
  #version = 0;
  now = new Date('2026-03-14T09:26:53Z');

  container(name: string): Map<string, StoredBlob> {
    const container = this.containers.get(name);
    if (!container) throw new Error(`no container ${name}`);
    return container;
  }

  put(container: string, name: string, data: Buffer, metadata: Record<string, string> = {}): StoredBlob {
    this.#version += 1;
    const blob = {
      data,
      etag: `"0x${this.#version.toString(16)}"`,
      metadata: { ...metadata },
      lastModified: new Date(this.now),
    };
    this.container(container).set(name, blob);
    return blob;
  }

  failNext(operation: StoreOperation): void {
    this.#faults.push(operation);
  }

  #check(operation: StoreOperation): void {
    const index = this.#faults.indexOf(operation);
    if (index >= 0) {
      this.#faults.splice(index, 1);
      throw new InjectedStorageFault(operation);
    }
  }

  probeOriginal(name: string, options: { etag?: string }): Promise<IncomingBlob | undefined> {
    this.#check('probeOriginal');
    const blob = this.container(containers.incoming).get(name);
    if (!blob || (options.etag && blob.etag !== options.etag)) return Promise.resolve(undefined);
    return Promise.resolve({
      etag: blob.etag,
      metadata: { ...blob.metadata },
      contentLength: blob.data.length,
      lastModified: blob.lastModified,
    });
  }

  writeRenditions(
    owner: PhotoOwner,
    contentHash: string,
    renditions: Renditions<RenditionImage>,
  ): Promise<Renditions<RenditionRef>> {
    this.#check('writeRenditions');
    const processed = this.container(containers.processed);
    const refs = Object.fromEntries(
      (['exchange', 'small', 'medium', 'large'] as const).map((key) => {
        const image = renditions[key];
        const blobName = renditionBlobName(owner.userId, contentHash, key);
        if (!processed.has(blobName)) this.put(containers.processed, blobName, image.data);
        return [key, { blobName, width: image.width, height: image.height, bytes: image.data.length }];
      }),
    );
    return Promise.resolve(refs as unknown as Renditions<RenditionRef>);
  }

  #copy(
    name: string,
    etag: string,
    target: string,
    targetName: string,
    metadata: Record<string, string>,
    content?: Buffer,
  ): void {
    this.#check('copy');
    const source = this.container(containers.incoming).get(name);
    if (!source || source.etag !== etag) throw new Error(`412: ${name} is not at ${etag}`);
    this.put(target, targetName, content ?? source.data, metadata);
  }

  #move(name: string, etag: string, target: string, targetName: string, metadata: Record<string, string>): void {
    this.#copy(name, etag, target, targetName, metadata);
    this.#check('delete');
    if (this.container(containers.incoming).get(name)?.etag === etag) this.container(containers.incoming).delete(name);
  }

  copyToArchive(
    name: string,
    receivedAt: Date,
    options: {
      etag: string;
      metadata: Record<string, string>;
      extraMetadata?: Record<string, string>;
      content?: ArchiveImage;
    },
  ): Promise<string> {
    const target = archiveBlobName(name, receivedAt);
    const metadata = { ...options.metadata, ...options.extraMetadata };
    this.#copy(name, options.etag, containers.archive, target, metadata, options.content?.data);
    return Promise.resolve(`${containers.archive}/${target}`);
  }

  deleteOriginal(name: string, options: { etag: string }): Promise<void> {
    this.#check('delete');
    if (this.container(containers.incoming).get(name)?.etag === options.etag) {
      this.container(containers.incoming).delete(name);
    }
    return Promise.resolve();
  }

  deleteStoredCopies(userId: string, contentHash: string, archivedTo: string): Promise<void> {
    this.#check('deleteStoredCopies');
    const processed = this.container(containers.processed);
    for (const name of [...processed.keys()]) if (name.startsWith(`${userId}/${contentHash}/`)) processed.delete(name);
    this.container(containers.archive).delete(archivedTo.slice(`${containers.archive}/`.length));
    return Promise.resolve();
  }

  archiveManifest(name: string, options: { etag: string; metadata: Record<string, string> }): Promise<string> {
    this.#move(name, options.etag, containers.archive, `${archivedManifestPrefix}${name}`, options.metadata);
    return Promise.resolve(`${containers.archive}/${archivedManifestPrefix}${name}`);
  }

  rejectOriginal(
    name: string,
    rejection: RejectionRecord,
    options: { etag: string; metadata: Record<string, string> },
  ): Promise<string> {
    this.#check('rejectOriginal');
    this.put(containers.rejected, `${name}.error.json`, Buffer.from(JSON.stringify(rejection)));
    this.#move(name, options.etag, containers.rejected, name, { ...options.metadata, rejectioncode: rejection.code });
    return Promise.resolve(`${containers.rejected}/${name}`);
  }

  readManifests(options: { receivedAfter: Date; photoUploadedAt: Date }): Promise<PhotoManifest[]> {
    this.#check('readManifests');
    const found: PhotoManifest[] = [];
    const sources = [
      [containers.incoming, ''],
      [containers.archive, archivedManifestPrefix],
    ] as const;
    for (const [container, prefix] of sources) {
      for (const [name, blob] of this.container(container)) {
        if (
          !name.startsWith(prefix) ||
          !name.toLowerCase().endsWith('.csv') ||
          blob.lastModified <= options.receivedAfter
        )
          continue;
        try {
          found.push({
            name: name.slice(prefix.length),
            receivedAt: blob.lastModified,
            rows: parsePhotoManifest(blob.data),
          });
        } catch (error) {
          // Not a readable manifest: the adapter leaves it out the same way.
          if (!isPhotoRejectedError(error)) throw error;
        }
      }
    }
    return Promise.resolve(found);
  }

  errorJson(name: string): Record<string, unknown> {
    const blob = this.container(containers.rejected).get(`${name}.error.json`);
    if (!blob) throw new Error(`no error JSON for ${name}`);
    return JSON.parse(blob.data.toString('utf8')) as Record<string, unknown>;
  }
}
