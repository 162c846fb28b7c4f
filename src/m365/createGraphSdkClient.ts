// We use @microsoft/microsoft-graph-client for Graph (URL building, OData query helpers, response parsing), with
// its middleware chain replaced by one terminal middleware over our M365Transport. Why replace the chain: the
// default RetryHandler sleeps any Retry-After inside the function (a 429 with `Retry-After: 120` would hold a
// worker for two minutes; we reschedule the queue message instead), and its AuthenticationHandler would need a
// second token source. A custom Graph host (the emulator, a national cloud) works through `baseUrl` plus
// `customHosts` (hostnames only): https://github.com/microsoftgraph/msgraph-sdk-javascript/blob/dev/docs/CustomHosts.md
// The SDK wraps every failure in its GraphError; `toM365RequestError` maps it back to our one error type.

import { Client, GraphError, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { M365RequestError, isM365RequestError } from './M365RequestError';
import { throttleDelayMs } from './readThrottleHeaders';
import type { M365Transport } from './M365Transport';

class M365TransportMiddleware implements Middleware {
  constructor(private readonly transport: M365Transport) {}

  async execute(context: Context): Promise<void> {
    // RequestInfo is a DOM type this Node project does not load: a URL string or a Request-like object.
    const request = context.request as string | { url: string };
    const url = typeof request === 'string' ? request : request.url;
    const options = context.options ?? {};
    // A non-2xx answer is left on the context: the SDK parses the Graph error body into a GraphError.
    context.response = await this.transport.send('graph', url, {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      body: options.body ?? null,
    });
  }
}

export function createGraphSdkClient(transport: M365Transport, graphBaseUrl: string): Client {
  return Client.initWithMiddleware({
    middleware: new M365TransportMiddleware(transport),
    baseUrl: graphBaseUrl,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(graphBaseUrl).hostname]),
  });
}

interface NetworkCause {
  name?: string;
  message?: string;
}

/** Our M365RequestError from whatever the SDK threw. */
export function toM365RequestError(error: unknown): M365RequestError {
  if (isM365RequestError(error)) return error;
  if (error instanceof GraphError) {
    // statusCode -1: the transport itself threw (no answer); the SDK kept only the name and text.
    if (error.statusCode <= 0) {
      const cause = error as NetworkCause;
      return new M365RequestError(
        { service: 'graph', status: 0, code: 'network-error', message: cause.message ?? 'No answer from Graph.' },
        { cause: error },
      );
    }
    const headers = error.headers;
    const requestId = error.requestId ?? headers?.get('request-id') ?? undefined;
    const retryAfterMs = headers ? throttleDelayMs(headers) : undefined;
    return new M365RequestError(
      {
        service: 'graph',
        status: error.statusCode,
        code: error.code ?? `HTTP${error.statusCode}`,
        message: error.message || (typeof error.body === 'string' ? error.body : `HTTP ${error.statusCode}`),
        ...(requestId ? { requestId } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
      { cause: error },
    );
  }
  return new M365RequestError(
    {
      service: 'graph',
      status: 0,
      code: 'client-error',
      message: (error as Error).message ?? String(error),
      retryable: false,
    },
    { cause: error },
  );
}
