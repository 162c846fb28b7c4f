import { decodeParkedReport } from '../../../src/storage/ParkedUploadQueue';
import { encodeQueueMessage } from '../../../src/storage/queueMessageEncoding';

const report = {
  Type: 'BlobTrigger',
  FunctionId: 'Host.Functions.ingestPhoto',
  BlobType: 'BlockBlob',
  ContainerName: 'photos-incoming',
  BlobName: 'ana@contoso.com.jpg',
  ETag: '"0x8DC"',
};

describe('decodeParkedReport', () => {
  it("reads the host's report base64-encoded (its default) or as plain JSON", () => {
    expect(decodeParkedReport(encodeQueueMessage(report))).toEqual(report);
    expect(decodeParkedReport(JSON.stringify(report))).toEqual(report);
  });

  it('gives undefined for text that is neither', () => {
    expect(decodeParkedReport('not json')).toBeUndefined();
    expect(decodeParkedReport('')).toBeUndefined();
  });
});
