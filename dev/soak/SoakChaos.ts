// Carries out the plan's actions: HR drops (retried while storage is down, as HR's tool would; with Event Grid
// delivery, each followed by its BlobCreated event, posted to a host until one accepts it), Outlook changes
// through the emulator's control API, SIGKILLs (at a random moment, or aimed a few milliseconds after a step the host
// reports), storage outages and Microsoft 365 outages. One person's photos happen in order, each after the last was
// stored, so which photo is their newest is never in doubt.

import { setTimeout as sleep } from 'node:timers/promises';
import { BlobServiceClient } from '@azure/storage-blob';
import type { M365Emulator } from '../m365-emulator';
import type { HostInstanceProcess } from '../instances/HostInstanceProcess';
import { postBlobCreated } from '../instances/postBlobCreated';
import { contentHash } from '../../src/imaging/contentHash';
import { containers } from '../../src/storage/names';
import type { SoakPerson } from './checkSoakOutcome';
import type { RestartableAzurite } from './RestartableAzurite';
import type { SeededRandom } from './SeededRandom';
import { soakPhoto } from './soakPhotos';
import type { SoakAction } from './soakPlan';
import { OutageSpans } from './OutageSpans';

export interface SoakTally {
  kills: { random: number; aimed: number; aimedMissed: number; skippedHostDown: number };
  storageOutageMs: number;
  m365OutageMs: number;
  drops: number;
  changes: number;
}

type Of<K extends SoakAction['kind']> = Extract<SoakAction, { kind: K }>;

const aimTimeoutMs = 10_000;
/** Event Grid retries a delivery on a schedule of 10 s, 30 s, 1 min…; compressed like the soak's other clocks. */
const eventRetryMs = 500;

export class SoakChaos {
  readonly #counts = { kills: { random: 0, aimed: 0, aimedMissed: 0, skippedHostDown: 0 }, drops: 0, changes: 0 };
  readonly #storageDown = new OutageSpans();
  readonly #m365Down = new OutageSpans();
  readonly #perPerson = new Map<number, Promise<void>>();
  readonly #eventPosts = new Set<Promise<void>>();
  #nextHost = 0;
  readonly #incoming;
  readonly startedAt = Date.now();

  /** What the soak did so far; outage times count overlapping outages once. */
  get tally(): SoakTally {
    return { ...this.#counts, storageOutageMs: this.#storageDown.downMs(), m365OutageMs: this.#m365Down.downMs() };
  }

  constructor(
    private readonly context: {
      seed: number;
      random: SeededRandom;
      people: SoakPerson[];
      hosts: HostInstanceProcess[];
      azurite: RestartableAzurite;
      storageConnectionString: string;
      emulator: M365Emulator;
      /** `eventGrid`: each upload reaches ingest as its BlobCreated event; `poll`: the hosts list the container. */
      delivery: 'eventGrid' | 'poll';
      log: (line: string) => void;
    },
  ) {
    this.#incoming = BlobServiceClient.fromConnectionString(context.storageConnectionString, {
      retryOptions: { maxTries: 1 },
    }).getContainerClient(containers.incoming);
  }

  run(action: SoakAction): Promise<void> {
    switch (action.kind) {
      case 'drop':
        return this.#inOrder(action.user, () => this.#drop(action));
      case 'change':
        return this.#inOrder(action.user, () => this.#change(action));
      case 'kill':
        return this.#kill(action);
      case 'storage-outage':
        return this.#storageOutage(action);
      case 'm365-outage':
        return this.#m365Outage(action);
    }
  }

  #log(line: string): void {
    this.context.log(`${((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  }

  #inOrder(user: number, step: () => Promise<void>): Promise<void> {
    const next = (this.#perPerson.get(user) ?? Promise.resolve()).then(step);
    this.#perPerson.set(
      user,
      next.catch(() => undefined),
    );
    return next;
  }

  async #drop(action: Of<'drop'>): Promise<void> {
    const person = this.context.people[action.user];
    if (!person) return;
    const bytes = await soakPhoto(this.context.seed, action.photo);
    const local = person.userPrincipalName.split('@')[0] ?? '';
    const blobName = `${local}-p${action.photo}${action.redrop ? '-again' : ''}.jpg`;
    for (;;) {
      try {
        const response = await this.#incoming.getBlockBlobClient(blobName).uploadData(bytes, {
          metadata: { upn: person.userPrincipalName },
          blobHTTPHeaders: { blobContentType: 'image/jpeg' },
        });
        person.drops.push({ blobName, lastModified: response.lastModified ?? new Date() });
        if (this.context.delivery === 'eventGrid')
          this.#postEvent(this.#incoming.getBlockBlobClient(blobName).url, bytes.length);
        person.photos.push(contentHash(bytes));
        person.newestBytes = bytes;
        this.#counts.drops += 1;
        // Last-Modified has whole seconds: the person's next photo must be newer, never the same second.
        await sleep(1_100);
        return;
      } catch {
        await sleep(300); // storage is down: HR's tool tries again
      }
    }
  }

  /** Resolves once every upload's event has been accepted by a host (answered 202). */
  async eventsHandedOver(): Promise<void> {
    while (this.#eventPosts.size > 0) await Promise.all([...this.#eventPosts]);
  }

  /**
   * Posts the upload's BlobCreated event as Event Grid does: to one of the hosts, again (to the next) until one
   * answers 202. A host killed after it queued the event but before it answered gets the event twice: the
   * duplicate delivery Event Grid's at-least-once promise allows.
   */
  #postEvent(blobUrl: string, contentLength: number): void {
    const post = (async () => {
      for (;;) {
        const { hosts } = this.context;
        const host = hosts[this.#nextHost++ % hosts.length];
        if (host?.running) {
          try {
            await postBlobCreated(`http://localhost:${host.httpPort}`, blobUrl, contentLength);
            return;
          } catch {
            // Refused, reset, 500 (storage down) or no answer in time: retried.
          }
        }
        await sleep(eventRetryMs);
      }
    })();
    this.#eventPosts.add(post);
    void post.finally(() => this.#eventPosts.delete(post));
  }

  async #change(action: Of<'change'>): Promise<void> {
    const person = this.context.people[action.user];
    if (!person) return;
    const bytes = await soakPhoto(this.context.seed, action.photo);
    await this.context.emulator.control.changePhotoAsUser(person.userId, bytes);
    person.photos.push(contentHash(bytes));
    person.newestBytes = bytes;
    person.ownChanges += 1;
    this.#counts.changes += 1;
  }

  /** Resolves true when `host` printed an `event` line within the aim timeout. */
  #nextLine(host: HostInstanceProcess, event: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, aimTimeoutMs);
      const stop = host.onLine((_line, fields) => {
        if (fields?.event !== event) return;
        clearTimeout(timer);
        stop();
        resolve(true);
      });
    });
  }

  async #kill(action: Of<'kill'>): Promise<void> {
    const { kills } = this.#counts;
    const host = this.context.random.pick(this.context.hosts);
    let how = 'at a random moment';
    if (action.aim && host.running) {
      const seen = await this.#nextLine(host, action.aim.event);
      if (seen) await sleep(action.aim.delayMs);
      how = seen ? `${action.aim.delayMs} ms after a ${action.aim.event} line` : `(no ${action.aim.event} line came)`;
    }
    // Another kill may have got there first while this one waited for its moment.
    if (!host.running) {
      kills.skippedHostDown += 1;
      return;
    }
    if (!action.aim) kills.random += 1;
    else if (how.startsWith('(')) kills.aimedMissed += 1;
    else kills.aimed += 1;
    await host.kill();
    this.#log(`SIGKILL ${host.name} ${how}; down ${action.downMs} ms`);
    await sleep(action.downMs);
    await host.start().catch(() => undefined);
  }

  async #storageOutage(action: Of<'storage-outage'>): Promise<void> {
    this.#log(`storage down for ${action.durationMs} ms`);
    this.#storageDown.begin();
    await this.context.azurite.beginOutage();
    await sleep(action.durationMs);
    // When outages overlap, storage comes back with the last of them.
    await this.context.azurite.endOutage();
    if (this.#storageDown.end()) this.#log('storage outage over');
  }

  async #m365Outage(action: Of<'m365-outage'>): Promise<void> {
    const { control } = this.context.emulator;
    this.#log(`Microsoft 365 unreachable for ${action.durationMs} ms`);
    // Every connection to login, Graph and SharePoint is dropped without an answer, until the last of overlapping
    // outages ends.
    if (this.#m365Down.begin()) {
      for (const service of ['login', 'graph', 'sharepoint'] as const)
        control.injectFault({ service, dropConnection: true, times: Infinity });
    }
    await sleep(action.durationMs);
    if (!this.#m365Down.end()) return;
    control.clearFaults();
    this.#log('Microsoft 365 back');
  }
}
