// The host instances of a benchmark, each a process of its own as Flex Consumption scales out (and as on Azure,
// where the app shares no machine, let alone an event loop, with Graph, SharePoint or storage): their log lines fed
// into the benchmark's timeline, their peak memory sampled. The benchmark's own process keeps the emulator and the
// uploads; the local stack's host in it must load no functions, and NOTIFICATION_URL must name the first instance
// (`reserveFirstInstancePort`), which runs the timers.

import { QueueServiceClient } from '@azure/storage-queue';
import { freePort, type LocalStack } from '../../dev/localStack';
import { startHostInstances } from '../../dev/instances/startHostInstances';
import type { PhotoTimeline } from './PhotoTimeline';
import type { BenchProcess } from './processCpu';
import { sumCounts, type RequestCounts } from './requestsByService';

export interface BenchInstances {
  /** Peak RSS of every instance in bytes, the first first. */
  peaks(): number[];
  /** One line for the report: each instance's peak, then the benchmark's own process's. */
  describePeaks(): string;
  /** Every instance's base URL (`http://127.0.0.1:port`), the first first: where Event Grid would post blob events. */
  baseUrls: string[];
  /** The HTTP requests all instances have made so far, by destination (`host:port`), as of their next reports. */
  requestCounts(): Promise<RequestCounts>;
  /** The instances' processes, for their CPU time. */
  processes(): BenchProcess[];
  /** Resolves when no instance runs an invocation and no queue holds a message (poison queues aside), twice in a row. */
  waitForIdle(timeoutMs: number): Promise<void>;
  /** Graceful stop (in-flight invocations finish); safe to call twice. */
  stop(): Promise<void>;
}

export interface BenchInstancesOptions {
  /** The first instance's HTTP port, from `reserveFirstInstancePort`. */
  firstPort: number;
  blobTriggerSource?: 'poll' | 'eventGrid';
}

/** A free port for the first instance, known before the stack's settings are built, and its notification URL. */
export async function reserveFirstInstancePort(): Promise<{ firstPort: number; notificationUrl: string }> {
  const firstPort = await freePort();
  return { firstPort, notificationUrl: `http://localhost:${firstPort}/api/notifications` };
}

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;

export async function startBenchInstances(
  stack: LocalStack,
  timeline: PhotoTimeline,
  count: number,
  options: BenchInstancesOptions,
): Promise<BenchInstances> {
  let benchmarkPeak = process.memoryUsage.rss();
  const sample = setInterval(() => (benchmarkPeak = Math.max(benchmarkPeak, process.memoryUsage.rss())), 1_000);
  sample.unref();
  const instances = await startHostInstances({
    count,
    settings: stack.settings,
    hostId: stack.host.hostId,
    stateDir: stack.stateDir,
    ports: [options.firstPort],
    firstNumber: 1,
    timersOnFirst: true,
    ...(options.blobTriggerSource ? { blobTriggerSource: options.blobTriggerSource } : {}),
    onLine: (_instance, line) => {
      const level = line.level === 'warn' || line.level === 'error' || line.level === 'debug' ? line.level : 'info';
      if (line.message !== 'host-instance-stats') timeline.log(level, line.message);
    },
  });
  const queues = QueueServiceClient.fromConnectionString(stack.storageConnectionString);
  const queuesEmpty = async (): Promise<boolean> => {
    for await (const queue of queues.listQueues()) {
      if (queue.name.endsWith('-poison')) continue;
      const properties = await queues.getQueueClient(queue.name).getProperties();
      if ((properties.approximateMessagesCount ?? 0) > 0) return false;
    }
    return true;
  };
  let stopping: Promise<void> | undefined;
  return {
    baseUrls: instances.map((instance) => `http://127.0.0.1:${instance.httpPort}`),
    peaks: () => instances.map((instance) => instance.peakRss),
    requestCounts: async () => sumCounts(await Promise.all(instances.map((instance) => instance.requestCounts()))),
    processes: () => instances.map((instance) => ({ name: instance.name, pid: instance.pid })),
    describePeaks: () =>
      `peak RSS per instance: ${instances.map((instance) => `${instance.name} ${mb(instance.peakRss)}`).join(', ')}; ` +
      `the benchmark's own process (the emulator, the uploads, the timeline) ${mb(benchmarkPeak)}`,
    waitForIdle: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (let quiet = 0; quiet < 2;) {
        await Promise.all(instances.map((i) => i.waitForNoInvocations(Math.max(1, deadline - Date.now()))));
        quiet = (await queuesEmpty()) ? quiet + 1 : 0;
        if (Date.now() > deadline) throw new Error(`the instances were still busy after ${timeoutMs} ms`);
      }
    },
    stop: () => {
      clearInterval(sample);
      stopping ??= Promise.all(instances.map((instance) => instance.stop())).then(() => undefined);
      return stopping;
    },
  };
}
