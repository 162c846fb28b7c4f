// One seeded generator for everything the soak decides by chance (when to drop, when to kill, how long an outage
// lasts), so a seed printed by a failing run replays the same plan. pure-rand's xoroshiro128+, as fast-check uses.

import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

export class SeededRandom {
  readonly #rng: RandomGenerator;

  constructor(readonly seed: number) {
    this.#rng = xoroshiro128plus(seed);
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(Math.ceil(min), Math.floor(max), this.#rng);
  }

  /** A number in [0, 1). */
  fraction(): number {
    return this.int(0, 2 ** 30 - 1) / 2 ** 30;
  }

  between(range: readonly [number, number]): number {
    return this.int(range[0], range[1]);
  }

  chance(probability: number): boolean {
    return this.fraction() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }
}
