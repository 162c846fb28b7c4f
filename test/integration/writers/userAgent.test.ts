// Every request the pipeline sends to Graph and SharePoint carries the decorated User-Agent SharePoint asks for
// (`NONISV|{company}|{app}/{version}`), read back from the emulator's per-route User-Agent counts after an HR photo
// went through ingest and both writers.
// https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online

import path from 'node:path';
import sharp from 'sharp';
import { BlobServiceClient } from '@azure/storage-blob';
import { loadM365Config } from '../../../src/config';
import { containers } from '../../../src/storage/names';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';

const functions = path.resolve(__dirname, '../../../src/functions');

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({
    functionModules: ['ingestPhoto.ts', 'writeExchangePhoto.ts', 'writeSharePointPhoto.ts'].map((f) =>
      path.join(functions, f),
    ),
    extraSettings: { USER_AGENT_COMPANY: 'Fabrikam' },
  });
});

afterAll(async () => {
  await stack?.stop();
});

test('the Graph photo write and the SharePoint uploads carry the NONISV User-Agent with the configured company', async () => {
  const expected = loadM365Config(stack.settings).userAgent;
  expect(expected).toMatch(/^NONISV\|Fabrikam\|M365PhotoSync\/\d+\.\d+\.\d+$/);
  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  if (!user) throw new Error('the demo tenant has no user with a mailbox');

  const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#3366aa' } })
    .jpeg()
    .toBuffer();
  await BlobServiceClient.fromConnectionString(stack.storageConnectionString)
    .getContainerClient(containers.incoming)
    .getBlockBlobClient(`${user.userPrincipalName}.jpg`)
    .uploadData(jpeg, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });

  const agents = await waitFor(
    () => {
      const byRoute = stack.emulator.control.stats().userAgentsByRoute;
      const put = byRoute['graph PUT photo.value.put'];
      const uploads = byRoute['mySite POST sp.files.add'];
      return put && uploads && Object.values(uploads).reduce((a, b) => a + b, 0) >= 3 ? { put, uploads } : undefined;
    },
    { timeoutMs: 30_000, what: 'the Graph photo write and the three SharePoint uploads' },
  );
  expect(agents.put).toEqual({ [expected]: 1 });
  expect(agents.uploads).toEqual({ [expected]: 3 });

  // Not only the writes: every Graph and SharePoint request the pipeline made (reads, profile properties) did too.
  await stack.host.waitForIdle({ timeoutMs: 30_000 });
  const services = Object.entries(stack.emulator.control.stats().userAgentsByRoute).filter(([route]) =>
    /^(graph|mySite|admin) /.test(route),
  );
  expect(services.map(([route]) => route)).toEqual(
    expect.arrayContaining(['graph PUT photo.value.put', 'mySite POST sp.files.add']),
  );
  for (const [route, byAgent] of services) {
    expect({ route, agents: Object.keys(byAgent) }).toEqual({ route, agents: [expected] });
  }
});
