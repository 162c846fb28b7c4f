// How processPhotoChange renders a photo it read from Graph: ingest's code and configured sizes, stored where ingest
// stores renditions (photos-processed/{userId}/{contentHash}/), so the SharePoint writer reads them the same way.

import type { IngestStorePort } from '../pipeline/ingest/ingestPhoto';
import type { RenditionPort } from '../pipeline/photoChange/PhotoChangePorts';
import { renderRenditions, type RenditionOptions } from './renderRenditions';

export function graphPhotoRenditionPort(
  store: Pick<IngestStorePort, 'writeRenditions'>,
  options: { rendering: RenditionOptions },
): RenditionPort {
  return {
    async renderAndStore(owner, bytes, provenance) {
      // Graph serves the photo it holds (often 648 px, sometimes as small as 48 px): ingest's minimum side is a rule
      // for HR uploads, not for a photo the person already shows in Outlook/Teams, so it is relaxed to 1 here.
      const rendered = await renderRenditions(bytes, { ...options.rendering, minSide: 1 });
      const stored = await store.writeRenditions(owner, rendered.contentHash, rendered, provenance);
      return {
        contentHash: rendered.contentHash,
        thumbnails: { small: stored.small, medium: stored.medium, large: stored.large },
      };
    },
  };
}
