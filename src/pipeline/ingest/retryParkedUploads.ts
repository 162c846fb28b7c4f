// Uploads the Functions host gave up on, tried again later. When ingest fails for a reason that is not HR's (Graph
// or storage unavailable), the host tries the blob `extensions.blobs.poisonBlobThreshold` times and then reports it
// on `webjobs-blobtrigger-poison`, leaving it in photos-incoming. On Azure those tries come back to back: the blob
// extension's internal queue is built with default queue options, whose visibility timeout is zero
// (SharedBlobQueueListenerFactory.BlobsOptionsToQueuesOptions). So an outage longer than the clients' own retries
// parks every photo that arrived during it, and nothing would ever try them again.
//
// This use case reads those reports (a timer runs it every few minutes) and, for each one:
// - the reported version is still in photos-incoming: ingest runs on it again. Once it has its outcome (archived,
//   rejected, removed) the report is deleted; if it fails again the report is hidden for longer each time
//   (INGEST_PARKED_RETRY_SECONDS, 5 minutes by default, doubling, at most 6 hours), so an outage of hours costs a
//   handful of tries;
// - the photo has left photos-incoming, or a newer upload replaced it (which has its own delivery): the report is
//   stale and deleted;
// - the blob is over INGEST_MAX_BYTES: rejectOversizedUploads gives it its outcome; the report is deleted;
// - the report is not one the host writes: deleted with a warning (nothing can be retried from it).
// Ingest is idempotent (src/pipeline/ingest/ingestPhoto.ts), so a retry racing a redelivery of the same blob is safe.

import { decision, type Decision } from '../messages/Decision';
import type { LogLine } from '../messages/LogLine';

/** What the host writes on `webjobs-blobtrigger-poison` (its BlobTriggerMessage), as far as a retry needs it. */
export interface ParkedUploadReport {
  container: string;
  blobName: string;
  /** The version that failed, quoted as in HTTP headers; absent in reports that do not carry one. */
  etag?: string;
}

/**
 * A report as received: its body decoded from the queue's encoding (undefined when it is not JSON), how often it has
 * been received, and whatever the queue needs to act on it.
 */
export interface ParkedReportMessage {
  body: unknown;
  dequeueCount: number;
}

export interface ParkedUploadPorts<M extends ParkedReportMessage> {
  /** Up to a batch of reports, each hidden from other readers while this run holds it; none left: empty. */
  receive(): Promise<M[]>;
  /** The blob now in photos-incoming under that name, or undefined when there is none. */
  currentVersion(blobName: string): Promise<{ etag: string; contentLength: number } | undefined>;
  /** Runs ingest on the blob at that version (as its trigger would); throws when it fails again. */
  ingestAgain(blobName: string, etag: string): Promise<string>;
  dismiss(message: M): Promise<void>;
  /** Hides the report for that long; it comes back to the next run after that. */
  postpone(message: M, seconds: number): Promise<void>;
}

export interface ParkedUploadOptions {
  incomingContainer: string;
  maxBytes: number;
  /** The wait after the first retry that fails again (INGEST_PARKED_RETRY_SECONDS); it doubles with each failure. */
  firstRetrySeconds: number;
  /** No new batch is received after this moment, so a run ends well within the host's functionTimeout. */
  deadline: number;
  now?: () => number;
}

export type ParkedUploadResult =
  | { name: string; kind: 'ingested'; outcome: string }
  | { name: string; kind: 'dismissed'; reason: 'gone' | 'replaced' | 'oversized' | 'not-ingest' | 'malformed' }
  | { name: string; kind: 'postponed'; retryInSeconds: number; tries: number; error: string; code?: string }
  | { name: string; kind: 'failed'; error: string };

const longestRetrySeconds = 6 * 60 * 60;

/** How long a report waits after its `tries`-th failed retry: `firstSeconds`, doubling, at most 6 hours. */
export function parkedRetryDelaySeconds(tries: number, firstSeconds: number): number {
  const doublings = Math.min(Math.max(tries - 1, 0), 20);
  return Math.min(firstSeconds * 2 ** doublings, longestRetrySeconds);
}

const stripQuotes = (etag: string): string => etag.replace(/^(W\/)?"|"$/g, '');

/** The host's report in a decoded message body, or undefined when the body is not one the host writes. */
export function readParkedUploadReport(body: unknown): ParkedUploadReport | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { ContainerName, BlobName, ETag } = body as Record<string, unknown>;
  if (typeof ContainerName !== 'string' || typeof BlobName !== 'string' || !BlobName) return undefined;
  return { container: ContainerName, blobName: BlobName, ...(typeof ETag === 'string' && ETag ? { etag: ETag } : {}) };
}

async function retryOne<M extends ParkedReportMessage>(
  message: M,
  ports: ParkedUploadPorts<M>,
  options: ParkedUploadOptions,
): Promise<ParkedUploadResult> {
  const report = readParkedUploadReport(message.body);
  if (!report) {
    await ports.dismiss(message);
    return { name: '(unreadable report)', kind: 'dismissed', reason: 'malformed' };
  }
  const name = report.blobName;
  // Only ingest's trigger watches photos-incoming; a report about any other container is not this app's to retry.
  if (report.container !== options.incomingContainer) {
    await ports.dismiss(message);
    return { name, kind: 'dismissed', reason: 'not-ingest' };
  }
  const current = await ports.currentVersion(name);
  if (!current) {
    await ports.dismiss(message);
    return { name, kind: 'dismissed', reason: 'gone' };
  }
  if (report.etag && stripQuotes(report.etag) !== stripQuotes(current.etag)) {
    await ports.dismiss(message);
    return { name, kind: 'dismissed', reason: 'replaced' };
  }
  // Never delivered to ingest (the Event Grid filter), and rejected unread by rejectOversizedUploads.
  if (current.contentLength > options.maxBytes) {
    await ports.dismiss(message);
    return { name, kind: 'dismissed', reason: 'oversized' };
  }
  try {
    const outcome = await ports.ingestAgain(name, current.etag);
    await ports.dismiss(message);
    return { name, kind: 'ingested', outcome };
  } catch (error) {
    const retryInSeconds = parkedRetryDelaySeconds(message.dequeueCount, options.firstRetrySeconds);
    await ports.postpone(message, retryInSeconds);
    const code = (error as { code?: unknown }).code;
    return {
      name,
      kind: 'postponed',
      retryInSeconds,
      tries: message.dequeueCount,
      error: (error as Error).message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
}

/** Works through the reports a batch at a time until none is left or the deadline has passed. */
export async function retryParkedUploads<M extends ParkedReportMessage>(
  ports: ParkedUploadPorts<M>,
  options: ParkedUploadOptions,
): Promise<ParkedUploadResult[]> {
  const now = options.now ?? Date.now;
  const results: ParkedUploadResult[] = [];
  while (now() < options.deadline) {
    const batch = await ports.receive();
    if (batch.length === 0) break;
    const settled = await Promise.all(
      batch.map((message) =>
        retryOne(message, ports, options).catch(
          // Storage failed while looking or acknowledging: the report reappears when its lease ends.
          (error: unknown): ParkedUploadResult => ({
            name: readParkedUploadReport(message.body)?.blobName ?? '(unreadable report)',
            kind: 'failed',
            error: (error as Error).message,
          }),
        ),
      ),
    );
    results.push(...settled);
  }
  return results;
}

/** One log line per report: the photo's outcome, why a stale report was dropped, or when it is tried next. */
export function parkedUploadsDecision(results: ParkedUploadResult[], correlationId: string): Decision {
  const logs: LogLine[] = results.map((r) => {
    const fields = { event: 'parked-upload-retry', blob: r.name, correlationId, result: r.kind };
    switch (r.kind) {
      case 'ingested':
        return { level: 'info', fields: { ...fields, outcome: r.outcome } };
      case 'dismissed':
        return { level: r.reason === 'malformed' ? 'warn' : 'info', fields: { ...fields, reason: r.reason } };
      case 'postponed':
        return {
          level: 'warn',
          fields: { ...fields, tries: r.tries, retryInSeconds: r.retryInSeconds, code: r.code, error: r.error },
        };
      case 'failed':
        return { level: 'warn', fields: { ...fields, error: r.error } };
    }
  });
  return decision({ logs });
}
