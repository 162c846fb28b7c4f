// One instance of the local Functions host in its own process, as Flex Consumption runs each instance of a Function
// App: its own memory (pacers, serializers, token caches), the same storage. `npm start --instances N`, the soak and
// the benchmarks start these; the soak kills them with SIGKILL like a crashed or scaled-in instance. It runs the
// app's compiled `app.*` registrations with the production host.json. Settings come from the JSON file named by
// HOST_INSTANCE_CONFIG (never from argv, where `ps` would show secrets).

import { ingestMaxBytesOf } from '../ingestMaxBytesOf';
import { countOutgoingRequests } from './countOutgoingRequests';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConsoleHostLogger, type HostLogger } from '../runtime/HostLogger';
import { LocalFunctionsHost } from '../runtime/LocalFunctionsHost';

export interface HostInstanceConfig {
  name: string;
  settings: Record<string, string>;
  httpPort: number;
  /** One app, many instances: they share blob receipts and timer status, as instances of one Function App do. */
  hostId: string;
  queueLeaseMs?: number;
  /** `eventGrid`: blobs arrive only as posted events, as on Azure (a benchmark posts them); default `poll`. */
  blobTriggerSource?: 'poll' | 'eventGrid';
  timerSchedules: 'scheduled' | 'manual';
  /** `json`: one object per line for a parent process to read; `console`: the host's usual lines, prefixed. */
  logFormat: 'json' | 'console';
}

/** How often an instance reports its resident memory (the benchmarks print the peak per instance) its invocations in flight and the requests it has made. */
const statsIntervalMs = 1_000;

function loggerFor(config: HostInstanceConfig): HostLogger {
  if (config.logFormat === 'json')
    return {
      log(level, message, fields = {}) {
        process.stdout.write(`${JSON.stringify({ t: Date.now(), level, message, ...fields })}\n`);
      },
    };
  const console = createConsoleHostLogger();
  return { log: (level, message, fields) => console.log(level, `[${config.name}] ${message}`, fields) };
}

async function main(): Promise<void> {
  const requests = countOutgoingRequests();
  const file = process.env.HOST_INSTANCE_CONFIG;
  if (!file) throw new Error('HOST_INSTANCE_CONFIG must name the instance configuration file');
  const config = JSON.parse(readFileSync(file, 'utf8')) as HostInstanceConfig;
  const logger = loggerFor(config);
  const host = await LocalFunctionsHost.start({
    appSettings: config.settings,
    blobMaxContentLength: ingestMaxBytesOf(config.settings),
    functionModules: [path.resolve(__dirname, '../../src/functions/*.js')],
    appRoot: path.resolve(__dirname, '../../..'),
    hostJsonPath: path.resolve(__dirname, '../../../host.json'),
    httpPort: config.httpPort,
    hostId: config.hostId,
    timerSchedules: config.timerSchedules,
    ...(config.queueLeaseMs ? { queueLeaseMs: config.queueLeaseMs } : {}),
    ...(config.blobTriggerSource ? { blobTriggerSource: config.blobTriggerSource } : {}),
    logger,
  });
  logger.log('info', 'host-instance-ready', { pid: process.pid });
  if (config.logFormat === 'json')
    setInterval(
      () =>
        logger.log('debug', 'host-instance-stats', {
          rss: process.memoryUsage.rss(),
          inFlight: host.inFlightCount,
          // Log fields are scalars: the counts by destination travel as JSON.
          requests: JSON.stringify(requests()),
        }),
      statsIntervalMs,
    ).unref();
  process.once('SIGTERM', () => {
    host.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`host instance failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
