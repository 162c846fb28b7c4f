// The metrics each step records from its own result: counts by outcome and code, reschedule delays, and the
// drop-to-written latency measured from the message's receivedAt.

import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { recordIngestOutcome, recordWriteResult } from '../../../src/telemetry/recordPhotoTelemetry';

const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });
beforeAll(() => metrics.setGlobalMeterProvider(provider));
afterAll(() => provider.shutdown());

async function collected(): Promise<Map<string, DataPoint<unknown>[]>> {
  exporter.reset();
  await reader.forceFlush();
  const byName = new Map<string, DataPoint<unknown>[]>();
  for (const metric of exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))) {
    byName.set(metric.descriptor.name, metric.dataPoints);
  }
  return byName;
}

it('counts accepted and rejected photos, and nothing for manifests or repeats', async () => {
  recordIngestOutcome({ kind: 'accepted' });
  recordIngestOutcome({ kind: 'rejected', code: 'unknown-user' });
  recordIngestOutcome({ kind: 'manifest-stored' });
  recordIngestOutcome({ kind: 'already-handled' });
  const points = await collected();
  expect(points.get('photosync.photos.ingested')?.map((p) => p.value)).toEqual([1]);
  expect(points.get('photosync.photos.rejected')?.map((p) => [p.attributes, p.value])).toEqual([
    [{ code: 'unknown-user' }, 1],
  ]);
});

it('records latency for written photos, the delay of rescheduled ones, and the code of permanent failures', async () => {
  const receivedAt = new Date(1_000_000).toISOString();
  recordWriteResult('exchange', { receivedAt }, { outcome: 'written' }, { now: () => 1_004_000 });
  recordWriteResult('sharepoint', { receivedAt }, { outcome: 'rescheduled', code: 'TooManyRequests', delayMs: 30_000 });
  recordWriteResult('exchange', { receivedAt }, { outcome: 'permanent-failure', code: 'ErrorNonExistentMailbox' });
  const points = await collected();
  expect(points.get('photosync.writes')?.map((p) => p.attributes)).toEqual([
    { target: 'exchange', outcome: 'written' },
    { target: 'sharepoint', outcome: 'rescheduled' },
    { target: 'exchange', outcome: 'permanent-failure', code: 'ErrorNonExistentMailbox' },
  ]);
  const latency = points.get('photosync.latency.drop_to_written')?.[0];
  expect([latency?.attributes, (latency?.value as { sum: number }).sum]).toEqual([{ target: 'exchange' }, 4_000]);
  const wait = points.get('photosync.throttle.wait')?.[0];
  expect([wait?.attributes, (wait?.value as { sum: number }).sum]).toEqual([{ target: 'sharepoint' }, 30_000]);
});
