// `npm run doctor` against the local stack: the emulator tenant (certificate auth, real role claims) and the real
// graphNotifications function answering the handshake. The seeded app passes everything; a tenant where an admin
// revoked permissions, or set the photo policy to on-premises, fails with the fix to apply.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDoctor } from '../../../src/doctor/runDoctor';
import { formatDoctorReport } from '../../../src/doctor/formatDoctorReport';
import { thumbnailFileName } from '../../../src/m365/sharePointAccount';
import { startTestStack, type LocalStack } from '../../support/localStackFixture';

let stack: LocalStack;
let workDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  workDir = mkdtempSync(path.join(tmpdir(), 'doctor-'));
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function exchangeUser() {
  const user = stack.emulator.users.find((u) => u.mailbox === 'exchangeOnline');
  if (!user) throw new Error('the demo tenant has no user with an Exchange Online mailbox');
  return user;
}

const doctorMain = path.resolve(__dirname, '../../../dist/src/doctor/main.js');

function runDoctorProcess(args: string[]): Promise<{ code: number | null; stdout: string }> {
  if (!existsSync(doctorMain)) throw new Error(`${doctorMain} is missing: run "npm run build" first (npm test does).`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [doctorMain, ...args], { cwd: workDir, env: { ...process.env } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('doctor against the emulator tenant', () => {
  it('passes every check for the seeded app, writes the test user and answers the real handshake', async () => {
    const user = exchangeUser();
    const report = await runDoctor(stack.settings, { testUser: user.userPrincipalName });

    expect(report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.detail}`)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'graph-roles',
        'sharepoint-roles',
        'photo-policy',
        'mysite-folder',
        'test-exchange',
        'test-sharepoint',
        'notification-handshake',
      ]),
    );
    // The test write really happened: the emulator holds the thumbnails and the Graph photo.
    expect(
      stack.emulator.control.getSharePointFile(thumbnailFileName(user.userPrincipalName, 'M'))?.length,
    ).toBeGreaterThan(0);
  });

  it('fails with the permission to grant, per resource, when an admin revoked roles', async () => {
    const { control } = stack.emulator;
    control.revokeRoles('photoSync', 'graph', ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All']);
    control.revokeRoles('photoSync', 'sharepoint', ['User.ReadWrite.All']);
    try {
      const report = await runDoctor(stack.settings);
      expect(report.ok).toBe(false);
      const failed = report.checks.filter((c) => c.status === 'fail');
      // The admin host's profile read is refused in practice too.
      expect(failed.map((c) => c.id).sort()).toEqual([
        'admin-profile-read',
        'graph-roles',
        'graph-roles',
        'sharepoint-roles',
      ]);
      expect(failed.filter((c) => c.id === 'graph-roles').map((c) => c.fix)).toEqual([
        expect.stringMatching(
          /Microsoft Graph > Application permissions: ProfilePhoto\.ReadWrite\.All.*Grant admin consent/,
        ),
        expect.stringMatching(/Microsoft Graph > Application permissions: User\.ReadWrite\.All.*Grant admin consent/),
      ]);
      expect(failed.find((c) => c.id === 'sharepoint-roles')?.fix).toMatch(
        /SharePoint > Application permissions: User\.ReadWrite\.All/,
      );
      const table = formatDoctorReport(report);
      expect(table.match(/^\s+FIX\s/gm)).toHaveLength(4);
      expect(table).toContain('Not ready: 4 check(s) failed.');
    } finally {
      control.grantRoles('photoSync', 'graph', ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All']);
      control.grantRoles('photoSync', 'sharepoint', ['User.ReadWrite.All']);
    }
  });

  it('fails when the tenant photo policy makes Exchange refuse cloud writes, unless Exchange is not a target', async () => {
    stack.emulator.control.setPhotoUpdateSource('onPremises');
    try {
      const withExchange = await runDoctor(stack.settings);
      expect(withExchange.checks.find((c) => c.id === 'photo-policy')).toMatchObject({ status: 'fail' });
      const sharePointOnly = await runDoctor({ ...stack.settings, SYNC_TARGETS: 'sharepoint' });
      expect(sharePointOnly.checks.find((c) => c.id === 'photo-policy')).toMatchObject({ status: 'pass' });
    } finally {
      stack.emulator.control.setPhotoUpdateSource('cloud');
    }
  });

  it('fails the handshake when NOTIFICATION_URL does not reach the notification function', async () => {
    const wrong = stack.settings.NOTIFICATION_URL?.replace('/api/notifications', '/api/nothing-here');
    const report = await runDoctor({ ...stack.settings, NOTIFICATION_URL: wrong });
    const handshake = report.checks.find((c) => c.id === 'notification-handshake');
    expect(handshake?.status).toBe('fail');
    expect(handshake?.fix).toContain('graphNotifications');
  });

  it('runs as a command: exit code 0 and the table for the seeded app, 1 for an app without permissions', async () => {
    const good = path.join(workDir, 'good.settings.json');
    writeFileSync(good, JSON.stringify({ IsEncrypted: false, Values: stack.settings }));
    const passed = await runDoctorProcess(['--settings', good]);
    expect(passed.stdout).toContain('Ready: every check passed.');
    expect(passed.code).toBe(0);

    const noRoles = stack.emulator.apps.noRoles;
    const bad = path.join(workDir, 'bad.settings.json');
    const { M365_CLIENT_CERTIFICATE_PATH: _path, ...rest } = stack.settings;
    writeFileSync(
      bad,
      JSON.stringify({
        Values: {
          ...rest,
          M365_CLIENT_ID: noRoles.clientId,
          M365_CLIENT_CERTIFICATE: `${noRoles.certificatePem}\n${noRoles.privateKeyPem}`,
        },
      }),
    );
    const failed = await runDoctorProcess(['--settings', bad, '--json']);
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toContain('graph-roles');
  });
});
