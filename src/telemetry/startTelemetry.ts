// Sends this app's spans and metrics to Application Insights with the applicationinsights v3 SDK (the Azure Monitor
// OpenTelemetry distro), only when APPLICATIONINSIGHTS_CONNECTION_STRING is set; otherwise the OpenTelemetry API
// stays a no-op and nothing leaves the process. What is sent is listed in docs/telemetry.md.

import { ManagedIdentityCredential } from '@azure/identity';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { shutdownAzureMonitor, useAzureMonitor, type AzureMonitorOpenTelemetryOptions } from 'applicationinsights';

export interface TelemetrySettings {
  /** APPLICATIONINSIGHTS_CONNECTION_STRING. Absent: telemetry off. */
  connectionString?: string;
  /**
   * APPLICATIONINSIGHTS_AUTHENTICATION_STRING, `ClientId={managed identity client id};Authorization=AAD`: the
   * resource has local auth off (infra/core/monitor), so the exporter needs an Entra token.
   */
  authenticationString?: string;
}

export interface StartTelemetryOptions {
  /** Extra processors and readers, e.g. in-memory exporters in tests. */
  spanProcessors?: SpanProcessor[];
  metricReaders?: MetricReader[];
  /** Keep unsent telemetry on disk across network failures (default true; tests turn it off). */
  offlineStorage?: boolean;
  /**
   * PEM of the only CA the exporter trusts for the ingestion endpoint (tests run one on loopback; the exporter
   * always speaks HTTPS). Unset: the system's CAs, as in Azure.
   */
  ingestionCaPem?: string;
}

let started = false;

function credentialFor(authenticationString: string | undefined): ManagedIdentityCredential | undefined {
  if (!authenticationString || !/Authorization=AAD/i.test(authenticationString)) return undefined;
  const clientId = /ClientId=([^;]+)/i.exec(authenticationString)?.[1];
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

/** Reads the two settings from app settings (this runs once per process, at start, like getConfig). */
export function telemetrySettingsFrom(env: Record<string, string | undefined>): TelemetrySettings {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  const authenticationString = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING?.trim();
  return {
    ...(connectionString ? { connectionString } : {}),
    ...(authenticationString ? { authenticationString } : {}),
  };
}

/** Starts the exporter once per process; returns whether telemetry is on. */
export function startTelemetry(settings: TelemetrySettings, options: StartTelemetryOptions = {}): boolean {
  if (started) return true;
  if (!settings.connectionString) return false;
  const credential = credentialFor(settings.authenticationString);
  const azureMonitorOptions: AzureMonitorOpenTelemetryOptions = {
    azureMonitorExporterOptions: {
      connectionString: settings.connectionString,
      disableOfflineStorage: options.offlineStorage === false,
      ...(credential ? { credential } : {}),
      ...(options.ingestionCaPem ? { tlsOptions: { ca: options.ingestionCaPem } } : {}),
    },
    // A photo is a handful of spans; keep every one so an operation id always shows the whole path.
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: false,
    // Automatic HTTP and Azure SDK spans would carry Graph URLs and blob names, which hold UPNs and file names:
    // personal data the operators do not need. Our own spans say what happened instead.
    instrumentationOptions: { http: { enabled: false }, azureSdk: { enabled: false } },
    enableAutoCollectDependencies: false,
    enableAutoCollectPerformance: false,
    spanProcessors: options.spanProcessors ?? [],
    metricReaders: options.metricReaders ?? [],
  };
  useAzureMonitor(azureMonitorOptions);
  started = true;
  return true;
}

let attempted = false;

/**
 * Starts telemetry from the app settings the first time any photo span or metric is recorded, so entry points need
 * no extra call (automatic instrumentation is off, so starting late loses nothing).
 */
export function ensureTelemetryFromAppSettings(): void {
  if (attempted) return;
  attempted = true;
  startTelemetry(telemetrySettingsFrom(process.env));
}

/** Flushes and stops the exporter (process shutdown, tests). */
export async function stopTelemetry(): Promise<void> {
  if (!started) return;
  started = false;
  await shutdownAzureMonitor();
}
