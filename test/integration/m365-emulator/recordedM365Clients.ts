// The product's own Microsoft 365 clients (GraphClient, SharePointClient over M365Transport) with a transport that
// keeps a copy of every answer: conformance tests check what the emulator said to the calls the product really makes,
// not to requests written again by hand.

import { createM365Auth } from '../../../src/m365/M365Auth';
import { GraphClient } from '../../../src/m365/GraphClient';
import { M365Transport } from '../../../src/m365/M365Transport';
import { SharePointClient } from '../../../src/m365/SharePointClient';
import type { M365Service } from '../../../src/m365/M365RequestError';
import { fetchTransport } from '../../../src/m365/policies/fetchTransport';
import { defaultRetryOptions } from '../../../src/m365/policies/retryPolicy';
import type { M365Emulator } from '../../../dev/m365-emulator';
import { emulatorM365Config } from '../writers/emulatorM365Config';

export interface RecordedExchange {
  service: M365Service;
  method: string;
  url: URL;
  requestHeaders: Headers;
  status: number;
  contentType: string;
  body: Buffer;
}

export function recordedM365Clients(emulator: M365Emulator) {
  const exchanges: RecordedExchange[] = [];
  const config = emulatorM365Config(emulator);
  const auth = createM365Auth(config);
  const transport = new M365Transport({
    auth,
    userAgent: config.userAgent,
    // One try: a retried call would record the same answer twice and hide nothing.
    retry: { ...defaultRetryOptions, maxTries: 1, timeoutMs: config.httpTimeoutMs },
    transport: async (request) => {
      const response = await fetchTransport(request);
      exchanges.push({
        service: request.service,
        method: request.method,
        url: new URL(request.url),
        requestHeaders: new Headers(request.headers),
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: Buffer.from(await response.clone().arrayBuffer()),
      });
      return response;
    },
  });
  return {
    exchanges,
    graph: new GraphClient({ auth, transport, graphBaseUrl: config.graphBaseUrl }),
    sharePoint: new SharePointClient({
      auth,
      transport,
      mySiteUrl: config.mySiteUrl,
      adminSiteUrl: config.adminSiteUrl,
    }),
  };
}

/** The answer's JSON, or undefined when it has no body. */
export function jsonBody(exchange: RecordedExchange): unknown {
  return exchange.body.length === 0 ? undefined : (JSON.parse(exchange.body.toString('utf8')) as unknown);
}
