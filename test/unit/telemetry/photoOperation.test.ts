// One operation id from the blob drop through both writers, shown with in-memory OpenTelemetry exporters: each step
// only sees the queue message (encoded as the Functions host stores it), exactly like separate invocations.

import { randomUUID } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { metrics } from '@opentelemetry/api';
import { decodeQueueMessage, encodeQueueMessage } from '../../../src/storage/queueMessageEncoding';
import { currentOperationId, traceIdForCorrelation, withPhotoOperation } from '../../../src/telemetry/photoOperation';
import { trackLatency, trackPhotoIngested, trackThrottleWait, trackWrite } from '../../../src/telemetry/photoMetrics';

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const metricReader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const meterProvider = new MeterProvider({ readers: [metricReader] });

beforeAll(() => {
  tracerProvider.register();
  metrics.setGlobalMeterProvider(meterProvider);
});
afterEach(() => spans.reset());
afterAll(async () => {
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});

interface WriteMessage {
  write: { correlationId: string; target: 'exchange' | 'sharepoint' };
}

describe('photo operation id', () => {
  it('is the same trace id for ingest and both writers, and equals the correlation id', async () => {
    const correlationId = randomUUID();
    const queued = await withPhotoOperation('ingestPhoto', correlationId, () =>
      Promise.resolve(
        (['exchange', 'sharepoint'] as const).map((target) => encodeQueueMessage({ write: { correlationId, target } })),
      ),
    );
    for (const text of queued) {
      const { write } = decodeQueueMessage(text) as WriteMessage;
      const step = write.target === 'exchange' ? 'writeExchangePhoto' : 'writeSharePointPhoto';
      await withPhotoOperation(step, write.correlationId, async () => Promise.resolve(currentOperationId()));
    }

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(['ingestPhoto', 'writeExchangePhoto', 'writeSharePointPhoto']);
    const traceIds = new Set(finished.map((s) => s.spanContext().traceId));
    expect([...traceIds]).toEqual([correlationId.replace(/-/g, '')]);
    expect(new Set(finished.map((s) => s.spanContext().spanId)).size).toBe(3);
    for (const span of finished) expect(span.attributes['photo.correlation_id']).toBe(correlationId);
  });

  it('gives the running work the operation id, and nothing outside it', async () => {
    const correlationId = randomUUID();
    const inside = await withPhotoOperation('processPhotoChange', correlationId, () =>
      Promise.resolve(currentOperationId()),
    );
    expect(inside).toBe(traceIdForCorrelation(correlationId));
    expect(currentOperationId()).toBeUndefined();
  });

  it('maps a correlation id that is not a UUID to a stable valid trace id', () => {
    const id = traceIdForCorrelation('blob:photos-incoming/adele.jpg#1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdForCorrelation('blob:photos-incoming/adele.jpg#1')).toBe(id);
    expect(traceIdForCorrelation('00000000-0000-0000-0000-000000000000')).not.toBe('0'.repeat(32));
  });

  it('marks a failed step as an error and rethrows the same error', async () => {
    const failure = new TypeError('boom');
    await expect(withPhotoOperation('writeExchangePhoto', randomUUID(), () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    const [span] = spans.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events.map((e) => e.name)).toContain('exception');
  });

  it('links the invocation trace parent so the host request leads to the photo operation', async () => {
    const traceParent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await withPhotoOperation('writeSharePointPhoto', randomUUID(), () => Promise.resolve(), {
      invocationTraceParent: traceParent,
    });
    const [span] = spans.getFinishedSpans();
    expect(span?.links.map((l) => l.context.traceId)).toEqual(['0af7651916cd43dd8448eb211c80319c']);
  });
});

describe('photo metrics', () => {
  it('counts ingested and rejected photos, writes by target and outcome, waits and latency', async () => {
    trackPhotoIngested();
    trackPhotoIngested();
    trackPhotoIngested('too-small');
    trackWrite('exchange', 'written');
    trackWrite('sharepoint', 'permanent-failure', 'certificate-required');
    trackThrottleWait(2_000, 'sharepoint');
    trackLatency(1_500, 'exchange');
    await metricReader.forceFlush();

    const exported = metricExporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    const points = (name: string): DataPoint<unknown>[] =>
      exported.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
    expect(points('photosync.photos.ingested').map((p) => p.value)).toEqual([2]);
    expect(points('photosync.photos.rejected').map((p) => [p.attributes, p.value])).toEqual([
      [{ code: 'too-small' }, 1],
    ]);
    expect(points('photosync.writes').map((p) => p.attributes)).toEqual([
      { target: 'exchange', outcome: 'written' },
      { target: 'sharepoint', outcome: 'permanent-failure', code: 'certificate-required' },
    ]);
    const wait = points('photosync.throttle.wait')[0]?.value as { sum: number; count: number };
    expect([wait.sum, wait.count]).toEqual([2_000, 1]);
    const latency = points('photosync.latency.drop_to_written')[0];
    expect(latency?.attributes).toEqual({ target: 'exchange' });
  });
});
