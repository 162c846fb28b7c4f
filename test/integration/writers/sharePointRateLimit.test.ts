// The SharePoint client against the emulator's SharePoint throttling, which (like SharePoint Online) budgets in
// resource units (a profile write costs 4 here) and adds RateLimit-Limit/-Remaining/-Reset to some of its answers once
// an app has used 80 % of its window (best effort: every other one). The same burst is sent by two apps (each has its
// own budget): one paces itself by those headers, the other does not.

import { ensureDevCertificateAuthority } from '../../../dev/devCertificates';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { createM365Clients } from '../../../src/m365/createM365Clients';
import type { SharePointClient } from '../../../src/m365/SharePointClient';
import { emulatorM365Config } from './emulatorM365Config';

/** Resource units per window: ten profile writes. */
const limit = 40;
const windowMs = 2_000;
const workers = 4;
const requestsPerWorker = 6;

let emulator: M365Emulator;

beforeAll(async () => {
  emulator = await startM365Emulator({
    ports: { login: 0, graph: 0, mySite: 0, admin: 0 },
    certificateAuthority: ensureDevCertificateAuthority(),
    throttling: [{ service: 'sharepoint', limit, windowMs }],
  });
  // A second app with its own budget, so the two runs do not share a window.
  emulator.control.grantRoles('noRoles', 'sharepoint', ['Sites.FullControl.All', 'User.ReadWrite.All']);
});

afterAll(async () => {
  await emulator?.close();
});

interface BurstResult {
  succeeded: number;
  failed: number;
  throttled: number;
  rateLimitHeaders: number;
}

/** `workers` callers, each setting a profile property `requestsPerWorker` times in a row, as queue workers would. */
async function burst(client: SharePointClient): Promise<BurstResult> {
  const upn = emulator.users[0]?.userPrincipalName ?? '';
  const before = emulator.control.stats();
  let succeeded = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; i < requestsPerWorker; i++) {
        try {
          await client.setProfileProperty(upn, 'SPS-PictureTimestamp', String(worker * 100 + i));
          succeeded += 1;
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const after = emulator.control.stats();
  return {
    succeeded,
    failed,
    throttled: after.throttled - before.throttled,
    rateLimitHeaders: after.rateLimitHeaders - before.rateLimitHeaders,
  };
}

it('sends RateLimit headers only from 80 % of the window on, and with its 429s', async () => {
  const clients = createM365Clients(emulatorM365Config(emulator), {
    retry: { maxTries: 1 },
    paceByRateLimitHeaders: false,
  });
  const url = `${emulator.urls.adminSiteUrl}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='i:0%23.f|membership|${emulator.users[0]?.userPrincipalName ?? ''}'`;
  // Runs first, on a window no earlier request used.
  // A read costs 2 units: ten units admit five. Headers with every eligible answer, to read their arithmetic.
  emulator.control.setThrottling({ service: 'sharepoint', limit: 10, windowMs: 60_000, rateLimitHeaders: 'always' });
  const answers: Array<{ status: number; limit: string | null; remaining: string | null; reset: string | null }> = [];
  for (let i = 0; i < 7; i++) {
    const response = await clients.transport.send('sharepoint', url);
    await response.body?.cancel();
    answers.push({
      status: response.status,
      limit: response.headers.get('ratelimit-limit'),
      remaining: response.headers.get('ratelimit-remaining'),
      reset: response.headers.get('ratelimit-reset'),
    });
  }
  emulator.control.setThrottling({ service: 'sharepoint', limit, windowMs });
  const statuses = answers.map((a) => a.status);
  const firstThrottled = statuses.indexOf(429);
  expect(firstThrottled).toBeGreaterThan(0);
  // Before the 4th admitted read (8 of 10 units) no headers; from then on Limit/Remaining/Reset count down.
  const admitted = answers.slice(0, firstThrottled);
  const withHeaders = admitted.filter((a) => a.remaining !== null);
  expect(withHeaders.length).toBeGreaterThan(0);
  expect(admitted.length - withHeaders.length).toBeGreaterThan(0);
  for (const a of withHeaders) expect(a.limit).toBe('10');
  expect(withHeaders.at(-1)?.remaining).toBe('0');
  expect(answers[firstThrottled]).toMatchObject({ limit: '10', remaining: '0' });
  expect(Number(answers[firstThrottled]?.reset)).toBeGreaterThan(0);
}, 30_000);

it('gets fewer 429s and loses no request when it paces by the RateLimit headers', async () => {
  const retry = { maxTries: 3, baseDelayMs: 50, maxDelayMs: 200, maxInProcessWaitMs: 5_000 };
  // The paced app is the one whose window may still hold the previous test's requests: if anything, that counts
  // against pacing.
  const unpaced = createM365Clients(emulatorM365Config(emulator, { app: 'noRoles' }), {
    retry,
    paceByRateLimitHeaders: false,
  });
  const paced = createM365Clients(emulatorM365Config(emulator), { retry });

  const without = await burst(unpaced.sharePoint);
  const withPacing = await burst(paced.sharePoint);

  expect(without.throttled).toBeGreaterThan(0);
  expect(withPacing.rateLimitHeaders).toBeGreaterThan(0);
  expect(withPacing.throttled).toBeLessThan(without.throttled);
  expect(withPacing).toMatchObject({ succeeded: workers * requestsPerWorker, failed: 0 });
}, 60_000);
