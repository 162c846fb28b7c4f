// startTelemetry through the real applicationinsights v3 setup, observed with in-memory exporters registered via
// the library's own spanProcessors/metricReaders hooks, and at an ingestion endpoint on loopback that accepts what
// the Azure Monitor exporter sends (offline storage off): nothing leaves the machine and nothing is written to disk.
// The test stops the exporter at the end: a span batch it flushed later from its own timer would retry against a
// closed endpoint and hold the test process open after the run.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ensureDevCertificateAuthority, ensureServerCertificate } from '../../../dev/devCertificates';
import { startTelemetry, stopTelemetry, telemetrySettingsFrom } from '../../../src/telemetry/startTelemetry';
import { withPhotoOperation } from '../../../src/telemetry/photoOperation';
import { trackWrite } from '../../../src/telemetry/photoMetrics';

/**
 * Application Insights' track endpoint as far as the exporter needs it: takes a batch (a JSON array, or one item per
 * line) and says every item was accepted.
 */
function startIngestionEndpoint(): Promise<{ server: Server; url: string; caPem: string; bodies: string[] }> {
  const bodies: string[] = [];
  const ca = ensureDevCertificateAuthority();
  const { certPem, keyPem } = ensureServerCertificate(ca, { hostnames: ['localhost', '127.0.0.1'] });
  const server = createServer({ cert: certPem, key: keyPem }, (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      bodies.push(body);
      const items = body.trimStart().startsWith('[')
        ? (JSON.parse(body) as unknown[]).length
        : body.split('\n').filter((line) => line.trim()).length;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ itemsReceived: items, itemsAccepted: items, errors: [] }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        caPem: ca.certPem,
        bodies,
      }),
    ),
  );
}

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
    const ingestion = await startIngestionEndpoint();
    try {
      const on = startTelemetry(
        {
          connectionString: `InstrumentationKey=11111111-1111-1111-1111-111111111111;IngestionEndpoint=${ingestion.url}`,
        },
        {
          spanProcessors: [new SimpleSpanProcessor(spans)],
          metricReaders: [reader],
          offlineStorage: false,
          ingestionCaPem: ingestion.caPem,
        },
      );
      expect(on).toBe(true);

      const correlationId = randomUUID();
      const operationId = correlationId.replace(/-/g, '');
      for (let i = 0; i < 20; i++) {
        await withPhotoOperation('writeExchangePhoto', correlationId, () =>
          Promise.resolve(trackWrite('exchange', 'written')),
        );
      }
      await reader.forceFlush();

      const finished = spans.getFinishedSpans();
      // Sampling is off on purpose (every span kept), so all 20 are there, under one operation id.
      expect(finished).toHaveLength(20);
      expect(new Set(finished.map((s) => s.spanContext().traceId))).toEqual(new Set([operationId]));
      const writes = metricExporter
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .filter((m) => m.descriptor.name === 'photosync.writes')
        .flatMap((m) => m.dataPoints.map((p) => p.value));
      expect(writes).toEqual([20]);

      // Stopping flushes the exporter's span batch to the ingestion endpoint, under the same operation id.
      await stopTelemetry();
      const sent = ingestion.bodies.join('\n');
      expect(sent).toContain(operationId);
    } finally {
      await stopTelemetry();
      await new Promise((resolve) => ingestion.server.close(resolve));
    }
  });
});
