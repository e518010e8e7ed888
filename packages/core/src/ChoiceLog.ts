/**
 * A run's choice sequence as it is recorded, one pick per real choice. Most picks are 0
 * (first-come always answers 0, and a seeded or PCT run mostly keeps the running order),
 * so a run of zeros is a count: recording a 0 adds one to it, with no store into an array
 * (docs/performance.md, optimisation log: it was a fifth of the engine's step). Other
 * picks, and each run of zeros as −(its length), go into a growable Int32Array: a plain
 * array's `push` copies the whole array each time it outgrows its store, which for runs of
 * millions of choices cost more than the rest of the choice.
 */
export class ChoiceLog {
  /** Picks ≥ 1 as themselves, each finished run of zeros as −(its length); `used` of them. */
  private entries = new Int32Array(256);
  private used = 0;
  /** Zeros recorded since the last other pick: the run not written out yet. */
  private zeros = 0;
  length = 0;

  push(pick: number): void {
    this.length++;
    if (pick === 0) {
      this.zeros++;
      return;
    }
    this.pushOther(pick);
  }

  /** The picks so far, first first. */
  toArray(): number[] {
    const out = new Array<number>(this.length);
    let at = 0;
    for (let i = 0; i < this.used; i++) {
      const entry = this.entries[i]!;
      if (entry >= 0) out[at++] = entry;
      else for (let z = entry; z < 0; z++) out[at++] = 0;
    }
    for (let z = 0; z < this.zeros; z++) out[at++] = 0;
    return out;
  }

  private pushOther(pick: number): void {
    // A run longer than 2^31 − 1 is written in parts, each a run of its own.
    for (let zeros = this.zeros; zeros > 0; zeros -= 0x7fffffff) this.append(-Math.min(zeros, 0x7fffffff));
    this.zeros = 0;
    this.append(pick);
  }

  private append(entry: number): void {
    if (this.used === this.entries.length) this.grow();
    this.entries[this.used++] = entry;
  }

  private grow(): void {
    const larger = new Int32Array(this.entries.length * 2);
    larger.set(this.entries);
    this.entries = larger;
  }
}
