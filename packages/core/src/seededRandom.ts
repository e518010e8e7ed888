import { Prng } from './Prng.ts';
import type { Strategy } from './Strategy.ts';

/** Picks uniformly among the options with a PRNG seeded by `seed`. */
export function seededRandom(seed: number): Strategy {
  const prng = new Prng(seed);
  return { name: 'random', choose: (n) => prng.nextInt(n) };
}
