import { KeyedSerializer } from '../../../../src/pipeline/write/KeyedSerializer';

/** A task that finishes only when the test says so, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    task: async () => {
      log.push(`start ${name}`);
      await opened;
      log.push(`end ${name}`);
      return name;
    },
    open: () => open(),
  };
}

describe('KeyedSerializer', () => {
  it('starts a task only after the earlier one with the same key has finished', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const first = gate(log, 'a1');
    const second = gate(log, 'a2');
    const results = [serializer.run('a', first.task), serializer.run('a', second.task)];
    await Promise.resolve();
    expect(log).toEqual(['start a1']);
    first.open();
    second.open();
    expect(await Promise.all(results)).toEqual(['a1', 'a2']);
    expect(log).toEqual(['start a1', 'end a1', 'start a2', 'end a2']);
  });

  it('runs tasks with different keys side by side', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const results = [serializer.run('a', a.task), serializer.run('b', b.task)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a', 'start b']);
    a.open();
    b.open();
    await Promise.all(results);
  });

  it('runs the next task after a failed one and forgets keys once idle', async () => {
    const serializer = new KeyedSerializer();
    const failed = serializer.run('a', () => Promise.reject(new Error('boom')));
    const next = serializer.run('a', () => Promise.resolve('next'));
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
    await new Promise((resolve) => setImmediate(resolve));
    expect(serializer.size).toBe(0);
  });
});
