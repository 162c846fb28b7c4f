// Azurite that can be stopped and started again with its data (persisted to disk) on the same ports, so the hosts,
// which keep their connection string, find storage again where it was: the soak's storage outage.

import { setTimeout as sleep } from 'node:timers/promises';
import { startAzurite, type Azurite, type AzuritePorts } from '../azurite';
import { freePort } from '../localStack';

export class RestartableAzurite {
  #current: Azurite | undefined;
  /** Outages under way: a plan's outages may overlap, and storage is back only when the last one ends. */
  #outages = 0;
  #transition: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly ports: AzuritePorts,
    readonly location: string,
  ) {}

  /** Picks three distinct free ports, kept for Azurite's whole life. */
  static async create(location: string): Promise<RestartableAzurite> {
    const ports = new Set<number>();
    while (ports.size < 3) ports.add(await freePort());
    const [blob = 0, queue = 0, table = 0] = [...ports];
    return new RestartableAzurite({ blob, queue, table }, location);
  }

  async start(): Promise<Azurite> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.#current = await startAzurite({ ports: this.ports, persistence: { location: this.location } });
        return this.#current;
      } catch (error) {
        // A port briefly held by a connection the old process left, or a slow start under load.
        if (attempt >= 5) throw error;
        await sleep(1_000);
      }
    }
  }

  /** A graceful stop (SIGTERM): Azurite writes its metadata to disk, as Azure Storage never loses what it acknowledged. */
  async stop(): Promise<void> {
    await this.#current?.stop();
    this.#current = undefined;
  }

  /** Begins an outage: storage stops, unless another outage already stopped it. */
  beginOutage(): Promise<void> {
    this.#outages += 1;
    return this.#serially(() => (this.#outages > 0 && this.#current ? this.stop() : Promise.resolve()));
  }

  /** Ends an outage: storage starts again once no outage is left. */
  endOutage(): Promise<void> {
    this.#outages = Math.max(0, this.#outages - 1);
    return this.#serially(async () => {
      if (this.#outages === 0 && !this.#current) await this.start();
    });
  }

  /** One stop or start at a time, in the order asked, each judging the outage count when its turn comes. */
  #serially(step: () => Promise<unknown>): Promise<void> {
    const next = this.#transition.then(step);
    this.#transition = next.catch(() => undefined);
    return next.then(() => undefined);
  }
}
