// The size above which the deployed Event Grid subscription keeps an upload from ingestPhoto (postdeploy passes the
// app's INGEST_MAX_BYTES to its advanced filter): the local hosts filter their blob listing by the same value.

import { loadIngestConfig } from '../src/config';

export function ingestMaxBytesOf(settings: Record<string, string | undefined>): number {
  return loadIngestConfig(settings).maxBytes;
}
