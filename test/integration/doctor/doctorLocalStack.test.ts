// `npm run doctor:local`: the doctor command reading the settings file the local stack writes while it runs
// (`{stateDir}/local.settings.json`, as `npm start` does), and the misconfiguration docs/operations.md shows a person:
// roles revoked with curl against the emulator's control API, FAIL rows with FIX lines, roles granted back.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDoctor } from '../../../src/doctor/runDoctor';
import { readSettingsFile } from '../../../src/doctor/readSettingsFile';
import { startTestStack, type LocalStack } from '../../support/localStackFixture';

const doctorMain = path.resolve(__dirname, '../../../dist/src/doctor/main.js');

let stack: LocalStack;
let stateDir: string;
let settingsFile: string;

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'doctor-local-'));
  settingsFile = path.join(stateDir, 'local.settings.json');
  stack = await startTestStack({ stateDir, writeEndpoints: true });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

function runDoctorProcess(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(doctorMain)) throw new Error(`${doctorMain} is missing: run "npm run build" first (npm test does).`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [doctorMain, ...args], { cwd, env: { ...process.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the documented curl does: POST {resource, grant|revoke} to the Graph host's control API. */
async function changeRoles(body: { resource: 'graph' | 'sharepoint'; grant?: string[]; revoke?: string[] }) {
  const response = await fetch(`${stack.emulator.urls.graphBaseUrl}/_emulator/apps/photoSync/roles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(204);
}

function row(stdout: string, titleStart: string): string {
  return stdout.split('\n').find((line) => line.startsWith(titleStart)) ?? '';
}

describe('doctor against the settings file of a running local stack', () => {
  it('writes the exact settings the host runs with, in local.settings.json format', () => {
    const file = JSON.parse(readFileSync(settingsFile, 'utf8')) as { IsEncrypted: unknown; Values: unknown };
    expect(file.IsEncrypted).toBe(false);
    expect(readSettingsFile(settingsFile)).toEqual(stack.settings);
  });

  it('passes from that file alone, writing the test user and handshaking with the running host', async () => {
    const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
    if (!user) throw new Error('the demo tenant has no user with an Exchange Online mailbox');
    const result = await runDoctorProcess(
      ['--settings', settingsFile, '--test-user', user.userPrincipalName],
      stateDir,
    );

    expect(result.stdout).toContain('Ready: every check passed.');
    expect(row(result.stdout, `Exchange photo write for ${user.userPrincipalName}`)).toMatch(/\sPASS\s/);
    expect(row(result.stdout, 'Notification URL answers the validation handshake')).toMatch(/\sPASS\s+echoed/);
    expect(result.code).toBe(0);
  });

  it('prints FAIL rows with FIX lines after roles are revoked over the control API, and passes once granted back', async () => {
    await changeRoles({ resource: 'graph', revoke: ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'] });
    await changeRoles({ resource: 'sharepoint', revoke: ['User.ReadWrite.All'] });
    try {
      const result = await runDoctorProcess(['--settings', settingsFile], stateDir);
      expect(result.code).toBe(1);
      expect(row(result.stdout, 'Graph permission to write photos')).toMatch(/\sFAIL\s+missing/);
      expect(row(result.stdout, "SharePoint permission to set PictureURL on people's profiles")).toMatch(/\sFAIL\s/);
      const fixes = result.stdout.split('\n').filter((line) => /^\s+FIX\s/.test(line));
      // The role missing from the token, and the admin host's profile read that it refuses in practice.
      expect(fixes).toEqual([
        expect.stringContaining('Microsoft Graph > Application permissions: ProfilePhoto.ReadWrite.All'),
        expect.stringContaining('Microsoft Graph > Application permissions: User.ReadWrite.All'),
        expect.stringContaining('SharePoint > Application permissions: User.ReadWrite.All'),
        expect.stringContaining('SharePoint > Application permissions: User.ReadWrite.All'),
      ]);
      expect(result.stdout).toContain('Not ready: 4 check(s) failed.');
    } finally {
      await changeRoles({ resource: 'graph', grant: ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'] });
      await changeRoles({ resource: 'sharepoint', grant: ['User.ReadWrite.All'] });
    }
    const again = await runDoctor(readSettingsFile(settingsFile));
    expect(again.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual([]);
  });

  it('removes the file when the stack stops, and then tells a person to start the local stack first', async () => {
    await stack.stop();
    expect(existsSync(settingsFile)).toBe(false);

    // doctor:local's own argument, relative to a checkout that has a .local folder but no running stack.
    const checkout = path.join(stateDir, 'checkout');
    mkdirSync(path.join(checkout, '.local'), { recursive: true });
    const result = await runDoctorProcess(['--settings', path.join('.local', 'local.settings.json')], checkout);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('start the local stack first (npm start)');
    expect(result.stdout).toBe('');
  });
});
