// `npm run bench:reconcile`: one reconcilePhotos pass over a seeded emulator tenant (default 2,000 users with
// photos, 1 % of them changed since last seen), with the real GraphClient (MSAL, $batch, paging) at the default
// pace and unpaced, then extrapolated to 10,000 users against the 15-minute schedule.

import { setTimeout as delay } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { startM365Emulator } from '../dev/m365-emulator';
import { ensureDevCertificateAuthority } from '../dev/devCertificates';
import { createM365Clients } from '../src/m365/createM365Clients';
import { graphReconcilePorts } from '../src/m365/GraphPhotoChangePorts';
import { reconcilePhotos, type ReconcileReport } from '../src/pipeline/photoChange/reconcilePhotos';
import type { ReconcileCheckpoint } from '../src/pipeline/photoChange/ReconcileCheckpoint';
import { skipRules } from '../src/pipeline/photoChange/worthSyncing';
import {
  DEFAULT_RECONCILE_PACING,
  RECONCILE_PERIOD_MS,
  type ReconcilePacing,
} from '../src/pipeline/photoChange/reconcilePacing';

const USERS = Number(process.env.BENCH_USERS ?? 2_000);

async function main(): Promise<void> {
  const emulator = await startM365Emulator({
    certificateAuthority: ensureDevCertificateAuthority(),
    seed: 'none',
    notifyOnPhotoChange: false,
  });
  try {
    const jpeg = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#3366aa' } })
      .jpeg()
      .toBuffer();
    const seen = new Map<string, string[]>();
    for (let i = 0; i < USERS; i++) {
      const user = emulator.control.addUser(
        {
          displayName: `Bench User ${i}`,
          userPrincipalName: `bench.user${i}@contoso.com`,
        },
        // Throughput, not onboarding: these people already have SharePoint profiles.
        { sharePointProfile: 'now' },
      );
      const { mediaEtag } = await emulator.control.changePhotoAsUser(user.id, jpeg);
      // 1 % changed since our last pass: their recorded etag is an older one.
      seen.set(user.id, [i % 100 === 0 ? '"OLDETAG"' : mediaEtag]);
    }
    const app = emulator.apps.photoSync;
    const { graph } = createM365Clients({
      tenantId: emulator.tenantId,
      clientId: app.clientId,
      credential: { kind: 'certificate', certificatePem: app.certificatePem, privateKeyPem: app.privateKeyPem },
      authorityHost: emulator.urls.authorityHost,
      graphBaseUrl: emulator.urls.graphBaseUrl,
      mySiteUrl: emulator.urls.mySiteUrl,
      adminSiteUrl: emulator.urls.adminSiteUrl,
      userAgent: 'NONISV|Contoso|M365PhotoSync-bench/0.1.0',
      httpTimeoutMs: 30_000,
      sharePointUnitsPerMinute: 1_200,
    });
    const pass = async (pacing: ReconcilePacing): Promise<ReconcileReport> => {
      let queued = 0;
      let checkpoint: ReconcileCheckpoint | undefined;
      const report = await reconcilePhotos({
        ...graphReconcilePorts(graph),
        checkpoint: {
          load: () => Promise.resolve(checkpoint),
          save: (c) => {
            checkpoint = c;
            return Promise.resolve();
          },
        },
        skip: { rules: skipRules },
        seenMediaEtags: (ids) => Promise.resolve(new Map(ids.map((id) => [id, seen.get(id) ?? []]))),
        now: Date.now,
        delay: (ms) => delay(ms),
        newCorrelationId: randomUUID,
        enqueue: (changes) => {
          queued += changes.length;
          return Promise.resolve();
        },
        pacing,
      });
      if (queued !== report.changed) throw new Error('enqueue count differs from the report');
      return report;
    };
    await pass({ ...DEFAULT_RECONCILE_PACING, batchesPerSecond: 1_000, runBudgetMs: 600_000 }); // warm-up: token, TLS, JIT
    const paced = await pass(DEFAULT_RECONCILE_PACING);
    const unpaced = await pass({ ...DEFAULT_RECONCILE_PACING, batchesPerSecond: 1_000, runBudgetMs: 600_000 });
    const per10k = (r: ReconcileReport): number => ((r.elapsedMs / r.usersSeen) * 10_000) / 1000;
    console.log(`reconcilePhotos against the emulator: ${USERS} users, node ${process.version}`);
    for (const [name, r] of [
      ['default pace', paced],
      ['unpaced (emulator capacity)', unpaced],
    ] as const) {
      console.log(
        `${name.padEnd(28)} ${(r.elapsedMs / 1000).toFixed(1).padStart(6)} s  ${r.batches} batches  ${r.pages} pages  ` +
          `changed ${r.changed}  failures ${r.failures}  complete ${r.passCompleted}  → 10,000 users ≈ ${per10k(r).toFixed(0)} s`,
      );
    }
    const fits =
      per10k(paced) * 1000 < RECONCILE_PERIOD_MS && per10k(paced) * 1000 < DEFAULT_RECONCILE_PACING.runBudgetMs;
    console.log(
      `10,000 users at the default pace fit the ${RECONCILE_PERIOD_MS / 60_000}-minute schedule and the run budget: ${fits ? 'yes' : 'NO'}`,
    );
    if (!fits) process.exitCode = 1;
  } finally {
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
