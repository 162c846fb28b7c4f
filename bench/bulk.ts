// `npm run bench:bulk`: a first rollout's bulk drop. N photos (default 300; the issue's figure is 10,000:
// `-- --photos 10000`) dropped at once into photos-incoming on Azurite, written by several host instances (default 3,
// each in its own process, as Flex Consumption scales out) into the Microsoft 365 emulator with
// SharePoint's budget on: B resource units per minute per app (default 1,200; a real tenant has 1,200-6,000 by
// licences), fixed one-minute windows as SharePoint's quota resets, RateLimit-* headers best effort, the PeopleManager
// tenant cap, Outlook's per-mailbox limits. Every instance paces from the one budget leased through table storage
// (SharedUnitBudget), configured to the same B. Prints:
// - the share of SharePoint's budget spent while work waited (target ≥ 90 %), and the units admitted per photo written
//   against what one photo's calls cost (so the budget went to new writes, not repeats);
// - 429s as a share of all Microsoft 365 calls (target ≤ 1 %);
// - time to drain against the budget-bound floor (photos × units per photo / B);
// - peak RSS per instance (target ≤ 400 MB), and the benchmark's own (the emulator holding every photo, the uploader);
// - whether anything was lost (exit 1 if so).
// Each upload is followed by the BlobCreated event Event Grid would post, sent to the instances in turn (`--delivery
// poll` lists the container instead, which at thousands of blobs makes Azurite the bottleneck). Azurite keeps its
// data on disk. Bounded by --timeout-seconds; everything started is stopped at the end.

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BlobServiceClient } from '@azure/storage-blob';
import { Command } from 'commander';
import sharp from 'sharp';
import { startLocalStack } from '../dev/localStack';
import { readHostJson } from '../dev/runtime/readHostJson';
import { sharePointCallCosts } from '../dev/m365-emulator';
import { containers } from '../src/storage/names';
import { exitIfStillRunning, positiveInteger } from './benchCli';
import { reserveFirstInstancePort, startBenchInstances } from './e2e/benchInstances';
import { budgetUseWhileBacklogged } from './e2e/budgetUseWhileBacklogged';
import { deliveryOption, postBlobCreated } from '../dev/instances/postBlobCreated';
import { generateBenchPhotos, withJpegComment } from './e2e/generateBenchPhotos';
import { formatLatencies, summariseLatencies } from './e2e/latencySummary';
import { PhotoTimeline, type PhotoRecord } from './e2e/PhotoTimeline';
import { requestsByGroup } from './e2e/RequestSampler';
import { verifyNothingLost } from './e2e/verifyNothingLost';

const PROGRESS_INTERVAL_MS = 30_000;
const WINDOW_MS = 60_000;
const POOL_SIZE = 100;

interface BulkOptions {
  photos: number;
  instances: number;
  unitsPerMinute: number;
  concurrency: number;
  timeoutSeconds: number;
  delivery: 'eventGrid' | 'poll';
}

function parseOptions(): BulkOptions {
  return new Command()
    .name('bench:bulk')
    .option('--photos <n>', 'photos dropped at once, one per user', positiveInteger, 300)
    .option('--instances <n>', 'host instances on the one Azurite', positiveInteger, 3)
    .option('--units-per-minute <n>', "SharePoint's per-app budget in resource units", positiveInteger, 1_200)
    .option('--concurrency <n>', 'uploads at once', positiveInteger, 8)
    .option('--timeout-seconds <n>', 'hard limit for the whole run', positiveInteger, 3_600)
    .addOption(deliveryOption())
    .parse()
    .opts<BulkOptions>();
}

async function main(): Promise<void> {
  const options = parseOptions();
  const deadline = performance.now() + options.timeoutSeconds * 1000;
  exitIfStillRunning('bench:bulk', options.timeoutSeconds);
  const hostJsonPath = path.resolve(__dirname, '../../host.json');
  const hostJson = readHostJson(hostJsonPath);
  const writerSlots = hostJson.queues.batchSize + hostJson.queues.newBatchThreshold;
  console.log(
    `bench:bulk — ${options.photos} photos dropped at once, ${options.instances} host instance(s), SharePoint ` +
      `${options.unitsPerMinute} resource units/min per app shared through table storage`,
  );
  console.log(
    `node ${process.version}, sharp ${sharp.versions.sharp}; production host.json; Azurite on disk (its in-memory store holds 512 MB, not a whole company's photos); blobs delivered by ${options.delivery === 'eventGrid' ? 'Event Grid events posted to the instances in turn, as on Azure' : 'listing photos-incoming'}`,
  );

  const timeline = new PhotoTimeline();
  // Every instance runs in its own process, so each peak is the instance's alone: this process holds the emulator
  // (every photo written, in memory) and the uploader, and its host loads no functions.
  const first = await reserveFirstInstancePort();
  const stack = await startLocalStack({
    ports: 'ephemeral',
    persistence: 'disk',
    functionModules: [],
    emulator: { seed: 'none' },
    host: { logger: timeline, hostJsonPath, blobTriggerSource: options.delivery },
    extraSettings: {
      SHAREPOINT_RESOURCE_UNITS_PER_MINUTE: String(options.unitsPerMinute),
      NOTIFICATION_URL: first.notificationUrl,
    },
  });
  const instances = await startBenchInstances(stack, timeline, options.instances, {
    firstPort: first.firstPort,
    blobTriggerSource: options.delivery,
  });
  let failed = false;
  try {
    const users = Array.from({ length: options.photos }, (_, i) =>
      stack.emulator.control.addUser(
        { displayName: `Bulk User ${i}`, userPrincipalName: `bulk.user${i}@contoso.com`, mailbox: 'exchangeOnline' },
        { sharePointProfile: 'now' },
      ),
    );
    // SharePoint's real per-minute budget, at B; fixed windows (the quota resets whole) from now on.
    stack.emulator.control.setThrottling({ service: 'sharepoint', limit: options.unitsPerMinute, windowMs: WINDOW_MS });
    stack.emulator.control.resetStats();
    const incoming = BlobServiceClient.fromConnectionString(stack.storageConnectionString).getContainerClient(
      containers.incoming,
    );
    const pool = await generateBenchPhotos(Math.min(options.photos, POOL_SIZE), { phase: 0 });
    const startedAt = performance.now();
    let next = 0;
    let uploadsDoneAt = startedAt;
    // HR's drop is uploads only: the photos are rendered before the clock starts, a pool of distinct ones made
    // unique per person by a JPEG comment (10,000 rendered photos would not fit in memory beside three hosts).
    const uploader = async (): Promise<void> => {
      for (let index = next++; index < users.length; index = next++) {
        const user = users[index];
        if (!user) continue;
        const bytes = withJpegComment(pool[index % pool.length] ?? Buffer.alloc(0), index);
        const blobName = `${user.userPrincipalName}.jpg`;
        timeline.uploaded(blobName, Number.NaN);
        const blob = incoming.getBlockBlobClient(blobName);
        await blob.uploadData(bytes, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
        const record = timeline.photos.get(blobName);
        if (record) record.uploadedAt = performance.now();
        if (options.delivery === 'eventGrid') {
          const baseUrl = instances.baseUrls[index % instances.baseUrls.length] ?? '';
          await postBlobCreated(baseUrl, blob.url, bytes.length);
        }
      }
      uploadsDoneAt = Math.max(uploadsDoneAt, performance.now());
    };
    const uploads = Promise.all(Array.from({ length: options.concurrency }, uploader));
    let nextProgressAt = performance.now() + PROGRESS_INTERVAL_MS;
    let uploadsFinished = false;
    let uploadFailure: unknown;
    uploads.then(
      () => (uploadsFinished = true),
      (error: unknown) => (uploadFailure = error),
    );
    while (!uploadsFinished || !timeline.settled()) {
      if (uploadFailure !== undefined) throw new Error(`HR's upload failed: ${(uploadFailure as Error).message}`);
      if (performance.now() > nextProgressAt) {
        nextProgressAt += PROGRESS_INTERVAL_MS;
        console.log(`  ${progressLine(timeline, startedAt, stack.emulator.control.stats().throttled)}`);
      }
      if (performance.now() > deadline) throw new Error(`hard timeout: ${progressLine(timeline, startedAt, 0)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await uploads;
    const photos = [...timeline.photos.values()];
    const done = photos.map((p) => timeline.doneAt(p)).filter((t): t is number => t !== undefined);
    const endedAt = done.length > 0 ? Math.max(...done) : performance.now();
    const stats = stack.emulator.control.stats();
    const requests = requestsByGroup(stats);
    const drainSeconds = (endedAt - startedAt) / 1000;

    console.log(`\nphotos written to both targets: ${done.length}/${photos.length}`);
    console.log(
      `uploads took ${((uploadsDoneAt - startedAt) / 1000).toFixed(1)} s; drained in ${drainSeconds.toFixed(1)} s`,
    );
    const stage = (measure: (p: PhotoRecord) => number | undefined): string =>
      formatLatencies(
        summariseLatencies(photos.map(measure).filter((v): v is number => v !== undefined && !Number.isNaN(v))),
      );
    console.log(
      `  upload → ingest starts (blob pickup)       ${stage((p) => (p.ingestStartedAt ?? NaN) - p.uploadedAt)}`,
    );
    console.log(
      `  ingest                                     ${stage((p) => (p.ingestEndedAt ?? NaN) - (p.ingestStartedAt ?? NaN))}`,
    );
    console.log(
      `  ingest → SharePoint written                ${stage((p) => (p.written.sharepoint?.endedAt ?? NaN) - (p.ingestEndedAt ?? NaN))}`,
    );

    // The budget: what SharePoint admitted per window, counted while more photos waited than the writers take at once.
    const windows = stack.emulator.control
      .throttleWindows('sharepoint')
      .map((w) => ({ ...w, admitted: w.admittedUnits }));
    const busiest = [...new Set(windows.map((w) => w.appId))]
      .map((appId) => ({ appId, units: windows.filter((w) => w.appId === appId).reduce((s, w) => s + w.admitted, 0) }))
      .sort((a, b) => b.units - a.units)[0]?.appId;
    const appWindows = windows.filter((w) => w.appId === busiest);
    const sharePointWrites = photos
      .map((p) => p.written.sharepoint?.endedAt)
      .filter((t): t is number => t !== undefined);
    const use = budgetUseWhileBacklogged(
      appWindows,
      photos.map((p) => p.ingestEndedAt).filter((t): t is number => t !== undefined),
      sharePointWrites,
      { slots: writerSlots * options.instances, endedAt },
    );
    console.log(`\nSharePoint budget per one-minute window (limit ${options.unitsPerMinute} resource units):`);
    for (const w of use.windows) {
      if (w.startedAt > endedAt) break;
      console.log(
        `  ${((w.startedAt - startedAt) / 1000).toFixed(0).padStart(6)} s  admitted ${String(w.admitted).padStart(5)} ` +
          `(${((w.admitted / w.limit) * 100).toFixed(0).padStart(3)} %)  fewest waiting ${String(w.minBacklog).padStart(5)}` +
          `${w.counted ? '  counted' : ''}`,
      );
    }
    const admittedUnits = appWindows.reduce((sum, w) => sum + w.admitted, 0);
    const refusedUnits = appWindows.reduce((sum, w) => sum + w.refusedUnits, 0);
    const unitsPerPhoto = admittedUnits / Math.max(1, sharePointWrites.length);
    const percent = use.fraction * 100;
    console.log(
      `share of SharePoint's budget spent while work waited: ${Number.isNaN(percent) ? 'n/a (no window had work waiting throughout)' : `${percent.toFixed(1)} %`} ` +
        `over ${use.counted} window(s) (target ≥ 90 %) ${percent >= 90 ? 'OK' : 'BELOW TARGET'}`,
    );
    console.log(
      `  resource units admitted per photo written: ${unitsPerPhoto.toFixed(2)} (${(requests.sharepoint / Math.max(1, sharePointWrites.length)).toFixed(2)} ` +
        `SharePoint requests per photo, a write costing ${sharePointCallCosts.write}); units refused with 429: ${refusedUnits}`,
    );
    const allCalls = requests.graph + requests.directory + requests.sharepoint;
    const throttledPercent = (stats.throttled / Math.max(1, allCalls)) * 100;
    const split = Object.entries(stats.throttledBy).map(([limit, count]) => `${limit} ${count}`);
    console.log(
      `429s: ${stats.throttled} of ${allCalls} Microsoft 365 calls = ${throttledPercent.toFixed(2)} % (target ≤ 1 %) ` +
        `${throttledPercent <= 1 ? 'OK' : 'ABOVE TARGET'}${split.length > 0 ? ` (${split.join(', ')})` : ''}`,
    );
    // The floor: SharePoint's budget alone, at what each photo actually cost, from the first window on.
    const floorSeconds = ((sharePointWrites.length * unitsPerPhoto) / options.unitsPerMinute) * 60;
    console.log(
      `time to drain: ${drainSeconds.toFixed(1)} s against a budget-bound floor of ${floorSeconds.toFixed(1)} s ` +
        `(${sharePointWrites.length} photos × ${unitsPerPhoto.toFixed(1)} units / ${options.unitsPerMinute} per minute) = ` +
        `${(drainSeconds / floorSeconds).toFixed(2)}× the floor`,
    );
    // Stopped gracefully (in-flight invocations finish) before storage is checked.
    await instances.stop();
    const loss = await verifyNothingLost(
      users.map((user) => {
        const blobName = `${user.userPrincipalName}.jpg`;
        return {
          blobName,
          userId: user.id,
          userPrincipalName: user.userPrincipalName,
          contentHash: timeline.photos.get(blobName)?.contentHash,
        };
      }),
      { storageConnectionString: stack.storageConnectionString, emulator: stack.emulator },
    );
    console.log(
      `nothing lost: ${loss.problems.length === 0 ? 'yes' : `NO — ${loss.problems.length} problem(s)`} (photos-rejected: ` +
        `${loss.rejected}; poison queues: ${
          Object.entries(loss.poisonMessages)
            .map(([name, count]) => `${name} ${count}`)
            .join(', ') || 'none created'
        }); host warnings ${timeline.warningCount}`,
    );
    for (const problem of loss.problems.slice(0, 10)) console.log(`  ${problem}`);
    for (const warning of timeline.warnings) console.log(`  warning: ${warning}`);
    failed = loss.problems.length > 0;
  } catch (error) {
    failed = true;
    console.error(`\nbench:bulk FAILED: ${(error as Error).message}`);
  } finally {
    const withinTarget = instances.peaks().every((peak) => peak <= 400 * 2 ** 20);
    console.log(`${instances.describePeaks()} (target ≤ 400 MB per instance) ${withinTarget ? 'OK' : 'ABOVE TARGET'}`);
    await instances.stop();
    await stack.stop();
  }
  console.log(`\nresult: ${failed ? 'FAIL (something was lost or the run did not finish)' : 'OK'}`);
  if (failed) process.exitCode = 1;
}

function progressLine(timeline: PhotoTimeline, startedAt: number, throttled: number): string {
  const photos = [...timeline.photos.values()];
  const count = (test: (p: PhotoRecord) => boolean): number => photos.filter(test).length;
  return (
    `${((performance.now() - startedAt) / 1000).toFixed(0)} s: uploaded ${count((p) => !Number.isNaN(p.uploadedAt))}, ` +
    `ingested ${count((p) => p.ingestOutcome === 'accepted')}, Exchange ${count((p) => p.written.exchange !== undefined)}, ` +
    `SharePoint ${count((p) => p.written.sharepoint !== undefined)} of ${photos.length}; 429s ${throttled}`
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
