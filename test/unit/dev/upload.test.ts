import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectUploadFiles, contentTypeFor } from '../../../dev/upload/collectUploadFiles';
import { NoStorageConnectionError, resolveStorageConnection } from '../../../dev/upload/resolveStorageConnection';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'upload-unit-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('collectUploadFiles', () => {
  it('walks a folder, keeps sub-folders in blob names, skips hidden entries and puts CSV files first', () => {
    mkdirSync(path.join(dir, 'team a'));
    mkdirSync(path.join(dir, '.git'));
    for (const f of ['b.jpg', 'team a/c.PNG', 'notes.txt', '.DS_Store', '.git/config', 'users.csv'])
      writeFileSync(path.join(dir, f), 'x');
    const { files, skipped } = collectUploadFiles([dir]);
    expect(files.map((f) => f.blobName)).toEqual(['users.csv', 'b.jpg', 'notes.txt', 'team a/c.PNG']);
    expect(skipped.sort()).toEqual(['.DS_Store', '.git']);
  });

  it('uploads a single file under its own name, and leaves out the manifest given separately', () => {
    writeFileSync(path.join(dir, 'a.jpg'), 'x');
    writeFileSync(path.join(dir, 'm.csv'), 'x');
    expect(collectUploadFiles([path.join(dir, 'a.jpg')]).files).toEqual([
      { path: path.join(dir, 'a.jpg'), blobName: 'a.jpg' },
    ]);
    expect(collectUploadFiles([dir], { exclude: [path.join(dir, 'm.csv')] }).files.map((f) => f.blobName)).toEqual([
      'a.jpg',
    ]);
  });

  it('labels files with a content type from their extension, falling back to octet-stream', () => {
    expect([contentTypeFor('a.JPG'), contentTypeFor('b.heic'), contentTypeFor('c.csv'), contentTypeFor('d')]).toEqual([
      'image/jpeg',
      'image/heic',
      'text/csv',
      'application/octet-stream',
    ]);
  });
});

describe('resolveStorageConnection', () => {
  it('prefers the flag, then the running local stack, then the environment, then local.settings.json', () => {
    const env: Record<string, string | undefined> = {};
    expect(() => resolveStorageConnection({ cwd: dir, env })).toThrow(NoStorageConnectionError);
    writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({ Values: { AzureWebJobsStorage: 'from-settings' } }),
    );
    expect(resolveStorageConnection({ cwd: dir, env }).connectionString).toBe('from-settings');
    env.AzureWebJobsStorage = 'from-env';
    expect(resolveStorageConnection({ cwd: dir, env }).connectionString).toBe('from-env');
    mkdirSync(path.join(dir, '.local'));
    writeFileSync(
      path.join(dir, '.local', 'endpoints.json'),
      JSON.stringify({ storageConnectionString: 'from-stack' }),
    );
    expect(resolveStorageConnection({ cwd: dir, env })).toEqual({
      connectionString: 'from-stack',
      source: path.join('.local', 'endpoints.json'),
    });
    expect(resolveStorageConnection({ cwd: dir, env, connectionString: 'from-flag' }).connectionString).toBe(
      'from-flag',
    );
  });
});
