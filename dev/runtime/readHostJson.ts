// The host.json settings the local runtime honours, with the Functions host's defaults for what is absent.
// Queue defaults: https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json
// Blob defaults: https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob#hostjson-settings

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { LocalRuntimeError } from './LocalRuntimeError';
import { parseTimeSpan } from './parseTimeSpan';

export interface QueueHostOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  /** How long a failed message stays invisible before its next try. */
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: 'base64' | 'none';
}

export interface BlobHostOptions {
  /** Concurrent invocations of all blob-triggered functions together, per instance. */
  maxDegreeOfParallelism: number;
  /** Tries of a failing blob before it is reported on `webjobs-blobtrigger-poison` (default 5, at least 1). */
  poisonBlobThreshold: number;
}

export interface HostJsonOptions {
  queues: QueueHostOptions;
  blobs: BlobHostOptions;
  http: { routePrefix: string };
}

interface RawHostJson {
  extensions?: {
    queues?: Record<string, unknown>;
    blobs?: Record<string, unknown>;
    http?: { routePrefix?: unknown };
  };
}

function timeSpan(raw: Record<string, unknown>, name: string, fallbackMs: number): number {
  const value = raw[name];
  if (value === undefined) return fallbackMs;
  const ms = typeof value === 'string' ? parseTimeSpan(value) : undefined;
  if (ms === undefined) {
    throw new LocalRuntimeError(
      'invalid-host-json',
      `extensions.queues.${name} must be "hh:mm:ss", got ${JSON.stringify(value)}.`,
    );
  }
  return ms;
}

function wholeNumber(
  raw: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
  section = 'queues',
): number {
  const value = raw[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LocalRuntimeError(
      'invalid-host-json',
      `extensions.${section}.${name} must be ${min}..${max}, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** The documented default: 8 × the number of available cores. */
export function defaultBlobParallelism(cores = availableParallelism()): number {
  return 8 * Math.max(1, cores);
}

export function parseHostJson(json: RawHostJson, cores = availableParallelism()): HostJsonOptions {
  const q = json.extensions?.queues ?? {};
  const b = json.extensions?.blobs ?? {};
  const batchSize = wholeNumber(q, 'batchSize', 16, 1, 32);
  const encoding = q.messageEncoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new LocalRuntimeError('invalid-host-json', `extensions.queues.messageEncoding must be "base64" or "none".`);
  }
  const routePrefix = json.extensions?.http?.routePrefix;
  return {
    queues: {
      batchSize,
      newBatchThreshold: wholeNumber(q, 'newBatchThreshold', Math.floor(batchSize / 2), 0, 1000),
      maxPollingIntervalMs: Math.max(100, timeSpan(q, 'maxPollingInterval', 60_000)),
      visibilityTimeoutMs: timeSpan(q, 'visibilityTimeout', 0),
      maxDequeueCount: wholeNumber(q, 'maxDequeueCount', 5, 1, 1000),
      messageEncoding: encoding,
    },
    blobs: {
      maxDegreeOfParallelism: wholeNumber(
        b,
        'maxDegreeOfParallelism',
        defaultBlobParallelism(cores),
        1,
        Number.MAX_SAFE_INTEGER,
        'blobs',
      ),
      poisonBlobThreshold: wholeNumber(b, 'poisonBlobThreshold', 5, 1, 1000, 'blobs'),
    },
    http: { routePrefix: typeof routePrefix === 'string' ? routePrefix.replace(/^\/+|\/+$/g, '') : 'api' },
  };
}

export function readHostJson(path: string): HostJsonOptions {
  let json: RawHostJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as RawHostJson;
  } catch (error) {
    throw new LocalRuntimeError('invalid-host-json', `Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseHostJson(json);
}
