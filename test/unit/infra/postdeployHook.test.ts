// infra/hooks/postdeploy.sh run for real against a stand-in `az` (and a `sleep` that returns at once) on PATH: the
// calls it makes, what it does when az is not signed in or a command fails, and what it keeps off command lines.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './readInfra';

interface Rule {
  /** The call's arguments, joined by spaces, start with this. */
  match: string;
  stdout?: string;
  stderr?: string;
  status?: number;
  /** Answer with `failFirst` instead for the first N matching calls. */
  failTimes?: number;
  failFirst?: { stderr: string; status: number };
}

interface Call {
  args: string[];
  /** Content of the file named by --file, read when az was called (it is deleted afterwards). */
  file?: string;
}

// The stand-in az: logs each call (and the --file content), answers from the first matching rule.
const fakeAz = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
const dir = process.env.FAKE_AZ_DIR;
const fileIndex = args.indexOf('--file');
const call = { args };
if (fileIndex >= 0) call.file = fs.readFileSync(args[fileIndex + 1], 'utf8');
fs.appendFileSync(dir + '/calls.jsonl', JSON.stringify(call) + '\\n');
const rules = JSON.parse(fs.readFileSync(dir + '/rules.json', 'utf8'));
const joined = args.join(' ');
const index = rules.findIndex((r) => joined.startsWith(r.match));
if (index < 0) { process.stderr.write('fake az: no rule for ' + joined + '\\n'); process.exit(2); }
const rule = rules[index];
const countFile = dir + '/count-' + index;
const count = fs.existsSync(countFile) ? Number(fs.readFileSync(countFile, 'utf8')) : 0;
fs.writeFileSync(countFile, String(count + 1));
if (rule.failTimes && count < rule.failTimes) {
  process.stderr.write(rule.failFirst.stderr);
  process.exit(rule.failFirst.status);
}
process.stdout.write(rule.stdout || '');
process.stderr.write(rule.stderr || '');
process.exit(rule.status || 0);
`;

const environment = {
  AZURE_SUBSCRIPTION_ID: 'sub-123',
  AZURE_RESOURCE_GROUP: 'rg-photos',
  AZURE_FUNCTION_APP_NAME: 'func-abc',
  AZURE_FUNCTION_APP_HOSTNAME: 'func-abc.azurewebsites.net',
  AZURE_KEY_VAULT_NAME: 'kv-abc',
  AZURE_EVENTGRID_SYSTEM_TOPIC_NAME: 'egst-abc',
  PHOTOS_INCOMING_CONTAINER_NAME: 'photos-incoming',
  INGEST_FUNCTION_NAME: 'ingestPhoto',
  INGEST_MAX_BYTES: '52428800',
  NOTIFICATIONS_FUNCTION_NAME: 'graphNotifications',
  CERTIFICATE_SECRET_NAME: 'm365-client-certificate',
  CLIENT_STATE_SECRET_NAME: 'notification-client-state',
  NOTIFICATION_URL_SECRET_NAME: 'notification-url',
};

const happyRules: Rule[] = [
  { match: 'account show', stdout: 'sub-123\n' },
  { match: 'functionapp keys list', stdout: 'blobkey123\n' },
  { match: 'eventgrid system-topic event-subscription create' },
  { match: 'keyvault secret list', stdout: '' },
  { match: 'keyvault secret set' },
  { match: 'functionapp function keys list', stdout: 'fnkey456\n' },
  { match: 'keyvault certificate list', stdout: 'm365-client-certificate\n' },
  { match: 'functionapp restart' },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'postdeploy-'));
  writeFileSync(path.join(dir, 'az'), fakeAz);
  writeFileSync(path.join(dir, 'sleep'), '#!/bin/sh\necho "$1" >> "$FAKE_AZ_DIR/sleeps"\n');
  chmodSync(path.join(dir, 'az'), 0o755);
  chmodSync(path.join(dir, 'sleep'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runHook(rules: Rule[], env: Record<string, string> = environment) {
  writeFileSync(path.join(dir, 'rules.json'), JSON.stringify(rules));
  const result = spawnSync('sh', [path.join(repoRoot, 'infra/hooks/postdeploy.sh')], {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH ?? ''}`, FAKE_AZ_DIR: dir, ...env },
  });
  let calls: Call[] = [];
  try {
    calls = readFileSync(path.join(dir, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Call);
  } catch {
    // No az call was made.
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const commandOf = (call: Call) =>
  call.args
    .slice(
      0,
      call.args.findIndex((a) => a.startsWith('-')),
    )
    .join(' ');
const optionOf = (call: Call, name: string) => call.args[call.args.indexOf(name) + 1];

it('runs the seven steps, naming the azd subscription on every az call', () => {
  const run = runHook(happyRules);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.calls.map(commandOf)).toEqual([
    'account show',
    'functionapp keys list',
    'eventgrid system-topic event-subscription create',
    'keyvault secret list',
    'keyvault secret set',
    'functionapp function keys list',
    'keyvault secret set',
    'keyvault certificate list',
    'functionapp restart',
  ]);
  for (const call of run.calls) expect(optionOf(call, '--subscription')).toBe('sub-123');
  expect(run.stdout.match(/^postdeploy \[\d\/7\]/gm)).toHaveLength(7);
});

it('subscribes the webhook with the blobs_extension key, filtered to photos-incoming', () => {
  const run = runHook(happyRules);
  const create = run.calls.find((c) => commandOf(c).startsWith('eventgrid'));
  expect(create && optionOf(create, '--endpoint')).toBe(
    'https://func-abc.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.ingestPhoto&code=blobkey123',
  );
  expect(create && optionOf(create, '--subject-begins-with')).toBe('/blobServices/default/containers/photos-incoming/');
});

it('filters out uploads over INGEST_MAX_BYTES, so the blob trigger never reads them into memory', () => {
  const run = runHook(happyRules, { ...environment, INGEST_MAX_BYTES: '2097152' });
  const create = run.calls.find((c) => commandOf(c).startsWith('eventgrid'));
  const at = create ? create.args.indexOf('--advanced-filter') : -1;
  expect(create?.args.slice(at, at + 4)).toEqual([
    '--advanced-filter',
    'data.contentLength',
    'NumberLessThanOrEquals',
    '2097152',
  ]);
});

it('passes secrets to Key Vault in files, never on the command line', () => {
  const run = runHook(happyRules);
  const sets = run.calls.filter((c) => commandOf(c) === 'keyvault secret set');
  expect(sets.map((c) => optionOf(c, '-n'))).toEqual(['notification-client-state', 'notification-url']);
  expect(sets[0]?.file).toMatch(/^[0-9a-f]{64}$/);
  expect(sets[1]?.file).toBe('https://func-abc.azurewebsites.net/api/notifications?code=fnkey456');
  for (const call of run.calls) expect(call.args).not.toContain('--value');
});

it('keeps an existing clientState and warns when the certificate is missing', () => {
  const rules = happyRules.map((r) =>
    r.match === 'keyvault secret list'
      ? { ...r, stdout: 'notification-client-state\n' }
      : r.match === 'keyvault certificate list'
        ? { ...r, stdout: '' }
        : r,
  );
  const run = runHook(rules);
  expect(run.status).toBe(0);
  expect(run.calls.filter((c) => commandOf(c) === 'keyvault secret set').map((c) => optionOf(c, '-n'))).toEqual([
    'notification-url',
  ]);
  expect(run.stdout).toMatch(/WARNING: Key Vault kv-abc has no certificate m365-client-certificate/);
});

it('stops at once when az is not signed in to the subscription, and says how to sign in', () => {
  const rules: Rule[] = [
    { match: 'account show', status: 1, stderr: "ERROR: Subscription 'sub-123' not found. Check the spelling.\n" },
    ...happyRules.slice(1),
  ];
  const run = runHook(rules);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('az is not signed in to subscription sub-123');
  expect(run.stderr).toContain("Subscription 'sub-123' not found");
  expect(run.stderr).toContain('az login --tenant');
  expect(run.calls.map(commandOf)).toEqual(['account show']);
});

it("stops at the first failed command with az's own error, and never prints the key", () => {
  const rules = happyRules.map((r) =>
    r.match.startsWith('eventgrid')
      ? { ...r, status: 1, stderr: 'ERROR: (InvalidRequest) Webhook validation handshake failed.\n' }
      : r,
  );
  const run = runHook(rules);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("postdeploy: 'az eventgrid system-topic event-subscription create' failed:");
  expect(run.stderr).toContain('Webhook validation handshake failed');
  expect(run.stderr + run.stdout).not.toContain('blobkey123');
  expect(run.calls.map(commandOf)).not.toContain('functionapp restart');
});

it('waits for the blobs_extension key, then shows the last error when it never comes', () => {
  const rules = happyRules.map((r) =>
    r.match === 'functionapp keys list' ? { ...r, status: 1, stderr: 'ERROR: Operation returned 503\n' } : r,
  );
  const run = runHook(rules);
  expect(run.status).toBe(1);
  expect(run.calls.filter((c) => commandOf(c) === 'functionapp keys list')).toHaveLength(12);
  expect(run.stderr).toContain('has no blobs_extension key after two minutes');
  expect(run.stderr).toContain('Operation returned 503');
});

it('retries Key Vault while it still refuses the new role assignment', () => {
  const rules = happyRules.map((r) =>
    r.match === 'keyvault secret list'
      ? { ...r, failTimes: 2, failFirst: { stderr: 'ERROR: (Forbidden) Caller is not authorized.\n', status: 1 } }
      : r,
  );
  const run = runHook(rules);
  expect(run.status).toBe(0);
  expect(run.calls.filter((c) => commandOf(c) === 'keyvault secret list')).toHaveLength(3);
  expect(run.stderr).toContain('Key Vault refuses access yet');
});

it('refuses to start without the azd outputs', () => {
  const { AZURE_KEY_VAULT_NAME: _omitted, ...rest } = environment;
  const run = runHook(happyRules, rest);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("AZURE_KEY_VAULT_NAME is not set; run 'azd provision' first.");
  expect(run.calls).toEqual([]);
});
