// Counts the HTTP requests this process makes, by destination (`host:port`), from Node's diagnostics channels:
// node:http for the Azure Storage SDKs, undici for `fetch`, which the Microsoft 365 transport uses. A host instance
// reports the counts with its memory, so the benchmarks can print each photo's requests by service.

import diagnostics_channel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export function countOutgoingRequests(): () => Record<string, number> {
  const counts = new Map<string, number>();
  const add = (destination: string): void => {
    counts.set(destination, (counts.get(destination) ?? 0) + 1);
  };
  diagnostics_channel.subscribe('http.client.request.start', (message) => {
    const host = (message as { request: ClientRequest }).request.getHeader('host');
    add(typeof host === 'string' ? host : 'unknown');
  });
  diagnostics_channel.subscribe('undici:request:create', (message) => {
    const origin = (message as { request: { origin?: string } }).request.origin;
    add(origin ? new URL(origin).host : 'unknown');
  });
  return () => Object.fromEntries(counts);
}
