// Supervises one host instance (hostInstanceMain.ts) as a child process: starts it, restarts it when it dies while it
// should be up (as the platform restarts a crashed worker), kills it with SIGKILL when asked, and hands every JSON log
// line it prints to the listeners (the soak aims kills at them; the benchmarks time photos and read memory).

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { HostInstanceConfig } from './hostInstanceMain';

export interface HostLine {
  t: number;
  level: string;
  message: string;
  [field: string]: unknown;
}

export type HostLineListener = (line: HostLine, event: Record<string, unknown> | undefined) => void;

const restartDelayMs = 500;

export class HostInstanceProcess {
  readonly #configPath: string;
  readonly #settings: Record<string, string>;
  readonly #listeners = new Set<HostLineListener>();
  #child: ChildProcess | undefined;
  #wanted = false;
  #ready: Promise<void> | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #idleReports = 0;
  readonly #statsWaiters: Array<(line: HostLine) => void> = [];
  /** Lines the host wrote on stderr (the app's own console output, crashes), the last few kept for the report. */
  readonly stderrTail: string[] = [];
  starts = 0;
  unexpectedExits = 0;

  /** Highest resident set size the instance reported, bytes (over all its restarts). */
  peakRss = 0;
  readonly name: string;

  /** Where this instance's HTTP triggers and webhooks listen (127.0.0.1). */
  readonly httpPort: number;

  constructor(config: Omit<HostInstanceConfig, 'logFormat'>, stateDir: string) {
    this.name = config.name;
    this.httpPort = config.httpPort;
    this.#configPath = path.join(stateDir, `${config.name}.json`);
    this.#settings = config.settings;
    writeFileSync(this.#configPath, JSON.stringify({ ...config, logFormat: 'json' }), { mode: 0o600 });
  }

  onLine(listener: HostLineListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The running process's id, if one runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts the instance (if it is not running) and resolves when it reports ready. */
  start(): Promise<void> {
    this.#wanted = true;
    if (this.#child && this.#ready) return this.#ready;
    clearTimeout(this.#restartTimer);
    this.starts += 1;
    const child = spawn(process.execPath, [path.join(__dirname, 'hostInstanceMain.js')], {
      // As on Azure, the app settings are the process's environment from its first instruction: the ones read before
      // any of the app's code runs (MALLOC_ARENA_MAX, read by glibc) take effect only so.
      env: { ...process.env, ...this.#settings, HOST_INSTANCE_CONFIG: this.#configPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (text) => {
        let line: HostLine;
        try {
          line = JSON.parse(text) as HostLine;
        } catch {
          return;
        }
        if (line.message === 'host-instance-ready') resolve();
        if (line.message === 'host-instance-stats' && typeof line.rss === 'number')
          this.peakRss = Math.max(this.peakRss, line.rss);
        if (line.message === 'host-instance-stats') {
          this.#idleReports = line.inFlight === 0 ? this.#idleReports + 1 : 0;
          for (const waiter of this.#statsWaiters.splice(0)) waiter(line);
        }
        let event: Record<string, unknown> | undefined;
        if (line.message.startsWith('{')) {
          try {
            event = JSON.parse(line.message) as Record<string, unknown>;
          } catch {
            event = undefined;
          }
        }
        for (const listener of this.#listeners) listener(line, event);
      });
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (text) => {
        this.stderrTail.push(text.slice(0, 300));
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      });
      child.once('exit', (code, signal) => {
        if (this.#child === child) {
          this.#child = undefined;
          this.#ready = undefined;
        }
        reject(new Error(`host ${this.name} exited (${signal ?? code}) before it was ready`));
        if (signal !== 'SIGKILL' && this.#wanted) this.unexpectedExits += 1;
        // Storage down at start, say: the platform would start the worker again.
        if (this.#wanted)
          this.#restartTimer = setTimeout(() => void this.start().catch(() => undefined), restartDelayMs);
      });
    });
    // Whoever awaits start() sees a failure; a restart nobody awaits must not become an unhandled rejection.
    ready.catch(() => undefined);
    this.#ready = ready;
    return ready;
  }

  /** Starts the instance and keeps trying (storage may still be coming back) until it is ready. */
  async up(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.start();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, restartDelayMs));
      }
    }
  }

  /**
   * Resolves once the instance has reported no invocation in flight twice in a row after this call. (Work still
   * waiting in the shared queues is the caller's to check: any instance may take it.)
   */
  async waitForNoInvocations(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#idleReports = 0;
    while (this.#idleReports < 2) {
      if (Date.now() > deadline) throw new Error(`${this.name} was still busy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * The HTTP requests the running process has made so far by destination (`host:port`), as of its next report
   * (within a second). Counts start again when the process restarts.
   */
  requestCounts(): Promise<Record<string, number>> {
    return new Promise((resolve) =>
      this.#statsWaiters.push((line) => {
        let requests: unknown;
        try {
          requests = typeof line.requests === 'string' ? JSON.parse(line.requests) : undefined;
        } catch {
          requests = undefined;
        }
        resolve(typeof requests === 'object' && requests !== null ? (requests as Record<string, number>) : {});
      }),
    );
  }

  /** SIGKILL: nothing in the process gets to finish, flush or release. */
  kill(): Promise<void> {
    return this.#signal('SIGKILL');
  }

  /** A graceful stop at the end of the run: in-flight invocations finish (SIGKILL if that takes over 15 s). */
  stop(): Promise<void> {
    return this.#signal('SIGTERM', 15_000);
  }

  async #signal(signal: NodeJS.Signals, forceAfterMs?: number): Promise<void> {
    this.#wanted = false;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const force = forceAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
    await exited;
    clearTimeout(force);
  }
}
