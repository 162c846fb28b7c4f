import { BlobInvocationSlots } from '../../../../dev/runtime/BlobInvocationSlots';

describe('BlobInvocationSlots', () => {
  it('hands out no more slots than its limit, across every taker', () => {
    const slots = new BlobInvocationSlots(2);
    expect([slots.tryTake(), slots.tryTake(), slots.tryTake()]).toEqual([true, true, false]);
    expect(slots.inUse).toBe(2);
  });

  it('tells every waiting listener when a slot comes free, so another blob trigger can take it', () => {
    const slots = new BlobInvocationSlots(1);
    slots.tryTake();
    const taken: string[] = [];
    slots.onRelease(() => {
      if (slots.tryTake()) taken.push('first');
    });
    const stop = slots.onRelease(() => {
      if (slots.tryTake()) taken.push('second');
    });
    slots.release();
    expect(taken).toEqual(['first']);
    stop();
    slots.release();
    expect(taken).toEqual(['first', 'first']);
  });
});
