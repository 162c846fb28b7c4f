// Runs the app's own `app.*` registrations on Azurite with Azure Functions semantics: what `func start` would do,
// minus Core Tools (which cannot be installed offline). Blob, queue, HTTP and timer triggers; queue outputs.

import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import path from 'node:path';
import { applyAppSettings, type AppSettings } from './appSettings';
import { BlobInvocationSlots } from './BlobInvocationSlots';
import { BlobPathPattern } from './BlobPathPattern';
import { BlobReceiptStore, hostsContainer } from './BlobReceiptStore';
import { BlobTriggerListener } from './BlobTriggerListener';
import type { RpcInvocationResponse } from './coreTypes';
import { FunctionInvoker } from './FunctionInvoker';
import { BlobTriggerQueueListener } from './BlobTriggerQueueListener';
import { handleEventGridBlobWebhook, type BlobCreatedRef } from './eventGridBlobWebhook';
import { hooksNamed, setSystemLogSink, type RegisteredFunction } from './functionsCore';
import { createConsoleHostLogger, type HostLogger } from './HostLogger';
import { HttpTriggerServer } from './HttpTriggerServer';
import type { LocalFunctionsHostEvents } from './invocationEvents';
import { defaultFunctionModules, loadFunctionApp, resolveFunctionModules } from './loadFunctionApp';
import { LocalRuntimeError } from './LocalRuntimeError';
import { prepareFunctions, summarise, type FunctionSummary } from './prepareFunctions';
import { QueueOutputWriter } from './QueueOutputWriter';
import { QueueTriggerListener } from './QueueTriggerListener';
import { readHostJson, type HostJsonOptions } from './readHostJson';
import { StorageConnections } from './StorageConnections';
import { TimerTriggerScheduler } from './TimerTriggerScheduler';
import type { TriggerListener } from './TriggerListener';

export interface LocalFunctionsHostOptions {
  /** Set into process.env before the app loads, like local.settings.json `Values` under `func start`. */
  appSettings?: AppSettings;
  /** Files or `dir/*.js` patterns; default: package.json `main` of `appRoot`. */
  functionModules?: string[];
  /** Folder holding package.json and host.json; default process.cwd(). */
  appRoot?: string;
  hostJsonPath?: string;
  /** Default 7071; 0 picks a free port. */
  httpPort?: number;
  /** How often blob containers are listed (Event Grid stands in on Azure); default 500 ms. */
  pollIntervalMs?: number;
  /**
   * `poll` (default): blob triggers list their containers (Azurite sends no Event Grid events) and also take events
   * posted to `/runtime/webhooks/blobs`. `eventGrid`: posted events only, as under Core Tools and on Azure.
   */
  blobTriggerSource?: 'poll' | 'eventGrid';
  /**
   * The Event Grid subscription's advanced filter on `data.contentLength`, for the listing that stands in for it:
   * larger blobs never reach a blob trigger (the deployed subscription filters them the same way). Default: none.
   */
  blobMaxContentLength?: number;
  /**
   * Blob-triggered invocations at once, all functions together; default host.json
   * `extensions.blobs.maxDegreeOfParallelism` (itself 8 × the cores when absent). Tests narrow it.
   */
  blobConcurrency?: number;
  /** Scopes blob receipts and timer status; default the setting AzureFunctionsWebHost__hostid or the machine name. */
  hostId?: string;
  logger?: HostLogger;
  /**
   * `scheduled` (default): timers fire on their schedules, as on Azure. `manual`: only `triggerTimer()` and
   * `POST /admin/functions/{name}` run them, for tests that a wall-clock occurrence (say :15 for reconcilePhotos)
   * must not disturb.
   */
  timerSchedules?: 'scheduled' | 'manual';
  /**
   * How long a queue message being processed stays hidden between renewals (default 10 minutes, the host's): a host
   * that dies holds its messages this long. The soak shortens it to kill hosts often within a short run.
   */
  queueLeaseMs?: number;
}

function defaultHostId(env: Record<string, string | undefined>): string {
  const configured = env.AzureFunctionsWebHost__hostid?.trim();
  // The host's own rule: lower case, letters, digits and dashes, at most 32 characters.
  return (
    (configured || hostname())
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 32) || 'localhost'
  );
}

/** How the host names a function in blob trigger messages and the webhook's `functionName`. */
const functionIdPrefix = 'Host.Functions.';

function triggerType(fn: RegisteredFunction): string {
  return String(Object.values(fn.metadata.bindings).find((b) => String(b.type).endsWith('Trigger'))?.type);
}

export class LocalFunctionsHost extends EventEmitter<LocalFunctionsHostEvents> {
  readonly functions: readonly FunctionSummary[];
  readonly #listeners: TriggerListener[] = [];
  readonly #timers = new Map<string, TimerTriggerScheduler>();
  readonly #blobListeners = new Map<string, BlobTriggerListener>();
  #blobTriggerQueue: BlobTriggerQueueListener | undefined;
  readonly #queueListeners: QueueTriggerListener[] = [];
  #http: HttpTriggerServer | undefined;
  #invoker: FunctionInvoker | undefined;
  #restoreEnv: () => void = () => undefined;
  #stopping: Promise<void> | undefined;
  #hostId = '';

  private constructor(
    private readonly registrations: RegisteredFunction[],
    private readonly hostJson: HostJsonOptions,
    private readonly logger: HostLogger,
  ) {
    super();
    this.functions = registrations.map((fn) => summarise(fn, hostJson.http.routePrefix));
  }

  static async start(options: LocalFunctionsHostOptions = {}): Promise<LocalFunctionsHost> {
    const appRoot = path.resolve(options.appRoot ?? process.cwd());
    const logger = options.logger ?? createConsoleHostLogger();
    const restoreEnv = applyAppSettings(options.appSettings ?? {});
    let host: LocalFunctionsHost | undefined;
    try {
      const hostJson = readHostJson(options.hostJsonPath ?? path.join(appRoot, 'host.json'));
      const files = resolveFunctionModules(options.functionModules ?? defaultFunctionModules(appRoot), {
        cwd: appRoot,
      });
      setSystemLogSink((level, _category, message) => {
        if (level === 'warning' || level === 'error' || level === 'critical')
          logger.log(level === 'warning' ? 'warn' : 'error', message);
      });
      const functions = prepareFunctions(loadFunctionApp(files), process.env);
      host = new LocalFunctionsHost(functions, hostJson, logger);
      host.#restoreEnv = restoreEnv;
      await host.#start(options);
      return host;
    } catch (error) {
      if (host) await host.stop();
      else restoreEnv();
      throw error;
    }
  }

  /** `http://localhost:{port}/api` (the route prefix from host.json). */
  get httpBaseUrl(): string {
    const prefix = this.hostJson.http.routePrefix;
    return `http://localhost:${this.#http?.port ?? 0}${prefix ? `/${prefix}` : ''}`;
  }

  /** Scopes blob receipts and timer status: instances of one app share it. */
  get hostId(): string {
    return this.#hostId;
  }

  get httpPort(): number {
    return this.#http?.port ?? 0;
  }

  async #start(options: LocalFunctionsHostOptions): Promise<void> {
    const storage = new StorageConnections(process.env);
    const hostId = options.hostId ?? defaultHostId(process.env);
    this.#hostId = hostId;
    const { queues } = this.hostJson;
    const writer = new QueueOutputWriter(storage, {
      messageEncoding: queues.messageEncoding,
      onSent: (queueName) =>
        this.#queueListeners.filter((l) => l.queueName === queueName).forEach((l) => l.notifyNewMessages()),
    });
    const invoker = new FunctionInvoker(this, writer, this.logger);
    this.#invoker = invoker;
    const needsStorage = this.registrations.some((fn) =>
      ['blobTrigger', 'queueTrigger', 'timerTrigger'].includes(triggerType(fn)),
    );
    const hosts =
      needsStorage && process.env.AzureWebJobsStorage
        ? storage.blobService(undefined).getContainerClient(hostsContainer)
        : undefined;
    await hosts?.createIfNotExists();
    const blobSlots = new BlobInvocationSlots(options.blobConcurrency ?? this.hostJson.blobs.maxDegreeOfParallelism);
    if (this.registrations.some((fn) => triggerType(fn) === 'blobTrigger')) {
      this.#blobTriggerQueue = new BlobTriggerQueueListener({
        storage,
        hostId,
        slots: blobSlots,
        logger: this.logger,
        poisonBlobThreshold: this.hostJson.blobs.poisonBlobThreshold,
        retryDelayMs: queues.visibilityTimeoutMs,
        maxPollingIntervalMs: queues.maxPollingIntervalMs,
        ...(options.queueLeaseMs ? { leaseMs: options.queueLeaseMs } : {}),
        target: (functionId) =>
          functionId.startsWith(functionIdPrefix)
            ? this.#blobListeners.get(functionId.slice(functionIdPrefix.length))
            : undefined,
      });
      this.#listeners.push(this.#blobTriggerQueue);
    }

    for (const fn of this.registrations) {
      const trigger = Object.values(fn.metadata.bindings).find((b) => String(b.type).endsWith('Trigger')) ?? {};
      if (trigger.type === 'blobTrigger') {
        const receipts = new BlobReceiptStore(storage.blobService(undefined), hostId);
        const listener = new BlobTriggerListener(fn, new BlobPathPattern(String(trigger.path)), {
          storage,
          receipts,
          invoker,
          logger: this.logger,
          pollIntervalMs: options.pollIntervalMs ?? 500,
          slots: blobSlots,
          poisonBlobThreshold: this.hostJson.blobs.poisonBlobThreshold,
          retryDelayMs: queues.visibilityTimeoutMs,
          source: options.blobTriggerSource ?? 'poll',
          ...(options.blobMaxContentLength !== undefined ? { maxContentLength: options.blobMaxContentLength } : {}),
        });
        this.#blobListeners.set(fn.metadata.name, listener);
        this.#listeners.push(listener);
      } else if (trigger.type === 'queueTrigger') {
        const listener = new QueueTriggerListener(fn, String(trigger.queueName), {
          storage,
          invoker,
          logger: this.logger,
          queues,
          ...(options.queueLeaseMs ? { leaseMs: options.queueLeaseMs } : {}),
        });
        this.#queueListeners.push(listener);
        this.#listeners.push(listener);
      } else if (trigger.type === 'timerTrigger') {
        const scheduler = new TimerTriggerScheduler(fn, {
          invoker,
          logger: this.logger,
          hostsContainer: hosts,
          hostId,
          manual: options.timerSchedules === 'manual',
        });
        this.#timers.set(fn.metadata.name, scheduler);
        this.#listeners.push(scheduler);
      }
    }
    const httpFunctions = this.registrations.filter((fn) => triggerType(fn) === 'httpTrigger');
    this.#http = new HttpTriggerServer(httpFunctions, {
      invoker,
      routePrefix: this.hostJson.http.routePrefix,
      port: options.httpPort ?? 7071,
      runNow: (name) => {
        const scheduler = this.#timers.get(name);
        // The admin API answers 202 at once; the outcome shows in the invocation log line.
        scheduler?.trigger().catch(() => undefined);
        return scheduler !== undefined;
      },
      webhooks: {
        blobs: (request) =>
          handleEventGridBlobWebhook(request, (functionId, blob) => this.#deliverBlobEvent(functionId, blob)),
      },
    });
    await this.#http.start();

    for (const hook of hooksNamed('appStart'))
      await hook({
        hookData: {},
        appHookData: invoker.appHookData,
        functionAppDirectory: options.appRoot ?? process.cwd(),
      });
    for (const listener of this.#listeners) await listener.start();
    this.logger.log('info', `local Functions host started`, {
      functions: this.functions.length,
      http: this.httpBaseUrl,
      hostId,
    });
  }

  /**
   * An Event Grid blob event posted for `Host.Functions.{name}`: written to the host's blob trigger queue whatever the
   * name, as the extension does; the instance that reads it drops it when no such blob trigger exists
   * (BlobQueueTriggerExecutor: FunctionNotFound). An app without blob triggers has no such queue: dropped here.
   */
  async #deliverBlobEvent(functionId: string, blob: BlobCreatedRef): Promise<void> {
    if (!this.#blobTriggerQueue) {
      this.logger.log('warn', `Event Grid blob event ignored: this app has no blob trigger`, {
        blob: `${blob.container}/${blob.blobName}`,
      });
      return;
    }
    await this.#blobTriggerQueue.enqueue({
      FunctionId: functionId,
      BlobType: 'BlockBlob',
      ContainerName: blob.container,
      BlobName: blob.blobName,
      ETag: blob.etag ? `"${blob.etag.replace(/^"|"$/g, '')}"` : '',
    });
  }

  /** Runs a timer function now, as the portal's "Test/Run" or `POST /admin/functions/{name}` does. */
  triggerTimer(name: string): Promise<RpcInvocationResponse> {
    const scheduler = this.#timers.get(name);
    if (!scheduler) throw new LocalRuntimeError('unknown-function', `No timer function named "${name}".`);
    return scheduler.trigger();
  }

  /**
   * Delivers a blob's current version to a blob-triggered function again, through the same path as a first
   * delivery (outputs applied, events raised): what a duplicate Event Grid event does on Azure.
   */
  redeliverBlob(functionName: string, blobName: string): Promise<RpcInvocationResponse> {
    const listener = this.#blobListeners.get(functionName);
    if (!listener)
      throw new LocalRuntimeError('unknown-function', `No blob-triggered function named "${functionName}".`);
    return listener.redeliver(blobName);
  }

  /** Resolves once nothing is running and no trigger has work waiting (including messages hidden for a retry). */
  /** Invocations running now (cheap: no storage call, unlike waitForIdle's check of the triggers' sources). */
  get inFlightCount(): number {
    return this.#invoker?.inFlightCount ?? 0;
  }

  /** True while an invocation runs or a trigger has work waiting (a visible message, an unprocessed blob). */
  async isBusy(): Promise<boolean> {
    return this.inFlightCount > 0 || (await Promise.all(this.#listeners.map((l) => l.hasPendingWork()))).some(Boolean);
  }

  async waitForIdle(options: { timeoutMs?: number; pollMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let quietChecks = 0;
    while (quietChecks < 2) {
      if (Date.now() > deadline)
        throw new LocalRuntimeError('idle-timeout', `The host was still busy after ${options.timeoutMs ?? 30_000} ms.`);
      const busy = await this.isBusy();
      // Checked again after the await: an invocation may have started while the sources were asked.
      quietChecks = busy || this.inFlightCount > 0 ? 0 : quietChecks + 1;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
    }
  }

  /** Stops taking work, lets in-flight invocations finish, and closes the HTTP server. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all(this.#listeners.map((l) => l.stop()));
      await Promise.all([this.#http?.stop(), this.#invoker?.drain()]);
      for (const hook of hooksNamed('appTerminate'))
        await hook({ hookData: {}, appHookData: this.#invoker?.appHookData ?? {} });
      this.#restoreEnv();
      this.logger.log('info', 'local Functions host stopped');
    })();
    return this.#stopping;
  }
}
