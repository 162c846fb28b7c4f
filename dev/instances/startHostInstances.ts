// Starts more instances of the app beside a running local stack, each in its own process on the same storage and
// settings, as Flex Consumption scales a Function App out (`npm start --instances N`, `npm run bench:e2e --
// --instances N`). Their timers run only when triggered: on Azure a timer runs on one instance at a time, here on the
// first, in-process one (or on the first of these when `timersOnFirst`, where no in-process host runs the app).

import { freePort } from '../localStack';
import { HostInstanceProcess, type HostLine } from './HostInstanceProcess';

export interface HostInstancesOptions {
  count: number;
  settings: Record<string, string>;
  /** The first instance's: instances of one app share blob receipts and timer status. */
  hostId: string;
  /** Where the instances' configuration files go (they hold secrets: a git-ignored or temporary folder). */
  stateDir: string;
  /** HTTP ports, one per instance; default free ones. */
  ports?: number[];
  /** The number in the first instance's name, `instance-{n}`; default 2 (the in-process host is instance-1). */
  firstNumber?: number;
  /** The first of these instances runs the timers on their schedules: no in-process host runs the app. */
  timersOnFirst?: boolean;
  /** How blobs reach the instances' blob triggers (LocalFunctionsHost `blobTriggerSource`); default `poll`. */
  blobTriggerSource?: 'poll' | 'eventGrid';
  /** Every JSON line an instance prints (resource reports included). */
  onLine?: (instance: HostInstanceProcess, line: HostLine) => void;
}

export async function startHostInstances(options: HostInstancesOptions): Promise<HostInstanceProcess[]> {
  const instances: HostInstanceProcess[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const instance = new HostInstanceProcess(
      {
        name: `instance-${i + (options.firstNumber ?? 2)}`,
        settings: options.settings,
        httpPort: options.ports?.[i] ?? (await freePort()),
        hostId: options.hostId,
        timerSchedules: options.timersOnFirst && i === 0 ? 'scheduled' : 'manual',
        ...(options.blobTriggerSource ? { blobTriggerSource: options.blobTriggerSource } : {}),
      },
      options.stateDir,
    );
    const { onLine } = options;
    if (onLine) instance.onLine((line) => onLine(instance, line));
    instances.push(instance);
  }
  try {
    await Promise.all(instances.map((instance) => instance.up(60_000)));
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.kill()));
    throw error;
  }
  return instances;
}
