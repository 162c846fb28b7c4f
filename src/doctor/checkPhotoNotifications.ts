// --notify-check: which kind of tenant is this? Microsoft says `/users` change notifications are "not yet supported
// for user/photo" (learn.microsoft.com/answers/questions/1042115), yet some tenants may send them; the latency people
// see depends on it (docs/notifications.md). So, for the test user, the doctor:
// 1. listens for notifications itself (a local HTTP receiver; Graph needs a public https URL to reach it, given with
//    --receiver-url, e.g. a dev tunnel to --receiver-port; the emulator accepts http://localhost),
// 2. creates a temporary `/users` subscription (as the pipeline's) pointing at it, answering the validation handshake,
// 3. writes a generated photo to the test user and polls Graph until it serves it (the read-after-write lag, which
//    PHOTO_READ_LAG_MS must cover),
// 4. waits a bounded time for a notification naming the test user, then deletes the subscription,
// and reports whether one came, after how long, and the latency users should expect either way.

import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { M365Clients } from '../m365/createM365Clients';
import { isM365RequestError } from '../m365/M365RequestError';
import {
  DEFAULT_GRAPH_REQUESTS_PER_MINUTE,
  pacingForBudget,
  passMs,
  worstCaseLatencyMs,
} from '../pipeline/photoChange/reconcilePacing';
import { NOTIFICATION_SETTLE_MS } from '../pipeline/photoChange/settleDelay';
import type { CheckResult } from './DoctorCheck';

export interface NotifyCheckOptions {
  testUser: string;
  /** How long to wait for a notification (and for Graph to serve the new photo). */
  waitMs: number;
  /** Local port of the receiver (0: any free port). */
  receiverPort: number;
  /** Public URL that reaches the receiver; default http://localhost:{port}/ (the emulator accepts it, Graph does not). */
  receiverUrl?: string;
  /** PHOTO_READ_LAG_MS and RECONCILE_GRAPH_REQUESTS_PER_MINUTE as configured, for the expected-latency figures. */
  photoReadLagMs: number;
  graphRequestsPerMinute?: number;
  pollIntervalMs?: number;
}

/** Processing after a change is found: the settle delay, a Graph read, renditions and the SharePoint writes. */
const PROCESSING_ALLOWANCE_MS = 30_000;

interface Receiver {
  url: string;
  notifiedAt(userId: string): number | undefined;
  close(): Promise<void>;
}

async function startReceiver(port: number, clientState: string): Promise<Receiver & { server: Server }> {
  const notified = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const token = url.searchParams.get('validationToken');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        return;
      }
      const at = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          value?: Array<{ clientState?: string; resourceData?: { id?: string } }>;
        };
        for (const item of body.value ?? []) {
          const id = item.resourceData?.id?.toLowerCase();
          if (item.clientState === clientState && id && !notified.has(id)) notified.set(id, at);
        }
      } catch {
        // Not a notification: nothing to record.
      }
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://localhost:${actualPort}/`,
    notifiedAt: (userId) => notified.get(userId.toLowerCase()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function minutes(ms: number): string {
  return ms < 90_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

async function userCount(clients: M365Clients): Promise<number | undefined> {
  try {
    const page = await clients.graph.call(
      (c) =>
        c.api('/users').header('ConsistencyLevel', 'eventual').count(true).top(1).select(['id']).get() as Promise<{
          '@odata.count'?: number;
        }>,
    );
    return page['@odata.count'];
  } catch {
    return undefined;
  }
}

export async function checkPhotoNotifications(
  clients: M365Clients,
  options: NotifyCheckOptions,
): Promise<CheckResult[]> {
  const title = 'Tenant notifies photo changes';
  const user = await clients.graph.getUser(options.testUser).catch(() => undefined);
  if (!user) {
    return [{ id: 'photo-notifications', title, status: 'skip', detail: `test user ${options.testUser} not found` }];
  }
  const poll = options.pollIntervalMs ?? 1_000;
  const clientState = randomBytes(24).toString('base64url');
  const receiver = await startReceiver(options.receiverPort, clientState);
  const notificationUrl = options.receiverUrl ?? receiver.url;
  const results: CheckResult[] = [];
  let subscriptionId: string | undefined;
  try {
    try {
      const created = await clients.graph.subscriptions.create({
        resource: '/users',
        changeType: 'updated',
        notificationUrl,
        lifecycleNotificationUrl: notificationUrl,
        clientState,
        expirationDateTime: new Date(Date.now() + 30 * 60_000).toISOString(),
      });
      subscriptionId = created.id;
    } catch (error) {
      const detail = isM365RequestError(error) ? `${error.status} ${error.code}: ${error.message}` : String(error);
      return [
        {
          id: 'photo-notifications',
          title,
          status: 'warn',
          detail: `could not create a temporary subscription to ${notificationUrl}: ${detail}`,
          fix:
            'Graph needs a public https URL that reaches this machine: forward one (e.g. `devtunnel host -p 8788`) ' +
            'and pass --receiver-port 8788 --receiver-url https://<tunnel>/',
        },
      ];
    }
    const before = await clients.graph.getPhotoMetadata(user.id).catch(() => undefined);
    const colour = { r: randomBytes(1)[0] ?? 0, g: randomBytes(1)[0] ?? 0, b: 200 };
    const photo = await sharp({ create: { width: 648, height: 648, channels: 3, background: colour } })
      .jpeg({ quality: 85 })
      .toBuffer();
    const wroteAt = Date.now();
    try {
      await clients.graph.putPhoto(user.id, photo);
    } catch (error) {
      const detail = isM365RequestError(error) ? `${error.status} ${error.code}: ${error.message}` : String(error);
      return [
        {
          id: 'photo-notifications',
          title,
          status: 'skip',
          detail: `the test photo write failed (${detail})`,
          fix: 'Use a test user with an Exchange Online mailbox.',
        },
      ];
    }
    const deadline = wroteAt + options.waitMs;
    let servedAt: number | undefined;
    while (Date.now() < deadline && (servedAt === undefined || receiver.notifiedAt(user.id) === undefined)) {
      if (servedAt === undefined) {
        const now = await clients.graph.getPhotoMetadata(user.id).catch(() => undefined);
        if (now && now.mediaEtag !== before?.mediaEtag) servedAt = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, poll));
    }
    const notifiedAt = receiver.notifiedAt(user.id);

    const lag = servedAt === undefined ? undefined : servedAt - wroteAt;
    results.push({
      id: 'photo-read-lag',
      title: 'Graph serves a new photo after (read-after-write lag)',
      status: lag === undefined || lag > options.photoReadLagMs ? 'warn' : 'pass',
      detail:
        lag === undefined
          ? `still the previous photo after ${minutes(options.waitMs)}`
          : `${minutes(lag)} (PHOTO_READ_LAG_MS is ${minutes(options.photoReadLagMs)})`,
      ...(lag === undefined || lag > options.photoReadLagMs
        ? {
            fix: 'Set PHOTO_READ_LAG_MS above the lag measured here (docs/notifications.md, "Echo of our own writes").',
          }
        : {}),
    });

    const budget = options.graphRequestsPerMinute ?? DEFAULT_GRAPH_REQUESTS_PER_MINUTE;
    const users = await userCount(clients);
    const reconcileWorst = worstCaseLatencyMs({
      passMs: passMs(users ?? 0, pacingForBudget(budget)),
      readLagMs: lag ?? options.photoReadLagMs,
      processingMs: PROCESSING_ALLOWANCE_MS,
    });
    const reconcileText =
      `reconcile alone: at most ${minutes(reconcileWorst)}` +
      (users === undefined ? ' plus one pass (user count unknown)' : ` for ${users} users at ${budget} requests/min`);
    if (notifiedAt !== undefined) {
      const latency = notifiedAt - wroteAt;
      const expected = Math.max(latency + NOTIFICATION_SETTLE_MS, lag ?? 0) + PROCESSING_ALLOWANCE_MS / 3;
      results.push({
        id: 'photo-notifications',
        title,
        status: 'pass',
        detail:
          `yes: a notification came ${minutes(latency)} after the write. Expect about ${minutes(expected)} from ` +
          `Outlook/Teams to SharePoint; if one is missed, ${reconcileText}.`,
      });
    } else {
      results.push({
        id: 'photo-notifications',
        title,
        status: 'warn',
        detail:
          `no notification within ${minutes(options.waitMs)} (as Microsoft documents for photos). ` +
          `Changes made in Outlook/Teams arrive through ${reconcileText}.`,
        fix: 'Nothing to fix: reconcile is the path. Raise RECONCILE_GRAPH_REQUESTS_PER_MINUTE for a shorter wait.',
      });
    }
  } finally {
    if (subscriptionId) await clients.graph.subscriptions.delete(subscriptionId).catch(() => undefined);
    await receiver.close();
  }
  return results;
}
