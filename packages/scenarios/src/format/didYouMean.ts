/** The closest candidate to `word` (edit distance ≤ 2, or a shared prefix), if any. */
export function didYouMean(word: string, candidates: Iterable<string>): string | null {
  if (typeof word !== 'string') return null;
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // A name the schema already rejected (a process without `name`) may reach here as undefined.
    if (typeof candidate !== 'string') continue;
    const c = candidate.toLowerCase();
    // A shared prefix (FILE_ANY → FILE_ANY_ACCESS), or a long shared suffix (ERROR_WAIT_TIMEOUT → WAIT_TIMEOUT).
    const affix = (Math.min(c.length, w.length) >= 3 && (c.startsWith(w) || w.startsWith(c))) || (Math.min(c.length, w.length) >= 6 && (c.endsWith(w) || w.endsWith(c)));
    const d = affix ? Math.abs(c.length - w.length) / 10 : distance(w, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(1, Math.min(2, Math.floor(word.length / 3))) ? best : null;
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
