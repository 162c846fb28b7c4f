// `npm run soak`: the kill-anywhere soak (runSoak.ts). Prints the seed, what it did, the verdict and how many
// visible writes each photo cost; exits 1 when anything was lost, left behind, parked or out of date.
//   npm run soak                       short run for CI (~1-2 min)
//   npm run soak -- --profile long     10 minutes of chaos, 60 people
//   npm run soak -- --seed 1234        replays the plan of a printed seed

import { Command, InvalidArgumentError, Option } from 'commander';
import { deliveryOption } from '../instances/postBlobCreated';
import type { PersonWrites } from './checkSoakOutcome';
import { runSoak, type SoakResult } from './runSoak';
import { soakProfiles } from './soakPlan';

interface CliOptions {
  seed?: number;
  profile: 'short' | 'long';
  duration?: number;
  users?: number;
  instances: number;
  settleTimeout: number;
  queueLease: number;
  delivery: 'eventGrid' | 'poll';
}

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return parsed;
}

function positive(value: string): number {
  const parsed = wholeNumber(value);
  if (parsed < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return parsed;
}

function parseOptions(argv: string[]): CliOptions {
  return new Command()
    .name('soak')
    .description('Kill the host anywhere, stop storage and Microsoft 365, and check that no photo is lost.')
    .option('--seed <n>', 'seed of the plan (default: random, printed)', wholeNumber)
    .addOption(new Option('--profile <name>', 'short (CI) or long').choices(['short', 'long']).default('short'))
    .option('--duration <seconds>', "length of the chaos phase (default: the profile's)", positive)
    .option('--users <n>', "people in the tenant (default: the profile's)", positive)
    .option('--instances <n>', 'host processes on the one Azurite', positive, 1)
    .option('--settle-timeout <seconds>', 'how long the pipeline may take to finish after the chaos', positive, 120)
    .option('--queue-lease <seconds>', "how long a dead host's queue messages stay hidden (Azure: 600)", positive, 10)
    .addOption(deliveryOption())
    .parse(argv)
    .opts<CliOptions>();
}

function printResult(result: SoakResult, seed: number): void {
  const { figures, outcome } = result;
  console.log('\n── soak figures');
  console.log(
    `kills: ${figures.kills.random + figures.kills.aimed + figures.kills.aimedMissed} SIGKILLs ` +
      `(${figures.kills.random} at random moments, ${figures.kills.aimed} aimed just after a step, ` +
      `${figures.kills.aimedMissed} aimed but no such step came), ${figures.kills.skippedHostDown} skipped (host already down); ` +
      `host starts ${figures.hostStarts}`,
  );
  console.log(
    `outages: storage ${(figures.storageOutageMs / 1000).toFixed(1)} s, Microsoft 365 ${(figures.m365OutageMs / 1000).toFixed(1)} s`,
  );
  console.log(`photos: ${figures.drops} HR drops (re-drops included), ${figures.changes} Outlook changes`);
  console.log(`settled ${(figures.settleMs / 1000).toFixed(1)} s after the chaos ended`);
  console.log(
    `host outcomes: ${Object.entries(figures.outcomes)
      .sort()
      .map(([key, count]) => `${key} ${count}`)
      .join(', ')}`,
  );
  const withPhotos = outcome.writes.filter((w) => w.photos > 0);
  const total = (pick: (w: PersonWrites) => number, of = withPhotos): number => of.reduce((sum, w) => sum + pick(w), 0);
  const photos = total((w) => w.photos);
  const hrPhotos = total(
    (w) => w.photos,
    withPhotos.filter((w) => w.role === 'hr'),
  );
  const exchange = total((w) => w.exchange);
  const sharePoint = total((w) => w.sharePoint);
  console.log(
    `visible writes, counted by the emulator: Exchange ${exchange} photo PUTs for ${hrPhotos} HR photos ` +
      `(${(exchange / Math.max(1, hrPhotos)).toFixed(2)} per photo; Outlook photos are already in Exchange), ` +
      `SharePoint ${sharePoint} thumbnail sets for ${photos} photos (${(sharePoint / Math.max(1, photos)).toFixed(2)} per photo). ` +
      'Below 1: an older photo overtaken by a newer one before its turn is never written.',
  );
  const repeated = withPhotos.filter((w) => w.exchange > w.photos || w.sharePoint > w.photos);
  console.log(`people written more often than they had photos: ${repeated.length}`);
  for (const w of repeated)
    console.log(`  ${w.userPrincipalName}: ${w.photos} photo(s), Exchange ${w.exchange}, SharePoint ${w.sharePoint}`);
  if (figures.peakRssMb.length > 0)
    console.log(`peak RSS per host instance: ${figures.peakRssMb.map((mb) => `${mb} MB`).join(', ')}`);
  console.log(`\nverdict (seed ${seed}): ${result.ok ? 'PASS' : `FAIL — ${outcome.problems.length} problem(s)`}`);
  for (const problem of outcome.problems.slice(0, 30)) console.log(`  ${problem}`);
  console.log(
    `soak-result ${JSON.stringify({ ok: result.ok, seed, problems: outcome.problems.length, ...figures, writes: { photos, hrPhotos, exchange, sharePoint, repeated: repeated.length } })}`,
  );
}

async function main(): Promise<void> {
  const cli = parseOptions(process.argv);
  const seed = cli.seed ?? Math.floor(Math.random() * 2 ** 31);
  const profile = {
    ...soakProfiles[cli.profile],
    ...(cli.duration ? { durationMs: cli.duration * 1000 } : {}),
    ...(cli.users ? { users: cli.users } : {}),
  };
  console.log(
    `soak — seed ${seed}, profile ${cli.profile}, chaos ${profile.durationMs / 1000} s, settle at most ${cli.settleTimeout} s ` +
      `(replay: npm run soak -- --seed ${seed}${cli.profile === 'long' ? ' --profile long' : ''}` +
      `${cli.delivery === 'poll' ? ' --delivery poll' : ''}); uploads reach ingest by ` +
      `${cli.delivery === 'eventGrid' ? 'their Event Grid events' : "the hosts' listing"}`,
  );
  // The last resort if something hangs: the run is bounded in time, and a hang is a failure.
  const hardLimitMs = profile.durationMs + cli.settleTimeout * 1000 + 180_000;
  setTimeout(() => {
    console.error(`soak: still running ${hardLimitMs / 1000} s after start; exiting.`);
    process.exit(1);
  }, hardLimitMs).unref();
  const result = await runSoak({
    seed,
    profile,
    instances: cli.instances,
    settleTimeoutMs: cli.settleTimeout * 1000,
    queueLeaseMs: cli.queueLease * 1000,
    delivery: cli.delivery,
    log: (line) => console.log(line),
  });
  printResult(result, seed);
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`soak failed to run: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
