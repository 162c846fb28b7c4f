// The pipeline's custom metrics (customMetrics in Application Insights). Instruments come from the global meter
// provider each time it changes: the OpenTelemetry metrics API has no proxy, so an instrument created before
// startTelemetry() would stay a no-op forever.

import { metrics, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import type { RejectionCode } from '../pipeline/ingest/PhotoRejectedError';
import type { WriteOutcome } from '../pipeline/write/PhotoStatePort';
import { tracerName } from './photoOperation';
import { ensureTelemetryFromAppSettings } from './startTelemetry';

export type WriteTarget = 'exchange' | 'sharepoint';

/**
 * The writers' recorded outcomes (src/pipeline/write/PhotoStatePort.ts: written, skipped-duplicate, skipped-stale,
 * rescheduled, permanent-failure, dead-lettered), plus `disabled` (the target is off in SYNC_TARGETS) and `failed`
 * (thrown: the queue retries).
 */
export type TelemetryWriteOutcome = WriteOutcome | 'disabled' | 'failed';

interface Instruments {
  ingested: Counter;
  rejected: Counter;
  writes: Counter;
  throttleWait: Histogram;
  latency: Histogram;
}

const byProvider = new WeakMap<MeterProvider, Instruments>();

function instruments(): Instruments {
  ensureTelemetryFromAppSettings();
  const provider = metrics.getMeterProvider();
  let found = byProvider.get(provider);
  if (!found) {
    const meter = provider.getMeter(tracerName);
    found = {
      ingested: meter.createCounter('photosync.photos.ingested', { description: 'Photos accepted by ingest' }),
      rejected: meter.createCounter('photosync.photos.rejected', { description: 'Photos rejected, by code' }),
      writes: meter.createCounter('photosync.writes', { description: 'Writes per target and outcome' }),
      throttleWait: meter.createHistogram('photosync.throttle.wait', {
        description: 'Time a write was deferred by Retry-After or backoff',
        unit: 'ms',
      }),
      latency: meter.createHistogram('photosync.latency.drop_to_written', {
        description: 'From the photo being received to a target showing it',
        unit: 'ms',
      }),
    };
    byProvider.set(provider, found);
  }
  return found;
}

/** A photo accepted by ingest, or (with its rejection code) rejected. */
export function trackPhotoIngested(code?: RejectionCode): void {
  if (code) instruments().rejected.add(1, { code });
  else instruments().ingested.add(1);
}

/** `code`: the service's error code of a permanent failure (e.g. ErrorNonExistentMailbox), never a message. */
export function trackWrite(target: WriteTarget, outcome: TelemetryWriteOutcome, code?: string): void {
  instruments().writes.add(1, { target, outcome, ...(code ? { code } : {}) });
}

/** How long a write waits because the service throttled it (Retry-After, or the backoff when it sent none). */
export function trackThrottleWait(ms: number, target: WriteTarget): void {
  instruments().throttleWait.record(Math.max(0, ms), { target });
}

/** From `receivedAt` in the message to the target written. */
export function trackLatency(ms: number, target: WriteTarget): void {
  instruments().latency.record(Math.max(0, ms), { target });
}
