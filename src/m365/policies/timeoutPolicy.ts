// Timeout: every try carries an AbortSignal that fires after `timeoutMs`, so no call can outlast the function's own
// timeout (host.json functionTimeout); the transport reports the abort as a retryable `timeout`.

import type { M365Policy } from './M365Policy';

export function timeoutPolicy(timeoutMs: number): M365Policy {
  return {
    name: 'timeout',
    send(request, next) {
      return next({ ...request, signal: AbortSignal.timeout(timeoutMs) });
    },
  };
}
