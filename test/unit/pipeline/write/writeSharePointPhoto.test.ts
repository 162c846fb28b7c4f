import {
  SHAREPOINT_WRITE_SCHEMA,
  type SharePointPhotoWriteMessage,
} from '../../../../src/pipeline/messages/messageContracts';
import {
  SECONDS_FROM_YEAR_ONE_TO_UNIX_EPOCH,
  sharePointPictureTimestamp,
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
  blobName: `22222222-2222-4222-8222-222222222222/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/${name}.jpg`,
  width: size,
  height: size,
  bytes: 10,
});

function message(): SharePointPhotoWriteMessage {
  return {
    sharePointPhotoWrite: {
      schema: SHAREPOINT_WRITE_SCHEMA,
      correlationId: 'c-2',
      owner: { userId: '22222222-2222-4222-8222-222222222222', userPrincipalName: 'megan@contoso.com' },
      contentHash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
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
  /** Failures for the next calls setting a property, by property name. */
  readonly propertyFailures = new Map<string, Error[]>();

  withReservedRequests<T>(requests: number, work: (calls: SharePointPhotoCalls) => Promise<T>): Promise<T> {
    this.reservations.push(requests);
    if (this.reservationFailure) return Promise.reject(this.reservationFailure);
    // The calls are only handed out under a reservation: the writer cannot reach SharePoint outside one.
    return work({
      uploadThumbnail: (upn, size, jpeg) => this.uploadThumbnail(upn, size, jpeg),
      thumbnailUrl: (upn, size) => this.thumbnailUrl(upn, size),
      setProfileProperty: (upn, name, value) => this.setProfileProperty(upn, name, value),
    });
  }

  uploadThumbnail(upn: string, size: ThumbnailSizeLetter, jpeg: Buffer): Promise<string> {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.uploads.push({ size, bytes: jpeg.toString() });
    return this.thumbnailUrl(upn, size);
  }
  thumbnailUrl(upn: string, size: ThumbnailSizeLetter): Promise<string> {
    return Promise.resolve(
      `https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/${upn}_${size}Thumb.jpg`,
    );
  }
  readonly principals = new Set<string>();
  setProfileProperty(upn: string, name: string, value: string): Promise<void> {
    this.principals.add(upn);
    const failure = this.propertyFailures.get(name)?.shift();
    if (failure) return Promise.reject(failure);
    this.properties.set(name, value);
    return Promise.resolve();
  }
}

function setup() {
  const sharePoint = new FakeSharePoint();
  const state = new InMemoryPhotoState();
  const rescheduler = new RecordingRescheduler<SharePointPhotoWriteMessage>();
  const renditions = { readRendition: (name: string) => Promise.resolve(Buffer.from(name)) };
  const clock = { now: new Date('2026-11-23T10:00:07Z') };
  const now = () => clock.now;
  // The directory's UPN for the message's object id: the one the writer must use, whatever the message says.
  const directory = {
    findUserById: (id: string) =>
      Promise.resolve(
        id === message().sharePointPhotoWrite.owner.userId ? { userPrincipalName: 'megan@contoso.com' } : undefined,
      ),
  };
  return {
    sharePoint,
    state,
    rescheduler,
    clock,
    deps: { sharePoint, state, rescheduler, renditions, directory, now, enabled: true },
  };
}

const userNotFound = () =>
  m365Failure({
    service: 'sharepoint',
    status: 500,
    code: '-1, Microsoft.Office.Server.UserProfiles.UserNotFoundException',
    message: 'User Profile Error 1000: User Not Found: Could not load profile data from the database.',
  });

describe('writeSharePointPhoto', () => {
  it("writes to the directory's user for the message's object id, never to the UPN the message names", async () => {
    const { sharePoint, state, deps } = setup();
    const forged = message();
    forged.sharePointPhotoWrite.owner.userPrincipalName = 'mallory@contoso.com';
    await expect(runWriter(writer(deps), forged, deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect([...sharePoint.principals]).toEqual(['megan@contoso.com']);
    const row = await state.get(forged.sharePointPhotoWrite.owner.userId, 'sharepoint');
    expect(row?.userPrincipalName).toBe('megan@contoso.com');
  });

  it('records user-not-found, and touches nothing in SharePoint, when the directory has no such user', async () => {
    const { sharePoint, state, deps } = setup();
    const gone = message();
    gone.sharePointPhotoWrite.owner.userId = '99999999-9999-4999-8999-999999999999';
    for (const ref of Object.values(gone.sharePointPhotoWrite.thumbnails)) {
      ref.blobName = ref.blobName.replace(/^[^/]+/, gone.sharePointPhotoWrite.owner.userId);
    }
    await expect(runWriter(writer(deps), gone, deps.rescheduler)).resolves.toMatchObject({
      outcome: 'permanent-failure',
      code: 'user-not-found',
    });
    expect(sharePoint.uploads).toHaveLength(0);
    expect(sharePoint.reservations).toHaveLength(0);
    expect((await state.get(gone.sharePointPhotoWrite.owner.userId, 'sharepoint'))?.lastErrorCode).toBe(
      'user-not-found',
    );
  });

  it('uploads the three thumbnails and points PictureURL at the medium one', async () => {
    const { sharePoint, state, deps } = setup();
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect(sharePoint.uploads).toEqual([
      {
        size: 'S',
        bytes:
          '22222222-2222-4222-8222-222222222222/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/S.jpg',
      },
      {
        size: 'M',
        bytes:
          '22222222-2222-4222-8222-222222222222/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/M.jpg',
      },
      {
        size: 'L',
        bytes:
          '22222222-2222-4222-8222-222222222222/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/L.jpg',
      },
    ]);
    expect(Object.fromEntries(sharePoint.properties)).toEqual({
      PictureURL: 'https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/megan@contoso.com_MThumb.jpg',
      'SPS-PicturePlaceholderState': '0',
      // Seconds since 0001-01-01, as SharePoint keeps it (63,783,110,969 was 2022-03-17 on a real tenant).
      'SPS-PictureTimestamp': String(Date.parse('2026-11-23T10:00:07Z') / 1000 + 62_135_596_800),
      'SPS-PictureExchangeSyncState': '0',
    });
    expect(await state.get('22222222-2222-4222-8222-222222222222', 'sharepoint')).toMatchObject({
      lastContentHash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      lastOutcome: 'written',
    });
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
    expect((await state.get('22222222-2222-4222-8222-222222222222', 'sharepoint'))?.lastErrorMessage).toMatch(
      /certificate/,
    );
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

  it("writes SPS-PictureTimestamp in SharePoint's epoch, matching a value read back from a real tenant", () => {
    // 63,783,110,969 read back from GetPropertiesFor on 2022-03-17.
    expect(new Date((63_783_110_969 - SECONDS_FROM_YEAR_ONE_TO_UNIX_EPOCH) * 1000).toISOString()).toMatch(
      /^2022-03-17/,
    );
    expect(sharePointPictureTimestamp(new Date('2022-03-17T12:00:00Z'))).toMatch(/^637831/);
  });

  it('waits for a profile SharePoint has not provisioned yet, then resumes without uploading again', async () => {
    const { sharePoint, state, rescheduler, clock, deps } = setup();
    sharePoint.propertyFailures.set('PictureURL', [userNotFound(), userNotFound()]);
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'waiting',
      code: 'waiting-for-profile',
      delayMs: 5 * 60_000,
    });
    // The same write comes back later, not a new attempt and not the poison queue.
    expect(rescheduler.rescheduled.map((r) => [r.message.sharePointPhotoWrite.attempt, r.delayMs])).toEqual([
      [0, 5 * 60_000],
    ]);
    expect(rescheduler.deadLettered).toEqual([]);
    expect(await state.get('22222222-2222-4222-8222-222222222222', 'sharepoint')).toMatchObject({
      lastOutcome: 'waiting',
      lastErrorCode: 'waiting-for-profile',
      waitingSince: '2026-11-23T10:00:07.000Z',
      resumeContentHash: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      resumeSteps: 'S,M,L',
    });

    // Two hours later: still no profile; the wait grows with the time waited.
    clock.now = new Date('2026-11-23T12:00:07Z');
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'waiting',
      delayMs: 2 * 3_600_000,
    });
    clock.now = new Date('2026-11-23T16:00:07Z');
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect(sharePoint.uploads).toHaveLength(3);
    expect(sharePoint.properties.get('PictureURL')).toMatch(/_MThumb\.jpg$/);
    expect(await state.get('22222222-2222-4222-8222-222222222222', 'sharepoint')).toMatchObject({
      lastOutcome: 'written',
      waitingSince: '',
      resumeSteps: '',
    });
  });

  it('gives up waiting for a profile after days, with what to check', async () => {
    const { sharePoint, state, clock, deps } = setup();
    sharePoint.propertyFailures.set('PictureURL', [userNotFound(), userNotFound()]);
    await runWriter(writer(deps), message(), deps.rescheduler);
    clock.now = new Date('2026-12-01T10:00:07Z');
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'permanent-failure',
      code: 'no-sharepoint-profile',
    });
    expect((await state.get('22222222-2222-4222-8222-222222222222', 'sharepoint'))?.lastErrorMessage).toMatch(
      /Waited 8 day\(s\).*User profiles/,
    );
  });

  it('fails once, naming the property and how an admin makes it editable, for PropertyNotEditableException', async () => {
    const { sharePoint, state, rescheduler, deps } = setup();
    sharePoint.propertyFailures.set('SPS-PictureTimestamp', [
      m365Failure({
        service: 'sharepoint',
        status: 500,
        code: '-1, Microsoft.Office.Server.UserProfiles.PropertyNotEditableException',
        message: 'Property Not Editable: This property can only be modified by an administrator.',
      }),
    ]);
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'permanent-failure',
      code: 'profile-property-not-editable',
    });
    expect(rescheduler.rescheduled).toEqual([]);
    const recorded = (await state.get('22222222-2222-4222-8222-222222222222', 'sharepoint'))?.lastErrorMessage ?? '';
    expect(recorded).toMatch(/set SPS-PictureTimestamp/);
    expect(recorded).toMatch(/Manage User Properties > SPS-PictureTimestamp > Edit.*Allow users to edit values/);
  });

  it('reschedules any other SharePoint 500 as unavailable, and its retry resumes at the step that failed', async () => {
    const { sharePoint, deps } = setup();
    sharePoint.propertyFailures.set('SPS-PicturePlaceholderState', [
      m365Failure({ service: 'sharepoint', status: 500, code: '-2146232832, Microsoft.SharePoint.SPException' }),
    ]);
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toMatchObject({
      outcome: 'rescheduled',
      code: 'unavailable',
    });
    await expect(runWriter(writer(deps), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'written',
    });
    expect(sharePoint.uploads).toHaveLength(3);
    expect(sharePoint.reservations).toEqual([7, 3]);
  });

  it('does nothing when SharePoint is not a sync target', async () => {
    const { sharePoint, deps } = setup();
    await expect(runWriter(writer({ ...deps, enabled: false }), message(), deps.rescheduler)).resolves.toEqual({
      outcome: 'disabled',
    });
    expect(sharePoint.uploads).toHaveLength(0);
  });
});
