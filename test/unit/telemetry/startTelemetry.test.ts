// startTelemetry through the real applicationinsights v3 setup, observed with in-memory exporters registered via
// the library's own spanProcessors/metricReaders hooks. Only those in-memory exporters are flushed: the Azure
// Monitor exporter (pointed at a local address, offline storage off) is never asked to send, so nothing leaves the
// machine and nothing is written to disk.

import { randomUUID } from 'node:crypto';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, telemetrySettingsFrom } from '../../../src/telemetry/startTelemetry';
import { withPhotoOperation } from '../../../src/telemetry/photoOperation';
import { trackWrite } from '../../../src/telemetry/photoMetrics';

describe('startTelemetry', () => {
  it('stays off without APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
    const settings = telemetrySettingsFrom({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' });
    expect(settings.connectionString).toBeUndefined();
    expect(startTelemetry(settings)).toBe(false);
  });

  it('reads the managed identity client id for Entra-authenticated ingestion', () => {
    const settings = telemetrySettingsFrom({
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x',
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=abc;Authorization=AAD',
    });
    expect(settings).toEqual({
      connectionString: 'InstrumentationKey=x',
      authenticationString: 'ClientId=abc;Authorization=AAD',
    });
  });

  it('exports every photo span with the correlation id as operation id, and the custom metrics', async () => {
    // The exporter's own usage telemetry (statsbeat) would call Microsoft's endpoints from a timer: never in tests.
    // APPLICATIONINSIGHTS_STATSBEAT_DISABLED only stops the optional part; the legacy name stops all of it.
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    const on = startTelemetry(
      {
        connectionString: `InstrumentationKey=11111111-1111-1111-1111-111111111111;IngestionEndpoint=https://127.0.0.1:9/`,
      },
      { spanProcessors: [new SimpleSpanProcessor(spans)], metricReaders: [reader], offlineStorage: false },
    );
    expect(on).toBe(true);

    const correlationId = randomUUID();
    for (let i = 0; i < 20; i++) {
      await withPhotoOperation('writeExchangePhoto', correlationId, () =>
        Promise.resolve(trackWrite('exchange', 'written')),
      );
    }
    await reader.forceFlush();

    const finished = spans.getFinishedSpans();
    // Sampling is off on purpose (every span kept), so all 20 are there, under one operation id.
    expect(finished).toHaveLength(20);
    expect(new Set(finished.map((s) => s.spanContext().traceId))).toEqual(new Set([correlationId.replace(/-/g, '')]));
    const writes = metricExporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .filter((m) => m.descriptor.name === 'photosync.writes')
      .flatMap((m) => m.dataPoints.map((p) => p.value));
    expect(writes).toEqual([20]);
  });
});
