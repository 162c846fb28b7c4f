// Timer trigger: runs at each occurrence of the schedule, once at start when `runOnStartup`, and once with
// `isPastDue: true` when the persisted schedule status shows an occurrence was missed while the host was down
// (status blob `azure-webjobs-hosts/timers/{hostId}/{functionId}/status`, as the host's ScheduleMonitor keeps it).
// `trigger()` runs it now (tests, and `POST /admin/functions/{name}`).

import { RestError, type ContainerClient } from '@azure/storage-blob';
import type { RpcInvocationResponse } from './coreTypes';
import type { FunctionInvoker } from './FunctionInvoker';
import type { RegisteredFunction } from './functionsCore';
import type { HostLogger } from './HostLogger';
import { TimerSchedule } from './TimerSchedule';
import type { TriggerListener } from './TriggerListener';

interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

const maxTimeoutMs = 2_147_483_647;

export class TimerTriggerScheduler implements TriggerListener {
  readonly #schedule: TimerSchedule;
  readonly #triggerName: string;
  readonly #runOnStartup: boolean;
  readonly #monitor: boolean;
  #timer: NodeJS.Timeout | undefined;
  #next: Date | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly fn: RegisteredFunction,
    private readonly options: {
      invoker: FunctionInvoker;
      logger: HostLogger;
      hostsContainer: ContainerClient | undefined;
      hostId: string;
      /** Run only when triggered: no schedule, no run on startup, no past-due run. */
      manual?: boolean;
    },
  ) {
    const [name, binding] = Object.entries(fn.metadata.bindings).find(([, b]) => b.type === 'timerTrigger') ?? ['', {}];
    this.#triggerName = name;
    this.#schedule = new TimerSchedule(String(binding.schedule));
    this.#runOnStartup = binding.runOnStartup === true;
    this.#monitor =
      binding.useMonitor !== false && this.#schedule.isMinuteOrLonger && options.hostsContainer !== undefined;
  }

  get #statusBlob() {
    return this.options.hostsContainer?.getBlockBlobClient(
      `timers/${this.options.hostId}/Host.Functions.${this.fn.metadata.name}/status`,
    );
  }

  async start(): Promise<void> {
    if (this.options.manual) return;
    const status = await this.#readStatus();
    const now = new Date();
    this.#next = this.#schedule.next(now);
    if (this.#runOnStartup) void this.trigger({ manual: false }).catch(() => undefined);
    else if (status && new Date(status.Next) < now) void this.#occur(true);
    this.#arm();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running.catch(() => undefined);
  }

  hasPendingWork(): Promise<boolean> {
    // A timer waiting for its next occurrence is not pending work.
    return Promise.resolve(false);
  }

  /** Runs the function now; resolves with its response or rejects with its error. */
  trigger(options: { manual: boolean } = { manual: true }): Promise<RpcInvocationResponse> {
    return this.#invoke(false, options.manual);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || !this.#next) return;
    const due = this.#next;
    this.#timer = setTimeout(
      () => {
        if (Date.now() < due.getTime()) this.#arm();
        else void this.#occur(false);
      },
      Math.min(Math.max(0, due.getTime() - Date.now()), maxTimeoutMs),
    );
    this.#timer.unref();
  }

  async #occur(isPastDue: boolean): Promise<void> {
    await this.#invoke(isPastDue, false).catch(() => undefined);
    this.#next = this.#schedule.next(new Date());
    this.#arm();
  }

  #invoke(isPastDue: boolean, manual: boolean): Promise<RpcInvocationResponse> {
    const run = this.#running
      .catch(() => undefined)
      .then(async () => {
        const status = await this.#readStatus();
        const timerInfo = {
          Schedule: { AdjustForDST: true },
          ScheduleStatus: status ?? null,
          IsPastDue: isPastDue,
        };
        const response = await this.options.invoker.invoke(
          this.fn,
          { inputData: [{ name: this.#triggerName, data: { json: JSON.stringify(timerInfo) } }] },
          { kind: 'timer', isPastDue, manual },
        );
        await this.#writeStatus();
        return response;
      });
    this.#running = run;
    return run;
  }

  async #readStatus(): Promise<ScheduleStatus | undefined> {
    const blob = this.#statusBlob;
    if (!this.#monitor || !blob) return undefined;
    try {
      return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as ScheduleStatus;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async #writeStatus(): Promise<void> {
    const blob = this.#statusBlob;
    if (!this.#monitor || !blob) return;
    const now = new Date();
    const status: ScheduleStatus = {
      Last: now.toISOString(),
      Next: this.#schedule.next(now).toISOString(),
      LastUpdated: now.toISOString(),
    };
    const text = JSON.stringify(status);
    await blob.upload(text, Buffer.byteLength(text));
  }
}
