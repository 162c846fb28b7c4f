// `npm run bench:notifications`: latency of graphNotifications' 202 through the local runtime's HTTP server under a
// bounded load (Graph treats 3 s as slow; our target is p99 < 100 ms locally), against a baseline function on the
// same server. Azurite only: the notification path never calls Microsoft 365.

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { startLocalStack } from '../dev/localStack';
import { createConsoleHostLogger } from '../dev/runtime/HostLogger';
import { queues, tables } from '../src/storage/names';
import { SubscriptionStore } from '../src/storage/SubscriptionStore';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WARMUP = 200;
const TARGET_P99_MS = 100;

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  perSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** `CONCURRENCY` clients in a closed loop: bounded, so the numbers describe latency, not a queue of our own. */
async function measure(count: number, send: () => Promise<Response>): Promise<Stats> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  const client = async (): Promise<void> => {
    while (issued < count) {
      issued += 1;
      const t0 = performance.now();
      const response = await send();
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`Expected 202, received ${response.status}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    perSecond: count / elapsedS,
  };
}

function row(name: string, s: Stats): string {
  const f = (n: number): string => n.toFixed(1).padStart(7);
  return `${name.padEnd(20)} p50 ${f(s.p50)} ms  p95 ${f(s.p95)} ms  p99 ${f(s.p99)} ms  max ${f(s.max)} ms  ${s.perSecond.toFixed(0).padStart(5)} req/s`;
}

async function main(): Promise<void> {
  const clientState = randomBytes(32).toString('base64url');
  const subscriptionId = randomUUID();
  // Compiled to dist/bench/: the function files are beside it under dist/, host.json is at the repository root.
  const dist = path.resolve(__dirname, '..');
  const repo = path.resolve(dist, '..');
  const stack = await startLocalStack({
    ports: 'ephemeral',
    persistence: 'memory',
    emulator: false,
    functionModules: [
      path.join(dist, 'src/functions/graphNotifications.js'),
      path.join(dist, 'bench/notificationsBaselineFunction.js'),
    ],
    extraSettings: {
      NOTIFICATION_CLIENT_STATE: clientState,
      M365_TENANT_ID: 'contoso.onmicrosoft.com',
      M365_CLIENT_ID: '00000000-0000-0000-0000-000000000000',
      M365_CLIENT_SECRET: 'unused-by-this-path',
      SHAREPOINT_MYSITE_URL: 'https://contoso-my.sharepoint.com',
      SHAREPOINT_ADMIN_URL: 'https://contoso-admin.sharepoint.com',
    },
    host: { logger: createConsoleHostLogger({ minLevel: 'error' }), appRoot: repo },
  });
  try {
    const table = TableClient.fromConnectionString(stack.storageConnectionString, tables.subscriptions, {
      allowInsecureConnection: true,
    });
    await new SubscriptionStore(table).save({
      id: subscriptionId,
      resource: '/users',
      changeType: 'updated',
      notificationEndpoint: 'bench',
      expirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
      settingsFingerprint: 'bench',
    });
    const body = (): string => {
      const userId = randomUUID();
      return JSON.stringify({
        value: [
          {
            subscriptionId,
            clientState,
            changeType: 'updated',
            resource: `Users/${userId}`,
            tenantId: 'bench',
            subscriptionExpirationDateTime: new Date().toISOString(),
            resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${userId}`, id: userId },
          },
        ],
      });
    };
    const post = (route: string) => () =>
      fetch(`${stack.host.httpBaseUrl}/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(),
      });

    await measure(WARMUP, post('bench-baseline'));
    await measure(WARMUP, post('notifications'));
    const baseline = await measure(REQUESTS, post('bench-baseline'));
    const notifications = await measure(REQUESTS, post('notifications'));

    const queued =
      (await new QueueClient(stack.storageConnectionString, queues.photoChanges).getProperties())
        .approximateMessagesCount ?? 0;
    console.log(
      `graphNotifications benchmark: ${REQUESTS} requests per endpoint, ${CONCURRENCY} concurrent clients, node ${process.version}`,
    );
    console.log(row('baseline (trivial)', baseline));
    console.log(row('graphNotifications', notifications));
    console.log(`p99 ratio graphNotifications / baseline: ${(notifications.p99 / baseline.p99).toFixed(2)}×`);
    console.log(`photo-changes messages queued: ${queued} of ${WARMUP + REQUESTS} notifications`);
    const ok = notifications.p99 < TARGET_P99_MS;
    console.log(`target p99 < ${TARGET_P99_MS} ms: ${ok ? 'met' : 'MISSED'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
