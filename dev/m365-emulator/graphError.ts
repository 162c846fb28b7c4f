// Graph's error body: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}
// https://learn.microsoft.com/graph/errors

import { randomUUID } from 'node:crypto';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';

export function graphError(
  status: number,
  code: string,
  message: string,
  options: { request?: EmulatorRequest; now: Date; headers?: Record<string, string> },
): EmulatorResponse {
  const requestId = randomUUID();
  const clientRequestId = options.request?.headers['client-request-id'] ?? requestId;
  return jsonResponse(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: options.now.toISOString().replace(/\.\d+Z$/, ''),
          'request-id': requestId,
          'client-request-id': clientRequestId,
        },
      },
    },
    { 'request-id': requestId, 'client-request-id': clientRequestId, ...(options.headers ?? {}) },
  );
}
