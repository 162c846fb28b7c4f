// What the benchmarks' command lines share: whole-number options and a last-resort exit if stopping hangs (the
// `--delivery` option is dev/instances/postBlobCreated.ts's, shared with the soak).

import { InvalidArgumentError } from 'commander';

/** A commander option parser for a whole number ≥ 1. */
export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return parsed;
}

/** The process must end, and non-zero, even when stopping the stack hangs: a minute after the run's own limit. */
export function exitIfStillRunning(name: string, timeoutSeconds: number): void {
  setTimeout(
    () => {
      console.error(`${name}: still running ${timeoutSeconds + 60} s after start; exiting.`);
      process.exit(1);
    },
    (timeoutSeconds + 60) * 1000,
  ).unref();
}
