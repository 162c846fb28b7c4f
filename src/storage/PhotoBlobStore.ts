// Blob adapter for the photo containers: renditions in `photos-processed/{userId}/{contentHash}/`, originals moved
// to `photos-archive/{yyyy}/{mm}/{dd}/{name}` or `photos-rejected/{name}` (+ `{name}.error.json`), and the CSV
// manifests HR drops beside the photos. Every move is copy-then-delete, both conditional on the ETag of the version
// the trigger delivered, so a newer upload under the same name is never deleted by the run for an older one.

import { RestError, type BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { RejectionRecord } from '../pipeline/ingest/ingestPhoto';
import type { PhotoOrigin, PhotoOwner } from '../pipeline/messages/messageContracts';
import { decideSupersededRenditions, type RenditionSetFacts } from '../pipeline/messages/supersededRenditions';
import {
  type ArchiveImage,
  renditionBlobName,
  renditionFiles,
  type RenditionImage,
  type RenditionRef,
  type RenditionRole,
  type Renditions,
} from '../pipeline/messages/renditions';
import {
  defaultManifestLimits,
  parsePhotoManifest,
  type ManifestLimits,
  type PhotoManifest,
} from '../pipeline/ingest/photoManifest';
import { isPhotoRejectedError } from '../pipeline/ingest/PhotoRejectedError';
import { RenditionRefusedError } from '../pipeline/write/RenditionRefusedError';
import { fitBlobName } from './fitBlobName';
import { containers } from './names';

/** The incoming blob as it is now. */
export interface OriginalBlob {
  etag: string;
  metadata: Record<string, string>;
  contentLength: number;
  contentType: string | undefined;
  lastModified: Date;
}

export const archivedManifestPrefix = 'manifests/';

/** Where a rendition set came from: recorded as blob index tags so older sets can be told apart and expire. */
export interface RenditionProvenance {
  receivedAt: Date;
  origin: PhotoOrigin;
}

const origins: readonly PhotoOrigin[] = ['hr-upload', 'user-change', 'reconcile'];

/** Blob index tags of a rendition (the lifecycle rule deletes `superseded=true` ones; docs/deploy.md, Retention). */
function renditionTags(facts: Omit<RenditionSetFacts, 'contentHash'>): Record<string, string> {
  return { superseded: String(facts.superseded), receivedat: facts.receivedAt, origin: facts.origin };
}

/** The only names readRendition reads: what renditionBlobName makes, and nothing a path could walk out of. */
const renditionNamePattern =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[0-9a-f]{64}\/(?:exchange|S|M|L)\.jpg$/i;
/** Graph takes a photo of at most 4 MB; our renditions are a few hundred KB. */
export const maxRenditionBytes = 4 * 1024 * 1024;

function manifestCacheKey(container: ContainerClient, blobName: string, etag: string): string {
  return `${container.containerName}/${blobName}|${etag}`;
}

function isJpeg(bytes: Buffer): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  return error instanceof RestError && statuses.includes(error.statusCode ?? 0);
}

export function archiveBlobName(name: string, receivedAt: Date): string {
  const yyyy = String(receivedAt.getUTCFullYear());
  const mm = String(receivedAt.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(receivedAt.getUTCDate()).padStart(2, '0');
  return fitBlobName(`${yyyy}/${mm}/${dd}/`, name);
}

/**
 * How far the storage service's clock (a blob's Last-Modified) and this instance's may disagree: a listing serves
 * photos uploaded at least this long before it began by this instance's clock.
 */
const manifestListingClockSkewMs = 5_000;

interface ManifestListing {
  /** When the listing began, by this instance's clock (ms since the epoch). */
  startedAt: number;
  /** The oldest manifests it holds were received after this (ms since the epoch). */
  coversFrom: number;
  manifests: Promise<PhotoManifest[]>;
}

export class PhotoBlobStore {
  /** Parsed manifests by blob version; only versions seen in the latest listing are kept (see readManifests). */
  readonly #manifestCache = new Map<string, PhotoManifest | null>();
  /** The latest listing of the manifests, reused for photos uploaded before it began (see readManifests). */
  #manifestListing: ManifestListing | undefined;
  readonly #manifestLimits: ManifestLimits;

  constructor(
    private readonly blobs: BlobServiceClient,
    options: { manifestLimits?: ManifestLimits } = {},
  ) {
    this.#manifestLimits = options.manifestLimits ?? defaultManifestLimits;
  }

  #container(name: string): ContainerClient {
    return this.blobs.getContainerClient(name);
  }

  /**
   * Stores a photo's renditions (content-addressed: an existing set is kept as it is). With its provenance, the set is
   * tagged with when and how it was received, and the person's other sets are re-judged: those a newer photo
   * superseded are tagged `superseded=true` for the lifecycle rule to delete, and a set dropped again is untagged.
   */
  async writeRenditions(
    owner: PhotoOwner,
    contentHash: string,
    renditions: Renditions<RenditionImage>,
    provenance?: RenditionProvenance,
  ): Promise<Renditions<RenditionRef>> {
    const processed = this.#container(containers.processed);
    const tags = provenance
      ? renditionTags({ receivedAt: provenance.receivedAt.toISOString(), origin: provenance.origin, superseded: false })
      : undefined;
    const entries = await Promise.all(
      (Object.keys(renditionFiles) as RenditionRole[]).map(async (key) => {
        const image = renditions[key];
        const blobName = renditionBlobName(owner.userId, contentHash, key);
        const blob = processed.getBlockBlobClient(blobName);
        try {
          // Content-addressed, so an existing blob already holds these bytes: never rewrite what a writer may be
          // reading at this moment. (A single-shot upload is atomic: a blob that exists is complete.)
          await blob.uploadData(image.data, {
            blobHTTPHeaders: { blobContentType: 'image/jpeg' },
            conditions: { ifNoneMatch: '*' },
            ...(tags ? { tags } : {}),
          });
        } catch (error) {
          if (!isStatus(error, 409)) throw error;
          // The same photo again: it is now as recent as this drop. (Tags change neither content nor ETag.)
          if (tags) await this.#refreshTags(blob, tags);
        }
        return [key, { blobName, width: image.width, height: image.height, bytes: image.data.length }] as const;
      }),
    );
    if (provenance) await this.#judgeSupersededSets(owner.userId);
    return Object.fromEntries(entries) as Record<RenditionRole, RenditionRef>;
  }

  async #refreshTags(
    blob: ReturnType<ContainerClient['getBlockBlobClient']>,
    tags: Record<string, string>,
  ): Promise<void> {
    const current = (await blob.getTags()).tags;
    const currentAt = current.receivedat ?? '';
    if (currentAt >= (tags.receivedat ?? '') && current.origin === 'hr-upload') return;
    const newer = currentAt < (tags.receivedat ?? '');
    // Keep the later time; an HR upload of the same bytes makes the set HR's (PHOTO_AUTHORITY=hr may restore it).
    await blob.setTags({
      ...current,
      receivedat: newer ? (tags.receivedat ?? '') : currentAt,
      origin: tags.origin === 'hr-upload' ? 'hr-upload' : newer ? (tags.origin ?? '') : (current.origin ?? ''),
    });
  }

  /** Lists the person's rendition sets with their tags and tags or untags them as decideSupersededRenditions says. */
  async #judgeSupersededSets(userId: string): Promise<void> {
    const processed = this.#container(containers.processed);
    const sets = new Map<
      string,
      { facts: RenditionSetFacts; blobs: Array<{ name: string; tags: Record<string, string> }> }
    >();
    for await (const item of processed.listBlobsFlat({ prefix: `${userId}/`, includeTags: true })) {
      if (!renditionNamePattern.test(item.name)) continue;
      const contentHash = item.name.split('/')[1] ?? '';
      const tags = item.tags ?? {};
      // Renditions stored before tagging existed: their write time stands in, and they count as HR's (kept longest).
      const origin = origins.find((o) => o === tags.origin) ?? 'hr-upload';
      const facts: RenditionSetFacts = {
        contentHash,
        receivedAt: tags.receivedat || item.properties.lastModified.toISOString(),
        origin,
        superseded: tags.superseded === 'true',
      };
      const set = sets.get(contentHash) ?? { facts, blobs: [] };
      // One blob of a set still untagged (a crash between two tag writes) makes the whole set "not yet superseded".
      if (!facts.superseded) set.facts = { ...set.facts, superseded: false };
      set.blobs.push({ name: item.name, tags });
      sets.set(contentHash, set);
    }
    const { supersede, restore } = decideSupersededRenditions([...sets.values()].map((s) => s.facts));
    const changes = [
      ...supersede.map((hash) => ({ hash, superseded: 'true' })),
      ...restore.map((hash) => ({ hash, superseded: 'false' })),
    ];
    await Promise.all(
      changes.flatMap(({ hash, superseded }) =>
        (sets.get(hash)?.blobs ?? []).map((blob) =>
          processed.getBlobClient(blob.name).setTags({ ...blob.tags, superseded }),
        ),
      ),
    );
  }

  async renditionsExist(userId: string, contentHash: string): Promise<boolean> {
    const wanted = new Set(
      Object.keys(renditionFiles).map((k) => renditionBlobName(userId, contentHash, k as RenditionRole)),
    );
    for await (const blob of this.#container(containers.processed).listBlobsFlat({
      prefix: `${userId}/${contentHash}/`,
    })) {
      wanted.delete(blob.name);
    }
    return wanted.size === 0;
  }

  /**
   * A rendition by the name a write message carries. The storage SDK resolves `..` in a blob name, so a name is read
   * only when it has the exact shape ingest gives renditions (`{guid}/{sha256}/{exchange|S|M|L}.jpg`), at most
   * `maxRenditionBytes` are read, and the bytes must be a JPEG.
   */
  async readRendition(blobName: string): Promise<Buffer> {
    if (!renditionNamePattern.test(blobName)) {
      throw new RenditionRefusedError(blobName, 'not a rendition name ({userId}/{contentHash}/{exchange|S|M|L}.jpg)');
    }
    const response = await this.#container(containers.processed)
      .getBlobClient(blobName)
      .download(0, maxRenditionBytes + 1);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of response.readableStreamBody ?? []) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      chunks.push(buffer);
      length += buffer.length;
      if (length > maxRenditionBytes) break;
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length > maxRenditionBytes) {
      throw new RenditionRefusedError(blobName, `larger than ${maxRenditionBytes} bytes`);
    }
    if (!isJpeg(bytes)) throw new RenditionRefusedError(blobName, 'not a JPEG');
    return bytes;
  }

  /** photos-incoming as listed: names, sizes and metadata; no content is read. */
  async *listIncoming(): AsyncIterable<{
    name: string;
    etag: string;
    contentLength: number;
    lastModified: Date;
    metadata: Record<string, string>;
  }> {
    for await (const blob of this.#container(containers.incoming).listBlobsFlat({ includeMetadata: true })) {
      yield {
        name: blob.name,
        etag: blob.properties.etag,
        contentLength: blob.properties.contentLength ?? 0,
        lastModified: blob.properties.lastModified,
        metadata: blob.metadata ?? {},
      };
    }
  }

  /** The bytes of the incoming blob at this ETag, as its trigger hands them; undefined when gone or replaced. */
  async readOriginal(name: string, options: { etag: string }): Promise<Buffer | undefined> {
    try {
      return await this.#container(containers.incoming)
        .getBlobClient(name)
        .downloadToBuffer(0, undefined, { conditions: { ifMatch: options.etag } });
    } catch (error) {
      if (isStatus(error, 404, 412)) return undefined;
      throw error;
    }
  }

  /** The incoming blob at this ETag; undefined when it is gone or has been replaced by a newer upload. */
  async probeOriginal(name: string, options: { etag?: string } = {}): Promise<OriginalBlob | undefined> {
    try {
      const p = await this.#container(containers.incoming)
        .getBlobClient(name)
        .getProperties(options.etag ? { conditions: { ifMatch: options.etag } } : {});
      return {
        etag: p.etag ?? '',
        metadata: p.metadata ?? {},
        contentLength: p.contentLength ?? 0,
        contentType: p.contentType,
        lastModified: p.lastModified ?? new Date(),
      };
    } catch (error) {
      if (isStatus(error, 404, 412)) return undefined;
      throw error;
    }
  }

  /**
   * Copies the original to the dated archive, keeping its blob metadata and adding `extraMetadata`; ingest deletes it
   * from photos-incoming (deleteOriginal) only after it has checked for a removal, so a crash in between is retried.
   * With `content` (the photo without its EXIF/GPS metadata), the archive gets those bytes instead of a copy.
   */
  async copyToArchive(
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
    const { content, ...copy } = options;
    if (!content) {
      await this.#copy(name, containers.archive, target, copy);
      return `${containers.archive}/${target}`;
    }
    await this.#container(containers.archive)
      .getBlockBlobClient(target)
      .uploadData(content.data, {
        blobHTTPHeaders: { blobContentType: content.contentType },
        metadata: { ...options.metadata, ...options.extraMetadata },
      });
    return `${containers.archive}/${target}`;
  }

  /** A photo a removal covers: its renditions `{userId}/{contentHash}/…` and its archive copy go. */
  async deleteStoredCopies(userId: string, contentHash: string, archivedTo: string, removedAt: string): Promise<void> {
    const processed = this.#container(containers.processed);
    const deletions: Array<{ container: ContainerClient; name: string; tagConditions?: string }> = [];
    for await (const blob of processed.listBlobsFlat({ prefix: `${userId}/${contentHash}/`, includeTags: true })) {
      const receivedAt = blob.tags?.receivedat;
      // Renditions are content-addressed: the same image dropped again after the removal stored (or re-tagged) these
      // very blobs for its own writes, and they are its now.
      if (receivedAt !== undefined && receivedAt > removedAt) continue;
      deletions.push({
        container: processed,
        name: blob.name,
        // Checked by storage at the delete itself, so a drop re-tagging them meanwhile keeps them.
        ...(receivedAt !== undefined ? { tagConditions: `"receivedat" <= '${removedAt}'` } : {}),
      });
    }
    const archivePrefix = `${containers.archive}/`;
    if (archivedTo.startsWith(archivePrefix)) {
      deletions.push({ container: this.#container(containers.archive), name: archivedTo.slice(archivePrefix.length) });
    }
    for (const { container, name, tagConditions } of deletions) {
      try {
        await container.deleteBlob(name, {
          deleteSnapshots: 'include',
          ...(tagConditions ? { conditions: { tagConditions } } : {}),
        });
      } catch (error) {
        // 404: deleted already, by the removal itself or an earlier try of this ingest. 412: a later drop's now.
        if (!isStatus(error, 404, 412)) throw error;
      }
    }
  }

  async archiveManifest(name: string, options: { etag: string; metadata: Record<string, string> }): Promise<string> {
    const target = fitBlobName(archivedManifestPrefix, name);
    await this.#move(name, containers.archive, target, options);
    return `${containers.archive}/${target}`;
  }

  /**
   * Deletes an incoming blob at the delivered ETag: the acknowledgement of an archived photo, or a handled removal
   * request (the audit record is its trace).
   */
  async deleteOriginal(name: string, options: { etag: string }): Promise<void> {
    try {
      await this.#container(containers.incoming)
        .getBlobClient(name)
        .delete({ deleteSnapshots: 'include', conditions: { ifMatch: options.etag } });
    } catch (error) {
      // Gone already (a concurrent delivery finished first) or replaced by a newer upload (its own trigger follows).
      if (!isStatus(error, 404, 412)) throw error;
    }
  }

  /** Writes `{name}.error.json` first, so a photo never sits in photos-rejected without its reason. */
  async rejectOriginal(
    name: string,
    rejection: RejectionRecord,
    options: { etag: string; metadata: Record<string, string> },
  ): Promise<string> {
    const reason = Buffer.from(`${JSON.stringify(rejection, null, 2)}\n`, 'utf8');
    // Both names fit the 1,024-character limit, and the reason stays beside its photo (same shortened stem).
    const target = fitBlobName('', name, '.error.json').slice(0, -'.error.json'.length);
    await this.#container(containers.rejected)
      .getBlockBlobClient(`${target}.error.json`)
      .uploadData(reason, { blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' } });
    await this.#move(name, containers.rejected, target, {
      ...options,
      extraMetadata: { rejectioncode: rejection.code },
    });
    return `${containers.rejected}/${target}`;
  }

  /**
   * Manifests in force for a photo uploaded at `photoUploadedAt`: `*.csv` still in photos-incoming and those already
   * moved to `photos-archive/manifests/`, uploaded after `receivedAfter`. Parsed once per blob version; unreadable
   * ones are left out (their own trigger rejects them with a reason).
   *
   * Finding the manifests not yet moved means listing photos-incoming, which in a first rollout's drop holds
   * thousands of photos waiting: one listing per photo made ingest O(photos waiting) each (on Azure, pages of 5,000
   * entries). A listing is therefore reused for every photo uploaded before it began: HR uploads a photo's manifest
   * before the photo, so such a listing saw it. A photo uploaded since the latest listing began gets a new one.
   */
  async readManifests(options: { receivedAfter: Date; photoUploadedAt: Date }): Promise<PhotoManifest[]> {
    const latest = this.#manifestListing;
    const reusable =
      latest !== undefined &&
      latest.startedAt - manifestListingClockSkewMs > options.photoUploadedAt.getTime() &&
      latest.coversFrom <= options.receivedAfter.getTime();
    const listing = reusable ? latest : this.#listManifests(options.receivedAfter);
    const manifests = await listing.manifests;
    return manifests.filter((manifest) => manifest.receivedAt > options.receivedAfter);
  }

  #listManifests(receivedAfter: Date): ManifestListing {
    const startedAt = Date.now();
    // The callbacks run after `listing` below is assigned: the listing begins asynchronously.
    const forget = (): void => {
      if (this.#manifestListing === listing) this.#manifestListing = undefined;
    };
    const manifests = this.#readManifestsNow(receivedAfter).then(
      (read) => {
        // A manifest moved or replaced while listed may be missing from this listing: later photos list again.
        if (!read.complete) forget();
        return read.manifests;
      },
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    const listing: ManifestListing = { startedAt, coversFrom: receivedAfter.getTime(), manifests };
    this.#manifestListing = listing;
    return listing;
  }

  async #readManifestsNow(receivedAfter: Date): Promise<{ manifests: PhotoManifest[]; complete: boolean }> {
    const sources = [
      { container: containers.incoming, prefix: undefined, strip: '' },
      { container: containers.archive, prefix: archivedManifestPrefix, strip: archivedManifestPrefix },
    ];
    const manifests: PhotoManifest[] = [];
    const inForce = new Set<string>();
    let complete = true;
    for (const source of sources) {
      const container = this.#container(source.container);
      for await (const blob of container.listBlobsFlat(source.prefix ? { prefix: source.prefix } : {})) {
        const lastModified = blob.properties.lastModified;
        if (!blob.name.toLowerCase().endsWith('.csv') || lastModified <= receivedAfter) continue;
        // Over the limit: never downloaded here; its own trigger rejects it as manifest-too-large.
        if ((blob.properties.contentLength ?? 0) > this.#manifestLimits.maxBytes) continue;
        inForce.add(manifestCacheKey(container, blob.name, blob.properties.etag ?? ''));
        const manifest = await this.#readManifest(
          container,
          blob.name,
          blob.properties.etag ?? '',
          lastModified,
          source.strip,
        );
        if (manifest === 'gone') complete = false;
        else if (manifest) manifests.push(manifest);
      }
    }
    // Evict what is no longer in force (expired, replaced, moved): the cache holds at most the current manifests.
    for (const key of this.#manifestCache.keys()) if (!inForce.has(key)) this.#manifestCache.delete(key);
    return { manifests, complete };
  }

  async #readManifest(
    container: ContainerClient,
    blobName: string,
    etag: string,
    lastModified: Date,
    strip: string,
  ): Promise<PhotoManifest | 'gone' | undefined> {
    const key = manifestCacheKey(container, blobName, etag);
    if (!this.#manifestCache.has(key)) {
      let manifest: PhotoManifest | null = null;
      try {
        const text = await container
          .getBlobClient(blobName)
          .downloadToBuffer(0, undefined, { conditions: { ifMatch: etag } });
        manifest = {
          name: blobName.slice(strip.length),
          receivedAt: lastModified,
          rows: parsePhotoManifest(text, this.#manifestLimits),
        };
      } catch (error) {
        // Moved or replaced since the listing: the next listing shows where it went.
        if (isStatus(error, 404, 412)) return 'gone';
        // Unreadable CSV is remembered as "no manifest" for this version.
        if (!isPhotoRejectedError(error)) throw error;
      }
      this.#manifestCache.set(key, manifest);
    }
    return this.#manifestCache.get(key) ?? undefined;
  }

  async #move(
    name: string,
    targetContainer: string,
    targetName: string,
    options: { etag: string; metadata: Record<string, string>; extraMetadata?: Record<string, string> },
  ): Promise<void> {
    await this.#copy(name, targetContainer, targetName, options);
    await this.deleteOriginal(name, options);
  }

  async #copy(
    name: string,
    targetContainer: string,
    targetName: string,
    options: { etag: string; metadata: Record<string, string>; extraMetadata?: Record<string, string> },
  ): Promise<void> {
    const source = this.#container(containers.incoming).getBlobClient(name);
    const target = this.#container(targetContainer).getBlobClient(targetName);
    // Server-side copy: the bytes never pass through the function again. Same-account sources are authorised by
    // the request's own credentials (shared key locally, the managed identity on Azure).
    // https://learn.microsoft.com/rest/api/storageservices/copy-blob#authorization
    const poller = await target.beginCopyFromURL(source.url, {
      sourceConditions: { ifMatch: options.etag },
      metadata: { ...options.metadata, ...options.extraMetadata },
    });
    await poller.pollUntilDone();
  }
}
