// Runs invocations for every trigger: emits started/completed events, logs one line per invocation, applies
// output bindings after success, and keeps track of what is in flight so `stop()` can drain it.

import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { RpcInvocationResponse, RpcLogLevel } from './coreTypes';
import type { RegisteredFunction } from './functionsCore';
import type { HostLogger, HostLogLevel } from './HostLogger';
import { describeTrigger, type InvocationCompletedEvent, type TriggerInfo } from './invocationEvents';
import { invokeRegisteredFunction, type InvocationRequest } from './invokeRegisteredFunction';
import type { QueueOutputWriter } from './QueueOutputWriter';

const levels: Record<RpcLogLevel, HostLogLevel | undefined> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  none: undefined,
};

export class FunctionInvoker {
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Shared by every hook for the life of the app, as the worker's `appHookData`. */
  readonly appHookData: Record<string, unknown> = {};

  constructor(
    private readonly events: EventEmitter,
    private readonly outputs: QueueOutputWriter,
    private readonly logger: HostLogger,
  ) {}

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  invoke(
    fn: RegisteredFunction,
    request: Omit<InvocationRequest, 'invocationId'>,
    trigger: TriggerInfo,
  ): Promise<RpcInvocationResponse> {
    const run = this.#run(fn, request, trigger);
    const tracked = run.catch(() => undefined).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return run;
  }

  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #run(
    fn: RegisteredFunction,
    request: Omit<InvocationRequest, 'invocationId'>,
    trigger: TriggerInfo,
  ): Promise<RpcInvocationResponse> {
    const functionName = fn.metadata.name;
    const invocationId = randomUUID();
    const startedAt = new Date();
    this.events.emit('invocationStarted', { functionName, invocationId, trigger, startedAt });
    const log = (level: RpcLogLevel, category: string, message: string): void => {
      const hostLevel = levels[level];
      if (!hostLevel || (category === 'system' && hostLevel === 'debug')) return;
      this.logger.log(hostLevel, message, { function: functionName, invocationId });
    };
    const base = { functionName, invocationId, trigger, startedAt };
    try {
      const response = await invokeRegisteredFunction(
        fn,
        { ...request, invocationId },
        { appHookData: this.appHookData, log },
      );
      await this.outputs.apply(fn, response);
      this.#report({ ...base, outcome: 'succeeded', durationMs: Date.now() - startedAt.getTime() });
      return response;
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      this.#report({ ...base, outcome: 'failed', error, durationMs: Date.now() - startedAt.getTime() });
      throw error;
    }
  }

  #report(event: InvocationCompletedEvent): void {
    const code = (event.error as { code?: unknown } | undefined)?.code;
    this.logger.log(event.outcome === 'succeeded' ? 'info' : 'warn', `${event.functionName} ${event.outcome}`, {
      trigger: describeTrigger(event.trigger),
      durationMs: event.durationMs,
      invocationId: event.invocationId,
      error: event.error?.message,
      code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    });
    this.events.emit('invocationCompleted', event);
  }
}
