// Blob receipts are how instances of one app share a blob trigger: one instance delivers a version at a time (a
// lease on its receipt), a finished version is never delivered again, and a version whose delivery was given up is
// free for the next one. Against Azurite, with the receipt store the local host uses.

import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../../../dev/azurite';
import { BlobReceiptStore } from '../../../dev/runtime/BlobReceiptStore';
import { uniqueName } from '../../support/localStackFixture';

let azurite: Azurite;
let receipts: BlobReceiptStore;
let otherInstance: BlobReceiptStore;

beforeAll(async () => {
  azurite = await startAzurite({ ports: 'ephemeral', persistence: 'memory' });
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const hostId = uniqueName('host');
  receipts = new BlobReceiptStore(service, hostId);
  otherInstance = new BlobReceiptStore(service, hostId);
});

afterAll(async () => {
  await azurite?.stop();
});

const version = () => ({ container: 'photos-incoming', blobName: `${uniqueName('photo')}.jpg`, etag: '"0x8DC1"' });

describe('BlobReceiptStore', () => {
  it('lets one instance deliver a version while another finds it busy, and nobody deliver it once completed', async () => {
    const v = version();
    const claim = await receipts.claim('Host.Functions.ingestPhoto', v);
    expect(typeof claim).toBe('object');
    expect(await otherInstance.claim('Host.Functions.ingestPhoto', v)).toBe('busy');
    expect(await otherInstance.has('Host.Functions.ingestPhoto', v)).toBe(false);
    if (typeof claim !== 'object') throw new Error('not claimed');
    await claim.complete('completed');
    expect(await otherInstance.has('Host.Functions.ingestPhoto', v)).toBe(true);
    expect(await otherInstance.claim('Host.Functions.ingestPhoto', v)).toBe('done');
  });

  it('frees a released version for the next delivery, on any instance', async () => {
    const v = version();
    const claim = await receipts.claim('Host.Functions.ingestPhoto', v);
    if (typeof claim !== 'object') throw new Error('not claimed');
    await claim.release();
    const retry = await otherInstance.claim('Host.Functions.ingestPhoto', v);
    expect(typeof retry).toBe('object');
    if (typeof retry === 'object') await retry.complete('poisoned');
    expect(await receipts.has('Host.Functions.ingestPhoto', v)).toBe(true);
  });

  it('keeps receipts per function: another function still gets the version', async () => {
    const v = version();
    const claim = await receipts.claim('Host.Functions.ingestPhoto', v);
    if (typeof claim === 'object') await claim.complete('completed');
    expect(await receipts.has('Host.Functions.other', v)).toBe(false);
    const other = await receipts.claim('Host.Functions.other', v);
    expect(typeof other).toBe('object');
    // Released so its lease renewal stops: left running, it would renew against a stopped Azurite later in the run.
    if (typeof other === 'object') await other.release();
  });
});
