// Error bodies of the Microsoft identity platform token endpoint (OAuth 2.0 error + AADSTS code), e.g.
// {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. ...",
//  "error_codes":[7000215],"timestamp":"...","trace_id":"...","correlation_id":"..."}
// https://learn.microsoft.com/entra/identity-platform/reference-error-codes

import { randomUUID } from 'node:crypto';
import { jsonResponse, type EmulatorResponse } from './HttpExchange';

export function aadError(
  status: number,
  error: string,
  code: number,
  message: string,
  options: { now: Date; correlationId?: string },
): EmulatorResponse {
  const traceId = randomUUID();
  const correlationId = options.correlationId ?? randomUUID();
  const timestamp = options.now
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return jsonResponse(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}
