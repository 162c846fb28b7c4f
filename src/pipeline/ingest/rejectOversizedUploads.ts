// Uploads too large to ingest, refused without ever being read. The Functions host hands a blob trigger the whole
// blob in memory, so a multi-GB upload would be buffered before ingest could look at its size. The Event Grid
// subscription that feeds ingestPhoto therefore carries an advanced filter (`data.contentLength` at most
// INGEST_MAX_BYTES, infra/hooks/postdeploy.*): such a blob never triggers ingest. This sweep gives it the outcome
// every upload gets, a rejection HR can read: it lists photos-incoming (sizes come with the listing, no bytes are
// read) and moves every blob over the limit to photos-rejected with `too-many-bytes` (or `manifest-too-large` for a
// CSV), server side. A blob that ingest also got (no filter yet, a delivery racing the sweep) ends once: both moves
// are conditional on the blob's ETag.

import { decision, type Decision } from '../messages/Decision';
import { checkPhotoSize } from './checkPhotoSize';
import type { RejectionRecord } from './ingestPhoto';
import { isManifestName } from './photoManifest';
import { isPhotoRejectedError, PhotoRejectedError, type RejectionCode } from './PhotoRejectedError';

export interface IncomingListing {
  name: string;
  etag: string;
  contentLength: number;
  lastModified: Date;
  metadata: Record<string, string>;
}

export interface OversizedUploadPorts {
  /** photos-incoming as listed: names, sizes and metadata, never content. */
  listIncoming(): AsyncIterable<IncomingListing>;
  rejectOriginal(
    name: string,
    rejection: RejectionRecord,
    options: { etag: string; metadata: Record<string, string> },
  ): Promise<string>;
}

export interface OversizedUploadReport {
  rejected: Array<{ name: string; bytes: number; code: RejectionCode; rejectedTo: string }>;
  /** Moves that failed (gone or replaced meanwhile, storage errors): the next sweep looks again. */
  failed: Array<{ name: string; error: string }>;
}

function rejectionFor(blob: IncomingListing, maxBytes: number): PhotoRejectedError {
  if (isManifestName(blob.name)) {
    return new PhotoRejectedError(
      'manifest-too-large',
      `The manifest is ${blob.contentLength} bytes, more than the ${maxBytes} bytes any upload may have. Split it ` +
        'into smaller manifests that list only the photos being uploaded now.',
      { bytes: blob.contentLength, maxBytes },
    );
  }
  try {
    checkPhotoSize(blob.contentLength, maxBytes);
  } catch (error) {
    if (isPhotoRejectedError(error)) return error;
    throw error;
  }
  throw new Error(`${blob.name} is not over the limit`);
}

export async function rejectOversizedUploads(
  ports: OversizedUploadPorts,
  options: { maxBytes: number; correlationId: string },
): Promise<OversizedUploadReport> {
  const report: OversizedUploadReport = { rejected: [], failed: [] };
  for await (const blob of ports.listIncoming()) {
    if (blob.contentLength <= options.maxBytes) continue;
    const error = rejectionFor(blob, options.maxBytes);
    try {
      const rejectedTo = await ports.rejectOriginal(
        blob.name,
        {
          code: error.code,
          message: error.message,
          details: error.details,
          correlationId: options.correlationId,
          receivedAt: blob.lastModified.toISOString(),
        },
        { etag: blob.etag, metadata: blob.metadata },
      );
      report.rejected.push({ name: blob.name, bytes: blob.contentLength, code: error.code, rejectedTo });
    } catch (failure) {
      report.failed.push({ name: blob.name, error: (failure as Error).message });
    }
  }
  return report;
}

/** One log line per rejected upload (the same `photo-ingest` event and code as ingest's), one per failed move. */
export function oversizedUploadsDecision(report: OversizedUploadReport, correlationId: string): Decision {
  return decision({
    logs: [
      ...report.rejected.map((r) => ({
        level: 'info' as const,
        fields: {
          event: 'photo-ingest',
          blob: r.name,
          correlationId,
          outcome: 'rejected',
          code: r.code,
          bytes: r.bytes,
          rejectedTo: r.rejectedTo,
          by: 'rejectOversizedUploads',
        },
      })),
      ...report.failed.map((f) => ({
        level: 'warn' as const,
        fields: { event: 'photo-ingest', blob: f.name, correlationId, outcome: 'failed', error: f.error },
      })),
    ],
  });
}
