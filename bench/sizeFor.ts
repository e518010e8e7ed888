/**
 * The requests per user that make a run last about `targetSeconds`, given a measured
 * rate (requests per second), rounded up to the 1-2-5 ladder so sizes stay stable from
 * run to run (and with them the checksums).
 */
export function sizeFor(ratePerSecond: number, n: number, targetSeconds: number, minM = 1, maxM = 10_000_000): number {
  const raw = (ratePerSecond * targetSeconds) / n;
  let m = minM;
  for (let decade = 1; decade <= maxM; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const candidate = step * decade;
      if (candidate >= minM) m = candidate;
      if (candidate >= raw && candidate >= minM) return Math.min(candidate, maxM);
    }
  }
  return Math.min(m, maxM);
}
