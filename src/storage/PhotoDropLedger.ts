// What HR dropped, read back from where ingest left it: accepted originals in `photos-archive/{yyyy}/{mm}/{dd}/`
// (metadata `userid`, `contenthash`, set by ingest) and rejected ones in `photos-rejected/` beside their
// `{name}.error.json`. Nothing new is stored for the status page: the containers already are the ledger.
// Finding a person's last drop lists the archive with metadata; fine for the archive sizes HR produces in a few
// months (a lifecycle rule in infra/ ages originals out), documented in docs/status-page.md.

import { RestError, type BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { DropLedgerPort, DropRecord } from '../pipeline/status/StatusPorts';
import { renditionBlobName } from '../pipeline/messages/renditions';
import { archivedManifestPrefix } from './PhotoBlobStore';
import { containers } from './names';

const DAY_MS = 24 * 60 * 60 * 1000;
const errorSuffix = '.error.json';

function dayPrefix(day: Date): string {
  return `${day.getUTCFullYear()}/${String(day.getUTCMonth() + 1).padStart(2, '0')}/${String(day.getUTCDate()).padStart(2, '0')}/`;
}

/** `2026/12/02/megan.jpg` → `megan.jpg` (keeping any folders HR used). */
function droppedName(archiveName: string): string {
  return archiveName.split('/').slice(3).join('/');
}

export class PhotoDropLedger implements DropLedgerPort {
  constructor(
    private readonly blobs: BlobServiceClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  #container(name: string): ContainerClient {
    return this.blobs.getContainerClient(name);
  }

  async listDrops(options: { since: Date }): Promise<DropRecord[]> {
    const drops: DropRecord[] = [];
    // The archive is dated by path: list only the days asked for.
    for (let day = options.since.getTime(); day <= this.now().getTime() + DAY_MS; day += DAY_MS) {
      drops.push(...(await this.#archived(dayPrefix(new Date(day)))));
    }
    drops.push(...(await this.#rejected(options.since)));
    return drops.filter((d) => d.droppedAt >= options.since.toISOString());
  }

  async lastDropFor(userId: string): Promise<DropRecord | undefined> {
    let newest: DropRecord | undefined;
    for (const drop of await this.#archived(undefined)) {
      if (drop.userId === userId && (!newest || drop.droppedAt > newest.droppedAt)) newest = drop;
    }
    return newest;
  }

  /** HR's drop as ingest rendered it for Exchange (the original may be HEIC, huge, or carry GPS metadata). */
  async readDroppedRendition(userId: string, contentHash: string): Promise<Buffer | undefined> {
    try {
      return await this.#container(containers.processed)
        .getBlobClient(renditionBlobName(userId, contentHash, 'exchange'))
        .downloadToBuffer();
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async dropAgain(drop: DropRecord, owner: { userId: string; userPrincipalName: string }): Promise<string> {
    const archiveName = drop.location.slice(`${containers.archive}/`.length);
    const source = this.#container(containers.archive).getBlobClient(archiveName);
    const target = this.#container(containers.incoming).getBlobClient(drop.name);
    // Server-side copy; `upn` is the strongest hint ingest reads, so the photo goes to the same person again.
    const poller = await target.beginCopyFromURL(source.url, {
      metadata: { upn: owner.userPrincipalName, retriedfrom: drop.location },
    });
    await poller.pollUntilDone();
    return `${containers.incoming}/${drop.name}`;
  }

  async #archived(prefix: string | undefined): Promise<DropRecord[]> {
    const drops: DropRecord[] = [];
    const listing = this.#container(containers.archive).listBlobsFlat({
      includeMetadata: true,
      ...(prefix ? { prefix } : {}),
    });
    for await (const blob of listing) {
      if (blob.name.startsWith(archivedManifestPrefix)) continue;
      const metadata = blob.metadata ?? {};
      drops.push({
        name: droppedName(blob.name),
        droppedAt: blob.properties.lastModified.toISOString(),
        outcome: 'accepted',
        location: `${containers.archive}/${blob.name}`,
        ...(metadata.userid ? { userId: metadata.userid } : {}),
        ...(metadata.contenthash ? { contentHash: metadata.contenthash } : {}),
      });
    }
    return drops;
  }

  async #rejected(since: Date): Promise<DropRecord[]> {
    const container = this.#container(containers.rejected);
    const drops: DropRecord[] = [];
    for await (const blob of container.listBlobsFlat({ includeMetadata: true })) {
      if (blob.name.endsWith(errorSuffix) || blob.properties.lastModified < since) continue;
      const reason = await this.#readReason(container, `${blob.name}${errorSuffix}`);
      const code = reason.code ?? blob.metadata?.rejectioncode;
      drops.push({
        name: blob.name,
        droppedAt: blob.properties.lastModified.toISOString(),
        outcome: 'rejected',
        location: `${containers.rejected}/${blob.name}`,
        ...(code ? { rejectionCode: code } : {}),
        ...(reason.message ? { rejectionMessage: reason.message } : {}),
      });
    }
    return drops;
  }

  async #readReason(container: ContainerClient, name: string): Promise<{ code?: string; message?: string }> {
    try {
      const parsed = JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as {
        code?: unknown;
        message?: unknown;
      };
      return {
        ...(typeof parsed.code === 'string' ? { code: parsed.code } : {}),
        ...(typeof parsed.message === 'string' ? { message: parsed.message } : {}),
      };
    } catch (error) {
      // Written before the photo is moved, so a missing reason means it was deleted by hand: say nothing.
      if (error instanceof RestError && error.statusCode === 404) return {};
      throw error;
    }
  }
}
