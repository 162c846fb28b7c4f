import type { PhotoManifest } from '../../../../src/pipeline/ingest/photoManifest';
import { PhotoRejectedError } from '../../../../src/pipeline/ingest/PhotoRejectedError';
import { fileNameStem, resolveUser, type ResolveUserOptions } from '../../../../src/pipeline/ingest/resolveUser';
import { InMemoryDirectory } from '../../../support/InMemoryDirectory';

const adeleId = '3f9a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';
const alexId = '0b1c2d3e-4f5a-4b7c-8d9e-0f1a2b3c4d5e';

function setup(manifests: PhotoManifest[] = []): { directory: InMemoryDirectory; options: ResolveUserOptions } {
  const directory = new InMemoryDirectory();
  directory.add({ id: adeleId, userPrincipalName: 'AdeleV@contoso.com', employeeId: '004711' });
  directory.add({ id: alexId, userPrincipalName: 'AlexW@contoso.com', employeeId: '004712' });
  directory.add({
    id: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
    userPrincipalName: 'dup1@contoso.com',
    employeeId: '777',
  });
  directory.add({
    id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    userPrincipalName: 'dup2@contoso.com',
    employeeId: '777',
  });
  return { directory, options: { directory, loadManifests: () => Promise.resolve(manifests) } };
}

async function rejection(promise: Promise<unknown>): Promise<PhotoRejectedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PhotoRejectedError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const manifest = (name: string, rows: [string, string][], receivedAt = '2026-03-01T00:00:00Z'): PhotoManifest => ({
  name,
  receivedAt: new Date(receivedAt),
  rows: rows.map(([userPrincipalName, fileName], i) => ({ userPrincipalName, fileName, line: i + 2 })),
});

describe('resolveUser', () => {
  it('finds the user from a file named after their UPN, whatever the case', async () => {
    const { options } = setup();
    const resolved = await resolveUser({ blobName: 'adelev@CONTOSO.com.jpg', metadata: {} }, options);
    expect(resolved).toEqual({
      owner: { userId: adeleId, userPrincipalName: 'AdeleV@contoso.com' },
      source: 'file-name',
    });
  });

  it('keeps the domain of a UPN file name that has no image extension', () => {
    expect(fileNameStem('photos/AdeleV@contoso.com')).toBe('AdeleV@contoso.com');
    expect(fileNameStem('AdeleV@contoso.com.HEIC')).toBe('AdeleV@contoso.com');
  });

  it('finds the user from a file named after their Entra object id', async () => {
    const { options } = setup();
    const resolved = await resolveUser({ blobName: `${alexId.toUpperCase()}.png`, metadata: {} }, options);
    expect(resolved.owner.userId).toBe(alexId);
  });

  it('finds the user from an employee id only when a pattern says what an employee id looks like', async () => {
    const { options } = setup();
    const withPattern = { ...options, employeeIdPattern: /^(?:EMP-(\d{6}))$/ };
    expect((await resolveUser({ blobName: 'EMP-004712.jpg', metadata: {} }, withPattern)).owner.userId).toBe(alexId);
    expect((await rejection(resolveUser({ blobName: 'EMP-004712.jpg', metadata: {} }, options))).code).toBe(
      'no-user-hint',
    );
  });

  it('rejects an employee id shared by two people as ambiguous', async () => {
    const { options } = setup();
    const error = await rejection(
      resolveUser({ blobName: '777.jpg', metadata: {} }, { ...options, employeeIdPattern: /^(?:\d+)$/ }),
    );
    expect(error.code).toBe('ambiguous-user');
    expect(error.message).toContain('dup1@contoso.com');
    expect(error.message).toContain('dup2@contoso.com');
  });

  it('prefers blob metadata, read case-insensitively, over a file name that names nobody', async () => {
    const { options } = setup();
    const resolved = await resolveUser({ blobName: 'IMG_1234.jpg', metadata: { UPN: 'alexw@contoso.com' } }, options);
    expect(resolved).toEqual({
      owner: { userId: alexId, userPrincipalName: 'AlexW@contoso.com' },
      source: 'metadata:upn',
    });
  });

  it('accepts a userid metadata value with the object id', async () => {
    const { options } = setup();
    expect((await resolveUser({ blobName: 'x.jpg', metadata: { userid: adeleId } }, options)).source).toBe(
      'metadata:userid',
    );
  });

  it('rejects metadata that names an unknown user instead of falling back to the file name', async () => {
    const { options } = setup();
    const error = await rejection(
      resolveUser({ blobName: 'AdeleV@contoso.com.jpg', metadata: { upn: 'nobody@contoso.com' } }, options),
    );
    expect(error.code).toBe('unknown-user');
    expect(error.message).toContain('"nobody@contoso.com" (from metadata:upn)');
  });

  it('rejects metadata and a file name that name two different real people as ambiguous', async () => {
    const { options } = setup();
    const error = await rejection(
      resolveUser({ blobName: 'AdeleV@contoso.com.jpg', metadata: { upn: 'AlexW@contoso.com' } }, options),
    );
    expect(error.code).toBe('ambiguous-user');
  });

  it('rejects metadata upn and userid that disagree as ambiguous', async () => {
    const { options } = setup();
    const error = await rejection(
      resolveUser({ blobName: 'x.jpg', metadata: { upn: 'AdeleV@contoso.com', userid: alexId } }, options),
    );
    expect(error.code).toBe('ambiguous-user');
  });

  it('ignores a weaker hint that names nobody, such as an old UPN in the file name', async () => {
    const { options } = setup();
    const resolved = await resolveUser(
      { blobName: 'adele.old@contoso.com.jpg', metadata: { upn: 'AdeleV@contoso.com' } },
      options,
    );
    expect(resolved.owner.userId).toBe(adeleId);
  });

  it('uses the newest manifest listing the photo when neither metadata nor file name says who it is', async () => {
    const { options } = setup([
      manifest('old.csv', [['AdeleV@contoso.com', 'IMG_0001.jpg']], '2026-02-01T00:00:00Z'),
      manifest('new.csv', [['AlexW@contoso.com', 'IMG_0001.jpg']], '2026-03-01T00:00:00Z'),
    ]);
    expect(await resolveUser({ blobName: 'IMG_0001.jpg', metadata: {} }, options)).toEqual({
      owner: { userId: alexId, userPrincipalName: 'AlexW@contoso.com' },
      source: 'manifest:new.csv',
    });
  });

  it('rejects a manifest that names an unknown user, or two users for one photo', async () => {
    const { options } = setup([
      manifest('users.csv', [
        ['ghost@contoso.com', 'a.jpg'],
        ['AdeleV@contoso.com', 'b.jpg'],
        ['AlexW@contoso.com', 'b.jpg'],
      ]),
    ]);
    expect((await rejection(resolveUser({ blobName: 'a.jpg', metadata: {} }, options))).code).toBe('unknown-user');
    expect((await rejection(resolveUser({ blobName: 'b.jpg', metadata: {} }, options))).code).toBe('ambiguous-user');
  });

  it('rejects a manifest row that contradicts the file name', async () => {
    const { options } = setup([manifest('users.csv', [['AlexW@contoso.com', 'AdeleV@contoso.com.jpg']])]);
    expect((await rejection(resolveUser({ blobName: 'AdeleV@contoso.com.jpg', metadata: {} }, options))).code).toBe(
      'ambiguous-user',
    );
  });

  it('rejects a photo with nothing to go on, telling HR the three ways to name the person', async () => {
    const { options } = setup();
    const error = await rejection(resolveUser({ blobName: 'IMG_1234.jpg', metadata: {} }, options));
    expect(error.code).toBe('no-user-hint');
    expect(error.message).toMatch(/user principal name.*metadata "upn".*manifest/s);
  });

  it('lets a directory failure through instead of turning it into a rejection', async () => {
    const { directory, options } = setup();
    directory.failuresToInject = 1;
    await expect(resolveUser({ blobName: 'AdeleV@contoso.com.jpg', metadata: {} }, options)).rejects.toMatchObject({
      retryable: true,
    });
  });
});
