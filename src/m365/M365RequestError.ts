// One error type for every Microsoft 365 call (Graph, SharePoint REST, the token endpoint), like the Azure SDK's
// RestError: it keeps the service's own code and request id so an operator can quote them to Microsoft support, and
// says whether trying again can help. The body shapes it unwraps:
//   Graph       {"error":{"code","message","innerError":{"request-id"}}}  https://learn.microsoft.com/graph/errors
//   SharePoint  {"odata.error":{"code","message":{"value"}}} (odata=verbose/minimal) or {"error":{"code","message":{"value"}}}
//   Entra       {"error":"invalid_client","error_description":"AADSTS…"}

import { throttleDelayMs } from './readThrottleHeaders';

export type M365Service = 'graph' | 'sharepoint' | 'login';

export interface M365RequestErrorFields {
  service: M365Service;
  /** HTTP status; 0 when no answer came back (network failure, timeout). */
  status: number;
  code: string;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
  retryable?: boolean;
}

/** Statuses worth another try: throttling and the gateway/availability family. */
const RETRYABLE_STATUSES = new Set([0, 408, 429, 500, 502, 503, 504]);

export class M365RequestError extends Error {
  readonly service: M365Service;
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;

  constructor(fields: M365RequestErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options);
    this.name = 'M365RequestError';
    this.service = fields.service;
    this.status = fields.status;
    this.code = fields.code;
    this.requestId = fields.requestId;
    this.retryAfterMs = fields.retryAfterMs;
    this.retryable = fields.retryable ?? RETRYABLE_STATUSES.has(fields.status);
  }
}

export function isM365RequestError(error: unknown): error is M365RequestError {
  return error instanceof M365RequestError;
}

interface UnwrappedBody {
  code?: string;
  message?: string;
  requestId?: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { value?: unknown }).value === 'string') {
    return (value as { value: string }).value;
  }
  return undefined;
}

/** The service's code, message and request id from any of the error body shapes above; {} when none matches. */
export function unwrapErrorBody(body: string): UnwrappedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object') return {};
  const root = parsed as Record<string, unknown>;
  const inner = root['odata.error'] ?? root.error;
  if (inner && typeof inner === 'object') {
    const error = inner as Record<string, unknown>;
    const innerError = (error.innerError ?? error.innererror) as Record<string, unknown> | undefined;
    const requestId = text(innerError?.['request-id']) ?? text(innerError?.requestId);
    return {
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(text(error.message) !== undefined ? { message: text(error.message) } : {}),
      ...(requestId ? { requestId } : {}),
    };
  }
  if (typeof root.error === 'string' || typeof root.error_description === 'string') {
    return {
      ...(typeof root.error === 'string' ? { code: root.error } : {}),
      ...(typeof root.error_description === 'string' ? { message: root.error_description } : {}),
    };
  }
  return {};
}

/** Reads a failed response's body (bounded) and turns it into an M365RequestError. */
export async function m365ErrorFromResponse(service: M365Service, response: Response): Promise<M365RequestError> {
  const body = await response.text().catch(() => '');
  const unwrapped = unwrapErrorBody(body);
  const requestId =
    unwrapped.requestId ??
    response.headers.get('request-id') ??
    response.headers.get('sprequestguid') ??
    response.headers.get('x-ms-request-id') ??
    undefined;
  const retryAfterMs = throttleDelayMs(response.headers);
  return new M365RequestError({
    service,
    status: response.status,
    code: unwrapped.code ?? `HTTP${response.status}`,
    message: unwrapped.message ?? (body.slice(0, 500) || response.statusText || `HTTP ${response.status}`),
    ...(requestId ? { requestId } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** A fetch that never got an answer: DNS, reset connection, TLS, or our own AbortSignal timeout. */
export function m365ErrorFromNetworkFailure(service: M365Service, url: string, error: unknown): M365RequestError {
  // Duck-typed: fetch's DOMException and undici's errors may come from another realm than this module's Error.
  const failure = (error ?? {}) as { name?: string; message?: string; cause?: { message?: string } };
  const timedOut = failure.name === 'TimeoutError' || failure.name === 'AbortError';
  const reason = failure.cause?.message ?? failure.message ?? String(error);
  return new M365RequestError(
    {
      service,
      status: 0,
      code: timedOut ? 'timeout' : 'network-error',
      message: `${timedOut ? 'No answer in time' : 'Request failed'} from ${new URL(url).origin}: ${reason}`,
      retryable: true,
    },
    { cause: error },
  );
}
