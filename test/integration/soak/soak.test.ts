// The kill-anywhere soak in its short form, as CI runs it: the compiled `npm run soak` (npm test builds first) with a
// fixed seed and a 30 s chaos phase, judged by its own verdict line. The soak checks storage and the emulator, not
// the host's log, so a lost, parked, stale or stranded photo fails this test.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const soakMain = path.resolve(__dirname, '../../../dist/dev/soak/main.js');

interface SoakVerdict {
  ok: boolean;
  problems: number;
  kills: { random: number; aimed: number; aimedMissed: number };
  storageOutageMs: number;
  m365OutageMs: number;
  drops: number;
  changes: number;
  writes: { photos: number; exchange: number; sharePoint: number };
}

function runSoak(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [soakMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run soak (short)', () => {
  it('kills the host, stops storage and Microsoft 365, and still ends with every person on their newest photo', async () => {
    expect(existsSync(soakMain)).toBe(true);
    const { code, output } = await runSoak(['--seed', '20261202', '--duration', '30', '--settle-timeout', '90']);
    const line = output.split('\n').find((l) => l.startsWith('soak-result '));
    if (code !== 0 || !line) throw new Error(`the soak failed (exit ${code}):\n${output.slice(-6000)}`);
    const verdict = JSON.parse(line.slice('soak-result '.length)) as SoakVerdict;
    expect(verdict).toMatchObject({ ok: true, problems: 0 });
    // The run really did what it claims: kills, both outages, photos through both paths.
    expect(verdict.kills.random + verdict.kills.aimed).toBeGreaterThanOrEqual(2);
    expect(verdict.storageOutageMs).toBeGreaterThan(0);
    expect(verdict.m365OutageMs).toBeGreaterThan(0);
    expect(verdict.drops).toBeGreaterThan(0);
    expect(verdict.changes).toBeGreaterThan(0);
    expect(verdict.writes.sharePoint).toBeGreaterThan(0);
  }, 360_000);
});
