/**
 * The seed of run `index` (1-based) of an exploration seeded by `seed`: a pure function
 * of the two, so any slice of the runs (a shard, a worker's chunk) gives every run the
 * seed it has in the whole exploration. Two rounds of MurmurHash3's finaliser: nearby
 * indices and seeds give unrelated run seeds.
 */
export function runSeed(seed: number, index: number): number {
  return fmix32(fmix32((index >>> 0) ^ 0x5bd1e995) ^ (seed >>> 0));
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
