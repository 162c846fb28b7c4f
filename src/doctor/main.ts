// `npm run doctor [-- --settings local.settings.json] [--test-user adele@contoso.com]`: checks that the configured
// tenant is ready for the pipeline and prints a pass/fail table with a fix for each failure; exit code 1 on any
// failure, so scripts and pipelines can gate a deployment on it.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { formatDoctorReport } from './formatDoctorReport';
import { doctorSettings } from './readSettingsFile';
import { runDoctor } from './runDoctor';

/** Written by `npm start` (dev/localStack.ts) while the local stack runs, removed when it stops. */
const LOCAL_STACK_SETTINGS = path.join('.local', 'local.settings.json');

function missingSettingsMessage(file: string): string {
  if (path.resolve(file) === path.resolve(LOCAL_STACK_SETTINGS)) {
    return (
      `${file} does not exist (the local stack writes it while it runs): ` +
      'start the local stack first (npm start) in another terminal, then run npm run doctor:local again.'
    );
  }
  return `${file} does not exist. Copy local.settings.example.json to it and fill in your tenant (docs/deploy.md, step 6).`;
}

interface CliOptions {
  settings?: string;
  testUser?: string;
  notifyCheck?: boolean;
  notifyWait: string;
  receiverPort: string;
  receiverUrl?: string;
  json?: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('doctor')
    .description('Check that a Microsoft 365 tenant and this app registration are ready for photo sync.')
    .option('--settings <file>', 'a local.settings.json-style file (default: ./local.settings.json when it exists)')
    .option('--test-user <upn>', 'also write a generated test photo to this user and read it back')
    .option('--notify-check', 'with --test-user: find out whether the tenant sends notifications for photo changes')
    .option('--notify-wait <seconds>', 'how long --notify-check waits for a notification', '120')
    .option('--receiver-port <port>', 'local port of the --notify-check receiver (0: any free port)', '0')
    .option('--receiver-url <url>', 'public https URL forwarded to the receiver port (Graph cannot reach localhost)')
    .option('--json', 'print the report as JSON')
    .parse(argv);
  const options = program.opts<CliOptions>();
  const file = options.settings ?? (existsSync('local.settings.json') ? 'local.settings.json' : undefined);
  if (file && !existsSync(file)) {
    process.stderr.write(`doctor: ${missingSettingsMessage(file)}\n`);
    return 1;
  }
  const waitSeconds = Number(options.notifyWait);
  const receiverPort = Number(options.receiverPort);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 1 || waitSeconds > 3_600) {
    process.stderr.write(`doctor: --notify-wait expects 1 to 3600 seconds, received "${options.notifyWait}"\n`);
    return 1;
  }
  if (!Number.isInteger(receiverPort) || receiverPort < 0 || receiverPort > 65_535) {
    process.stderr.write(`doctor: --receiver-port expects a port number, received "${options.receiverPort}"\n`);
    return 1;
  }
  const report = await runDoctor(doctorSettings(file, process.env), {
    ...(options.testUser ? { testUser: options.testUser } : {}),
    ...(options.notifyCheck
      ? {
          notifyCheck: {
            waitMs: waitSeconds * 1000,
            receiverPort,
            ...(options.receiverUrl ? { receiverUrl: options.receiverUrl } : {}),
          },
        }
      : {}),
  });
  process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report)}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`doctor: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
