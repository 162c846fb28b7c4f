// Turns the host instances' outgoing request counts (by `host:port`, see dev/instances/countOutgoingRequests.ts) into
// requests per photo by service: how many round trips to storage and to Microsoft 365 one photo costs the app.

export type RequestCounts = Record<string, number>;

/** `host:port` → service name, for every endpoint the stack runs; anything else keeps its `host:port`. */
export function endpointNames(endpoints: Record<string, string | undefined>): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, url] of Object.entries(endpoints)) if (url) names.set(new URL(url).host, name);
  return names;
}

/** Requests per photo between two counts, by service, largest first. */
export function requestsPerPhoto(
  before: RequestCounts,
  after: RequestCounts,
  names: Map<string, string>,
  photos: number,
): Array<[string, number]> {
  const byService = new Map<string, number>();
  for (const [destination, count] of Object.entries(after)) {
    const service = names.get(destination) ?? destination;
    byService.set(service, (byService.get(service) ?? 0) + count - (before[destination] ?? 0));
  }
  return [...byService.entries()]
    .filter(([, count]) => count > 0)
    .map(([service, count]): [string, number] => [service, count / Math.max(1, photos)])
    .sort((a, b) => b[1] - a[1]);
}

/** The counts of several instances added up. */
export function sumCounts(counts: RequestCounts[]): RequestCounts {
  const total: RequestCounts = {};
  for (const one of counts) for (const [key, value] of Object.entries(one)) total[key] = (total[key] ?? 0) + value;
  return total;
}
