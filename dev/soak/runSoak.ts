// The kill-anywhere soak: Azurite (on disk, so it can be stopped and started with its data), the Microsoft 365
// emulator, and the local Functions host as N child processes. It plays a seeded plan (soakPlan.ts, carried out by
// SoakChaos.ts): HR drops and re-drops photos, people change theirs in Outlook, hosts are killed with SIGKILL and
// restarted, storage stops for a while, Microsoft 365 becomes unreachable for a while. Then it lets the pipeline
// settle and checks the outcome against storage and the emulator (checkSoakOutcome.ts).
//
// Time is compressed in three places, stand-ins for things Azure does on a longer clock: queue messages a dead host
// was processing come back after `queueLeaseMs` (the host's lease is 10 minutes); the reconcile timer (every minute
// on Azure) and the retry of parked uploads (every 5 minutes, a failed retry waiting 5 minutes and more) run every
// 10 s through the host's admin API, a failed retry waiting 3 s (doubling); and Graph's read-after-write lag is 2 s (the
// emulator's default is a minute).

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDevCertificateAuthority } from '../devCertificates';
import { HostInstanceProcess } from '../instances/HostInstanceProcess';
import { emulatorSettings, freePort, processSettings } from '../localStack';
import { startM365Emulator } from '../m365-emulator';
import { provisionStorage } from '../provisionStorage';
import { checkSoakOutcome, type SoakOutcome, type SoakPerson } from './checkSoakOutcome';
import { RestartableAzurite } from './RestartableAzurite';
import { SeededRandom } from './SeededRandom';
import { SoakChaos, type SoakTally } from './SoakChaos';
import { SoakHostReports } from './SoakHostReports';
import { planSoak, type SoakProfile } from './soakPlan';

export interface SoakOptions {
  seed: number;
  profile: SoakProfile;
  instances: number;
  settleTimeoutMs: number;
  queueLeaseMs: number;
  /** How uploads reach ingest: their Event Grid events (as on Azure) or the hosts' listing of the container. */
  delivery: 'eventGrid' | 'poll';
  log: (line: string) => void;
}

export interface SoakFigures extends SoakTally {
  hostStarts: number;
  settleMs: number;
  /** Invocations by `{event}[:{target}] {outcome}`, from the hosts' log lines. */
  outcomes: Record<string, number>;
  peakRssMb: number[];
}

export interface SoakResult {
  ok: boolean;
  outcome: SoakOutcome;
  figures: SoakFigures;
}

/** How often the soak runs the timers it drives: reconcile and the retry of parked uploads. */
const reconcileEveryMs = 10_000;
const drivenTimers = ['reconcilePhotos', 'retryParkedUploads'];

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log, profile } = options;
  const plan = planSoak(options.seed, profile);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'photo-sync-soak-'));
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const azurite = await RestartableAzurite.create(path.join(stateDir, 'azurite'));
    const storage = await azurite.start();
    cleanup.push(() => azurite.stop());
    await provisionStorage(storage.connectionString);
    const emulator = await startM365Emulator({
      certificateAuthority: ensureDevCertificateAuthority(),
      seed: 'none',
      ports: { login: 0, graph: 0, mySite: 0, admin: 0 },
      // The real tenant's readings (no notifications, re-encoding, an etag per write) on the soak's short clock: Graph
      // serves a write 2 s late, and the app's read-after-write window (PHOTO_READ_LAG_MS below) is 4 s.
      photoReadLagMs: 2_000,
    });
    cleanup.push(() => emulator.close());

    const people: SoakPerson[] = plan.roles.map((role, index) => {
      const user = emulator.control.addUser(
        {
          displayName: `Soak User ${index}`,
          userPrincipalName: `soak.user${index}@contoso.com`,
          mailbox: 'exchangeOnline',
        },
        { sharePointProfile: 'now' },
      );
      return { role, userId: user.id, userPrincipalName: user.userPrincipalName, photos: [], drops: [], ownChanges: 0 };
    });

    const httpPorts = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
    const settings: Record<string, string> = {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsFeatureFlags: 'EnableWorkerIndexing',
      AzureWebJobsStorage: storage.connectionString,
      PhotoStorage: storage.connectionString,
      ...emulatorSettings(emulator, stateDir),
      // Graph posts to one address; on Azure the front end spreads it over the instances. Here the first takes it.
      NOTIFICATION_URL: `http://localhost:${httpPorts[0]}/api/notifications`,
      NOTIFICATION_CLIENT_STATE: randomBytes(32).toString('base64url'),
      PHOTO_READ_LAG_MS: '4000',
      INGEST_PARKED_RETRY_SECONDS: '3',
      ...processSettings,
    };
    const hosts = httpPorts.map(
      (httpPort, index) =>
        new HostInstanceProcess(
          {
            name: `host-${index}`,
            settings,
            httpPort,
            hostId: 'soak',
            queueLeaseMs: options.queueLeaseMs,
            timerSchedules: 'manual',
            blobTriggerSource: options.delivery,
          },
          stateDir,
        ),
    );
    cleanup.push(() => Promise.all(hosts.map((h) => h.kill())));
    const reports = new SoakHostReports();
    for (const host of hosts) reports.listen(host);
    await Promise.all(hosts.map((h) => h.up(60_000)));
    const admin = async (name: string): Promise<void> => {
      const index = hosts.findIndex((h) => h.running);
      if (index < 0) return;
      await fetch(`http://localhost:${httpPorts[index]}/admin/functions/${name}`, {
        method: 'POST',
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
    };
    await admin('renewSubscriptions');
    for (const deadline = Date.now() + 30_000; emulator.control.listSubscriptions().length === 0; await sleep(200))
      if (Date.now() > deadline) throw new Error('the host did not create the Graph subscription within 30 s');

    log(
      `plan: ${people.length} people (${plan.roles.filter((r) => r === 'outlook').length} change their photo in Outlook), ` +
        `${plan.photoCount} photos, ${plan.actions.filter((a) => a.kind === 'kill').length} kills, ` +
        `${profile.storageOutages} storage and ${profile.m365Outages} Microsoft 365 outages over ${profile.durationMs / 1000} s; ` +
        `${options.instances} host instance(s)`,
    );
    const chaos = new SoakChaos({
      seed: options.seed,
      random: new SeededRandom(options.seed + 1),
      people,
      hosts,
      azurite,
      storageConnectionString: storage.connectionString,
      emulator,
      delivery: options.delivery,
      log,
    });
    reports.startedAt = chaos.startedAt;
    const running: Promise<void>[] = [];
    let nextReconcileAt = chaos.startedAt + reconcileEveryMs;
    for (const action of plan.actions) {
      while (Date.now() < chaos.startedAt + action.at) {
        await sleep(Math.min(250, chaos.startedAt + action.at - Date.now()));
        if (Date.now() >= nextReconcileAt) {
          nextReconcileAt += reconcileEveryMs;
          for (const timer of drivenTimers) void admin(timer);
        }
      }
      running.push(chaos.run(action));
    }
    await Promise.all(running);
    await chaos.eventsHandedOver();
    await Promise.all(hosts.map((h) => h.up(60_000)));
    log(
      `${((Date.now() - chaos.startedAt) / 1000).toFixed(1).padStart(6)} s  chaos over: every host up, storage and Microsoft 365 reachable; settling`,
    );

    const settleStartedAt = Date.now();
    let outcome: SoakOutcome = { problems: ['not checked'], writes: [] };
    for (let lastReconcile = 0; ; await sleep(2_000)) {
      if (Date.now() - lastReconcile > reconcileEveryMs) {
        lastReconcile = Date.now();
        for (const timer of drivenTimers) await admin(timer);
      }
      outcome = await checkSoakOutcome(people, { storageConnectionString: storage.connectionString, emulator }).catch(
        (error: unknown) => ({ problems: [`checking failed: ${(error as Error).message}`], writes: [] }),
      );
      if (outcome.problems.length === 0 || Date.now() - settleStartedAt > options.settleTimeoutMs) break;
    }
    const figures: SoakFigures = {
      ...chaos.tally,
      hostStarts: hosts.reduce((sum, h) => sum + h.starts, 0),
      settleMs: Date.now() - settleStartedAt,
      outcomes: reports.outcomes,
      peakRssMb: hosts.map((h) => Math.round(h.peakRss / 2 ** 20)),
    };
    for (const person of people) {
      const local = person.userPrincipalName.split('@')[0] ?? '';
      if (!outcome.problems.some((p) => p.startsWith(`${local}-`) || p.startsWith(person.userPrincipalName))) continue;
      const photos = person.photos.map((hash) => hash.slice(0, 12)).join(', ');
      log(`what the hosts reported for ${person.userPrincipalName} (${person.userId}), photos ${photos}:`);
      for (const entry of reports.historyOf(person.userId)) log(`    ${entry}`);
    }
    for (const host of hosts) for (const line of host.stderrTail.slice(-5)) log(`  ${host.name} stderr: ${line}`);
    await Promise.all(hosts.map((h) => h.stop()));
    return { ok: outcome.problems.length === 0, outcome, figures };
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
}
