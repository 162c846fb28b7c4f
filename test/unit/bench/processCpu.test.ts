import { cpuPerPhoto, pipelineCeiling, processCpuSeconds } from '../../../bench/e2e/processCpu';

describe('cpuPerPhoto', () => {
  it('divides each process CPU time over the photos and bounds the rate by the cores', () => {
    const before = new Map([
      ['Azurite', 10],
      ['instance-1', 20],
    ]);
    const after = new Map([
      ['Azurite', 14],
      ['instance-1', 26],
    ]);
    const result = cpuPerPhoto(before, after, 100, 2);
    expect(result?.byProcess).toEqual([
      ['Azurite', 40],
      ['instance-1', 60],
    ]);
    expect(result?.totalMs).toBeCloseTo(100);
    expect(result?.cpuBoundPhotosPerSecond).toBeCloseTo(20);
  });

  it('says nothing when a process could not be read, or no photo was written', () => {
    expect(cpuPerPhoto(new Map([['Azurite', undefined]]), new Map([['Azurite', 3]]), 10, 2)).toBeUndefined();
    expect(cpuPerPhoto(new Map([['Azurite', 1]]), new Map([['Azurite', 3]]), 0, 2)).toBeUndefined();
  });
});

describe('processCpuSeconds', () => {
  it("reads this process's CPU time from /proc as Node's own count does (and nothing where there is no /proc)", () => {
    const burn = Date.now() + 200;
    while (Date.now() < burn);
    const own = process.cpuUsage();
    const fromProc = processCpuSeconds(process.pid);
    if (process.platform !== 'linux') {
      expect(fromProc).toBeUndefined();
      return;
    }
    // /proc counts in 10 ms ticks; Node in microseconds.
    expect(fromProc).toBeGreaterThan((own.user + own.system) / 1e6 - 0.1);
    expect(fromProc).toBeLessThan((own.user + own.system) / 1e6 + 0.5);
  });

  it('is undefined for a process that does not exist', () => {
    expect(processCpuSeconds(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('pipelineCeiling', () => {
  it('adds the work the pipeline cannot skip and bounds its rate against the direct calls', () => {
    const ceiling = pipelineCeiling({
      cores: 2,
      storageMs: 86,
      directCallsMs: 42,
      renderMs: 72,
      directPhotosPerSecond: 40,
    });
    expect(ceiling.floorMs).toBe(200);
    expect(ceiling.photosPerSecond).toBeCloseTo(10);
    expect(ceiling.ratio).toBeCloseTo(0.25);
  });
});
