// Three instances' pacers lease SharePoint's budget from one ledger in Azurite's table storage: each keeps its own
// transport and pool, as three hosts would, and together they never send more than the budget in any span of one
// window, while still spending most of it.

import { TableClient } from '@azure/data-tables';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import type { BudgetShape } from '../../../src/m365/budgetLedger';
import type { M365Auth } from '../../../src/m365/M365Auth';
import { M365Transport } from '../../../src/m365/M365Transport';
import { defaultRetryOptions } from '../../../src/m365/policies/retryPolicy';
import { SharedUnitBudget } from '../../../src/m365/SharedUnitBudget';
import { sharePointCallCost } from '../../../src/m365/sharePointCallCost';
import { BudgetLedgerStore } from '../../../src/storage/BudgetLedgerStore';
import { uniqueName } from '../../support/localStackFixture';

let azurite: Azurite;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
});

afterAll(async () => {
  await azurite?.stop();
});

const auth: M365Auth = { credentialKind: 'certificate', getToken: () => Promise.resolve('token') };
const origin = 'https://contoso-my.sharepoint.com';
/** A photo's SharePoint calls: three uploads and three profile properties, four units each. */
const callsPerPhoto = 6;
const unitsPerPhoto = callsPerPhoto * 4;

interface Sent {
  at: number;
  units: number;
  instance: number;
}

function instance(n: number, table: TableClient, shape: BudgetShape, sent: Sent[]) {
  const budget = new SharedUnitBudget(new BudgetLedgerStore(table, 'sharepoint', shape));
  const m365 = new M365Transport({
    auth,
    userAgent: 'NONISV|Contoso|M365PhotoSync/0.1.0',
    retry: { ...defaultRetryOptions, timeoutMs: 5_000, maxPacedWaitMs: 60_000 },
    sharePointBudget: budget,
    transport: async (request) => {
      sent.push({ at: Date.now(), units: sharePointCallCost(request), instance: n });
      // A service that answers in a few milliseconds, without RateLimit headers (they are best effort).
      await new Promise((resolve) => setTimeout(resolve, 2));
      return new Response('{}', { status: 200 });
    },
  });
  return { m365, budget };
}

describe('a SharePoint budget shared through table storage', () => {
  it('keeps three instances together within the budget in every window, and spends most of it', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, uniqueName('budget').replace(/-/g, ''), {
      allowInsecureConnection: true,
    });
    // 240 units per 3 s in 300 ms slots: ten photos per window for the three instances together.
    const shape: BudgetShape = { units: 240, windowMs: 3_000, slots: 10 };
    const sent: Sent[] = [];
    const instances = [0, 1, 2].map((n) => instance(n, table, shape, sent));
    const started = Date.now();
    const runMs = 9_000;
    // Each instance runs four writers, each writing photos back to back until the run ends: work always waits.
    await Promise.all(
      instances.flatMap(({ m365 }) =>
        [0, 1, 2, 3].map(async () => {
          while (Date.now() - started < runMs) {
            await m365.withReservedRequests('sharepoint', origin, unitsPerPhoto, async (reservation) => {
              for (let call = 0; call < callsPerPhoto; call += 1) {
                await m365.request('sharepoint', `${origin}/_api/call${call}`, { method: 'POST', reservation });
              }
            });
          }
        }),
      ),
    );

    let worst = 0;
    const first = sent[0]?.at ?? started;
    for (const { at } of sent) {
      // Every span of one window that starts at a send (the worst spans start at one).
      const units = sent.filter((s) => s.at >= at && s.at < at + shape.windowMs).reduce((sum, s) => sum + s.units, 0);
      worst = Math.max(worst, units);
    }
    expect(worst).toBeLessThanOrEqual(shape.units);

    // Spent: units sent in the whole windows from the first send, against the budget of those windows.
    const windows = Math.floor((runMs - (first - started)) / shape.windowMs);
    const inWindows = sent.filter((s) => s.at < first + windows * shape.windowMs).reduce((sum, s) => sum + s.units, 0);
    expect(inWindows / (windows * shape.units)).toBeGreaterThanOrEqual(0.8);
    // Every instance got a share (none starved by the others' leases).
    for (const n of [0, 1, 2]) expect(sent.filter((s) => s.instance === n).length).toBeGreaterThan(0);
    // The fast path: far fewer table leases than calls.
    const leases = instances.reduce((sum, { budget }) => sum + budget.stats.leases, 0);
    expect(leases).toBeLessThan(sent.length / 2);
  });
});
