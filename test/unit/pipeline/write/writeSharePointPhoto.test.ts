import {
  SHAREPOINT_WRITE_SCHEMA,
  type SharePointPhotoWriteMessage,
} from '../../../../src/pipeline/messages/messageContracts';
import {
  writeSharePointPhoto,
  type SharePointPhotoCalls,
  type SharePointPhotoPort,
  type ThumbnailSizeLetter,
} from '../../../../src/pipeline/write/writeSharePointPhoto';
import { photoWriterOf } from '../../../../src/pipeline/write/handlePhotoWriteMessage';
import { sharePointWrites } from '../../../../src/pipeline/messages/writeMessages';
import { InMemoryPhotoState, RecordingRescheduler, m365Failure, runWriter } from './writeTestDoubles';

/** The writer as the composition root registers it. */
const writer = (deps: Parameters<typeof writeSharePointPhoto>[1]) =>
  photoWriterOf(sharePointWrites, 'sharepoint', deps, writeSharePointPhoto);

const ref = (name: string, size: number) => ({
  blobName: `u-2/hash-b/${name}.jpg`,
  width: size,
  height: size,
  bytes: 10,
});

function message(): SharePointPhotoWriteMessage {
  return {
    sharePointPhotoWrite: {
      schema: SHAREPOINT_WRITE_SCHEMA,
      correlationId: 'c-2',
      owner: { userId: 'u-2', userPrincipalName: 'megan@contoso.com' },
      contentHash: 'hash-b',
      origin: 'hr-upload',
      receivedAt: '2026-11-23T10:00:00.000Z',
      attempt: 0,
      thumbnails: { small: ref('S', 48), medium: ref('M', 72), large: ref('L', 200) },
    },
  };
}

class FakeSharePoint implements SharePointPhotoPort {
  readonly uploads: Array<{ size: ThumbnailSizeLetter; bytes: string }> = [];
  readonly properties = new Map<string, string>();
  failures: Error[] = [];
  readonly reservations: number[] = [];
  reservationFailure: Error | undefined;

  withReservedRequests<T>(requests: number, work: (calls: SharePointPhotoCalls) => Promise<T>): Promise<T> {
    this.reservations.push(requests);
    if (this.reservationFailure) return Promise.reject(this.reservationFailure);
    // The calls are only handed out under a reservation: the writer cannot reach SharePoint outside one.
    return work({
      uploadThumbnail: (upn, size, jpeg) => this.uploadThumbnail(upn, size, jpeg),
      setProfileProperty: (upn, name, value) => this.setProfileProperty(upn, name, value),
    });
  }

  uploadThumbnail(upn: string, size: ThumbnailSizeLetter, jpeg: Buffer): Promise<string> {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.uploads.push({ size, bytes: jpeg.toString() });
    return Promise.resolve(
      `https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/${upn}_${size}Thumb.jpg`,
    );
  }
  setProfileProperty(_upn: string, name: string, value: string): Promise<void> {
    this.properties.set(name, value);
    return Promise.resolve();
  }
}

function setup() {
  const sharePoint = new FakeSharePoint();
  const state = new InMemoryPhotoState();
  const rescheduler = new RecordingRescheduler<SharePointPhotoWriteMessage>();
  const renditions = { readRendition: (name: string) => Promise.resolve(Buffer.from(name)) };
  const now = () => new Date('2026-11-23T10:00:07Z');
  return { sharePoint, state, rescheduler, deps: { sharePoint, state, rescheduler, renditions, now, enabled: true } };
}

describe('writeSharePointPhoto', () => {
  it('uploads the three thumbnails and points PictureURL at the medium one', async () => {
    const { sharePoint, state, deps } = setup();
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect(sharePoint.uploads).toEqual([
      { size: 'S', bytes: 'u-2/hash-b/S.jpg' },
      { size: 'M', bytes: 'u-2/hash-b/M.jpg' },
      { size: 'L', bytes: 'u-2/hash-b/L.jpg' },
    ]);
    expect(Object.fromEntries(sharePoint.properties)).toEqual({
      PictureURL: 'https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/megan@contoso.com_MThumb.jpg',
      'SPS-PicturePlaceholderState': '0',
      'SPS-PictureTimestamp': String(Date.parse('2026-11-23T10:00:07Z') / 1000),
      'SPS-PictureExchangeSyncState': '0',
    });
    expect(await state.get('u-2', 'sharepoint')).toMatchObject({ lastContentHash: 'hash-b', lastOutcome: 'written' });
  });

  it('skips a duplicate message without uploading again', async () => {
    const { sharePoint, deps } = setup();
    await runWriter(writer(deps), message(), deps.rescheduler);
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'skipped-duplicate',
    });
    expect(sharePoint.uploads).toHaveLength(3);
  });

  it('records a refused app-only token with the certificate advice', async () => {
    const { sharePoint, state, deps } = setup();
    sharePoint.failures.push(
      m365Failure({ service: 'sharepoint', status: 401, message: 'Unsupported app only token.' }),
    );
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'permanent-failure',
      code: 'certificate-required',
    });
    expect((await state.get('u-2', 'sharepoint'))?.lastErrorMessage).toMatch(/certificate/);
  });

  it('reschedules a throttled upload', async () => {
    const { sharePoint, rescheduler, deps } = setup();
    sharePoint.failures.push(m365Failure({ service: 'sharepoint', status: 429, retryAfterMs: 3_000 }));
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'rescheduled',
      delayMs: 3_000,
    });
    expect(rescheduler.rescheduled[0]?.message.sharePointPhotoWrite.attempt).toBe(1);
  });

  it('reserves all seven calls of a photo before the first, and reschedules with nothing sent when it cannot', async () => {
    const { sharePoint, rescheduler, deps } = setup();
    sharePoint.reservationFailure = m365Failure({ service: 'sharepoint', status: 429, retryAfterMs: 8_000 });
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'rescheduled',
      delayMs: 8_000,
    });
    expect(sharePoint.reservations).toEqual([7]);
    expect(sharePoint.uploads).toHaveLength(0);
    expect(sharePoint.properties.size).toBe(0);
    expect(rescheduler.rescheduled).toHaveLength(1);
  });

  it('does nothing when SharePoint is not a sync target', async () => {
    const { sharePoint, deps } = setup();
    await expect(runWriter(writer({ ...deps, enabled: false }), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'disabled',
    });
    expect(sharePoint.uploads).toHaveLength(0);
  });
});
