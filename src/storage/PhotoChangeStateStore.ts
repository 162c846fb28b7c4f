// The photo-change path's view of PhotoSyncState: our last Exchange write (row `exchange`: its rendition and time),
// the etags this path handled (row `graph-photo`), and the HR photo last put in Exchange.
// Why a class of its own and not more methods on PhotoStateStore: the two ports disagree on `get` (per user and target
// for the writers, per user for this path), and this one only reads and writes through PhotoStatePort, so the table
// entity, its column names and the ETag concurrency stay defined once, in PhotoStateStore.

import type { PhotoOwner } from '../pipeline/messages/messageContracts';
import type { HrPhoto, PhotoChangeState, PhotoChangeStatePort } from '../pipeline/photoChange/PhotoChangePorts';
import type { PhotoState, PhotoStatePort } from '../pipeline/write/PhotoStatePort';
import type { ReconcilePorts } from '../pipeline/photoChange/reconcilePhotos';

/**
 * Only the etags this path recorded. The etag the Exchange writer reads back right after its PUT is not one of them:
 * Graph may still serve the previous photo then (real-tenant.md), so that etag can be the person's photo we replaced.
 */
function seenEtags(rows: PhotoState[]): string[] {
  return rows
    .filter((row) => row.target === 'graph-photo')
    .map((row) => row.lastMediaEtag)
    .filter((etag): etag is string => typeof etag === 'string' && etag.length > 0);
}

function hrPhotoOf(rows: PhotoState[]): HrPhoto | undefined {
  const exchange = rows.find((row) => row.target === 'exchange');
  if (!exchange?.lastContentHash || !exchange.lastRendition || exchange.lastOrigin !== 'hr-upload') return undefined;
  return { contentHash: exchange.lastContentHash, exchange: exchange.lastRendition };
}

export class PhotoChangeStateStore implements PhotoChangeStatePort, Pick<ReconcilePorts, 'seenMediaEtags'> {
  constructor(
    private readonly state: PhotoStatePort,
    private readonly options: { now?: () => Date } = {},
  ) {}

  async get(userId: string): Promise<PhotoChangeState> {
    const rows = await this.state.listForUser(userId);
    const hrPhoto = hrPhotoOf(rows);
    const exchange = rows.find((row) => row.target === 'exchange');
    const claimedUntil = exchange?.writeClaimId ? Date.parse(exchange.writeClaimExpiresAt ?? '') : Number.NaN;
    const now = (this.options.now ?? (() => new Date()))().getTime();
    const lastExchangeWrite =
      exchange?.lastRendition && exchange.lastWrittenAt
        ? { rendition: exchange.lastRendition, writtenAt: exchange.lastWrittenAt }
        : undefined;
    return {
      seenMediaEtags: seenEtags(rows),
      ...(hrPhoto ? { hrPhoto } : {}),
      ...(lastExchangeWrite ? { lastExchangeWrite } : {}),
      ...(claimedUntil > now ? { exchangeWriteUnderWay: true } : {}),
    };
  }

  async recordMediaEtag(userId: string, mediaEtag: string, owner?: PhotoOwner): Promise<void> {
    const updatedAt = (this.options.now ?? (() => new Date()))().toISOString();
    await this.state.update(userId, 'graph-photo', () => ({
      lastMediaEtag: mediaEtag,
      updatedAt,
      ...(owner ? { userPrincipalName: owner.userPrincipalName } : {}),
    }));
  }

  async markSharePointRemoved(userId: string, at: string): Promise<void> {
    await this.state.update(userId, 'sharepoint', (current) =>
      current?.removedAt && current.removedAt >= at ? undefined : { removedAt: at, updatedAt: at },
    );
  }

  async seenMediaEtags(userIds: string[]): Promise<Map<string, string[]>> {
    const rows = await Promise.all(
      userIds.map(async (id) => [id, seenEtags(await this.state.listForUser(id))] as const),
    );
    return new Map(rows.filter(([, etags]) => etags.length > 0));
  }
}
