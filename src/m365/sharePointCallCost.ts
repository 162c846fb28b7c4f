// What a SharePoint call costs in resource units, the currency of SharePoint's per-app budget. Microsoft publishes
// Graph's costs (1 for a single item, 2 for a collection or a write, 5 for permissions) and says CSOM and REST calls
// "usually consume more", without figures. These defaults are that reading (the emulator charges the same); what a
// real tenant charges is unknown (docs/writers.md): RateLimit-Remaining, when sent, corrects the pacer's account.
// https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online

export interface SharePointCallCosts {
  read: number;
  list: number;
  write: number;
}

export const defaultSharePointCallCosts: SharePointCallCosts = { read: 2, list: 3, write: 4 };

/** A write (POST/PUT/PATCH/MERGE/DELETE), a collection read (`…/Folders`, `…/Files`, `…/items`), or a single read. */
export function sharePointCallCost(
  request: { method: string; url: string },
  costs: SharePointCallCosts = defaultSharePointCallCosts,
): number {
  if (request.method.toUpperCase() !== 'GET') return costs.write;
  const path = new URL(request.url).pathname;
  return /\/(Folders|Files|items)$/i.test(path) ? costs.list : costs.read;
}
