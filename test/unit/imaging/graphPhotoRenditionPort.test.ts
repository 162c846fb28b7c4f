import { graphPhotoRenditionPort } from '../../../src/imaging/graphPhotoRenditionPort';
import type { PhotoOwner } from '../../../src/pipeline/messages/messageContracts';
import type { RenditionImage, RenditionRef, Renditions } from '../../../src/pipeline/messages/renditions';
import { PhotoRejectedError } from '../../../src/pipeline/ingest/PhotoRejectedError';
import { loadIngestConfig } from '../../../src/config';
import type { RenditionOptions } from '../../../src/imaging/renderRenditions';
import { solid } from '../../support/generatedImages';

const OWNER: PhotoOwner = {
  userId: '11111111-1111-4111-8111-111111111111',
  userPrincipalName: 'adele.vance@contoso.com',
};
// The product's defaults (no settings): 648, 48/72/200, 96 px minimum side, 50 MB, 50 MP.
const rendering: RenditionOptions = loadIngestConfig({});

/** Keeps what it was asked to store and answers with refs named like photos-processed. */
function recordingStore() {
  const writes: { owner: PhotoOwner; contentHash: string; renditions: Renditions<RenditionImage> }[] = [];
  const refOf = (contentHash: string, name: string, image: { width: number; height: number; data: Buffer }) =>
    ({
      blobName: `11111111-1111-4111-8111-111111111111/${contentHash}/${name}.jpg`,
      width: image.width,
      height: image.height,
      bytes: image.data.length,
    }) satisfies RenditionRef;
  return {
    writes,
    writeRenditions(owner: PhotoOwner, contentHash: string, renditions: Renditions<RenditionImage>) {
      writes.push({ owner, contentHash, renditions });
      return Promise.resolve({
        exchange: refOf(contentHash, 'exchange', renditions.exchange),
        small: refOf(contentHash, 'S', renditions.small),
        medium: refOf(contentHash, 'M', renditions.medium),
        large: refOf(contentHash, 'L', renditions.large),
      });
    },
  };
}

describe('graphPhotoRenditionPort', () => {
  it('renders a Graph photo smaller than the HR minimum side instead of rejecting it', async () => {
    const store = recordingStore();
    const tiny = await solid(48, 48).jpeg().toBuffer();
    const result = await graphPhotoRenditionPort(store, { rendering }).renderAndStore(OWNER, tiny);
    expect(store.writes).toHaveLength(1);
    expect(store.writes[0]?.owner).toEqual(OWNER);
    expect(store.writes[0]?.contentHash).toBe(result.contentHash);
    expect(result.thumbnails.medium).toMatchObject({
      blobName: `11111111-1111-4111-8111-111111111111/${result.contentHash}/M.jpg`,
      width: 72,
    });
    expect(Object.keys(result.thumbnails).sort()).toEqual(['large', 'medium', 'small']);
  });

  it('still rejects bytes that are not an image', async () => {
    const store = recordingStore();
    const port = graphPhotoRenditionPort(store, { rendering });
    await expect(port.renderAndStore(OWNER, Buffer.from('not an image'))).rejects.toBeInstanceOf(PhotoRejectedError);
    expect(store.writes).toHaveLength(0);
  });
});
