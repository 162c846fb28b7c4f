// Transport: Node's fetch, the end of the chain. A call that got no answer at all (DNS, reset connection, TLS, the
// timeout policy's abort) becomes an M365RequestError with status 0, which the retry policy may try again.

import { m365ErrorFromNetworkFailure } from '../M365RequestError';
import type { SendRequest } from './M365Policy';

export const fetchTransport: SendRequest = async (request) => {
  try {
    return await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined && request.body !== null ? { body: request.body } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    throw m365ErrorFromNetworkFailure(request.service, request.url, error);
  }
};
