// CPU time of each process a benchmark runs (Azurite, the host instances, the benchmark with the emulator), read from
// Linux's /proc, so a phase can say where the machine's cores went: a photo's cost to the whole machine, not only to
// the host. Elsewhere there is no /proc and the figures are left out.

import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/{pid}/stat's CPU times on Linux (100 on every architecture Node supports). */
const ticksPerSecond = 100;

export interface BenchProcess {
  name: string;
  /** Undefined for the benchmark's own process. */
  pid: number | undefined;
}

/** User + system CPU seconds the process has used, or undefined when it cannot be read. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) {
    const own = process.cpuUsage();
    return (own.user + own.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count the fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    return Number.isFinite(userTicks + systemTicks) ? (userTicks + systemTicks) / ticksPerSecond : undefined;
  } catch {
    return undefined;
  }
}

export type CpuSnapshot = Map<string, number | undefined>;

export function cpuSnapshot(processes: BenchProcess[]): CpuSnapshot {
  return new Map(processes.map((p) => [p.name, processCpuSeconds(p.pid)]));
}

/**
 * CPU milliseconds per photo of each process between two snapshots, the total, and the photo rate the machine's
 * cores would allow if CPU were all that limited it. Undefined when any process could not be read.
 */
export function cpuPerPhoto(
  before: CpuSnapshot,
  after: CpuSnapshot,
  photos: number,
  cores: number,
): { byProcess: Array<[string, number]>; totalMs: number; cpuBoundPhotosPerSecond: number } | undefined {
  const byProcess: Array<[string, number]> = [];
  for (const [name, start] of before) {
    const end = after.get(name);
    if (start === undefined || end === undefined || photos <= 0) return undefined;
    byProcess.push([name, ((end - start) * 1000) / photos]);
  }
  const totalMs = byProcess.reduce((sum, [, ms]) => sum + ms, 0);
  return { byProcess, totalMs, cpuBoundPhotosPerSecond: (cores * 1000) / totalMs };
}

export interface CeilingInputs {
  cores: number;
  /** CPU per photo that only the pipeline spends and the direct calls do not: the storage emulator's. */
  storageMs: number;
  /** CPU per photo of the writers' calls made directly (caller and Microsoft 365 emulator). */
  directCallsMs: number;
  /** CPU per photo of the renditions alone. */
  renderMs: number;
  /** The direct calls' own rate, photos/s. */
  directPhotosPerSecond: number;
}

/**
 * The best the pipeline could do on these cores if the app itself cost nothing beyond the work it cannot skip (the
 * storage it keeps the photo in, the Microsoft 365 calls, the renditions): its rate and that rate against the direct
 * calls'. A target above this ratio cannot be met on this machine, whatever the app does.
 */
export function pipelineCeiling(inputs: CeilingInputs): { floorMs: number; photosPerSecond: number; ratio: number } {
  const floorMs = inputs.storageMs + inputs.directCallsMs + inputs.renderMs;
  const photosPerSecond = (inputs.cores * 1000) / floorMs;
  return { floorMs, photosPerSecond, ratio: photosPerSecond / inputs.directPhotosPerSecond };
}
