import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writePrivateFile } from '../../../dev/writePrivateFile';
import { writeLocalSettingsFile } from '../../../dev/writeLocalSettingsFile';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'private-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (file: string) => statSync(file).mode & 0o777;

it('creates the file readable by its owner only', () => {
  const file = path.join(dir, 'secret.json');
  writePrivateFile(file, '{"k":"v"}');
  expect(modeOf(file)).toBe(0o600);
  expect(readFileSync(file, 'utf8')).toBe('{"k":"v"}');
});

it('narrows a file an older run left readable by others', () => {
  const file = path.join(dir, 'local.settings.json');
  writeFileSync(file, 'old', { mode: 0o644 });
  expect(modeOf(file)).toBe(0o644);
  writeLocalSettingsFile(file, { NOTIFICATION_CLIENT_STATE: 'secret' });
  expect(modeOf(file)).toBe(0o600);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
    IsEncrypted: false,
    Values: { NOTIFICATION_CLIENT_STATE: 'secret' },
  });
});
