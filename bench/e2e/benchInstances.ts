// Instances 2…N of a benchmark's host, each in its own process (as Flex Consumption scales out), their log lines fed
// into the benchmark's timeline, and peak memory sampled per instance. The first instance runs in the benchmark's own
// process beside the emulator, so its peak is an upper bound.

import { startHostInstances } from '../../dev/instances/startHostInstances';
import type { LocalStack } from '../../dev/localStack';
import type { PhotoTimeline } from './PhotoTimeline';

export interface BenchInstances {
  /** Peak RSS of every instance in bytes, the first (this process) first. */
  peaks(): number[];
  /** One line for the report: each instance's peak, with what the first one shares its process with. */
  describePeaks(firstSharesWith: string): string;
  /** Every instance's base URL (`http://127.0.0.1:port`), the first first: where Event Grid would post blob events. */
  baseUrls: string[];
  stop(): Promise<void>;
}

export async function startBenchInstances(
  stack: LocalStack,
  timeline: PhotoTimeline,
  count: number,
  blobTriggerSource: 'poll' | 'eventGrid' = 'poll',
): Promise<BenchInstances> {
  let firstPeak = process.memoryUsage.rss();
  const sample = setInterval(() => (firstPeak = Math.max(firstPeak, process.memoryUsage.rss())), 1_000);
  sample.unref();
  const others = await startHostInstances({
    count: count - 1,
    settings: stack.settings,
    hostId: stack.host.hostId,
    stateDir: stack.stateDir,
    blobTriggerSource,
    onLine: (_instance, line) => {
      const level = line.level === 'warn' || line.level === 'error' || line.level === 'debug' ? line.level : 'info';
      if (line.message !== 'host-instance-stats') timeline.log(level, line.message);
    },
  });
  const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;
  return {
    baseUrls: [stack.host.httpPort, ...others.map((instance) => instance.httpPort)].map(
      (port) => `http://127.0.0.1:${port}`,
    ),
    peaks: () => [firstPeak, ...others.map((instance) => instance.peakRss)],
    describePeaks: (firstSharesWith) =>
      `peak RSS per instance: instance-1 ${mb(firstPeak)} (shares its process with ${firstSharesWith})` +
      others.map((instance) => `, ${instance.name} ${mb(instance.peakRss)}`).join(''),
    stop: async () => {
      clearInterval(sample);
      await Promise.all(others.map((instance) => instance.stop()));
    },
  };
}
