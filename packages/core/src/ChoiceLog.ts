/**
 * A run's choice sequence as it is recorded, one pick per real choice: a growable
 * Int32Array, so recording a choice is a store. A plain array's `push` copies the whole
 * array each time it outgrows its backing store, which for runs of millions of choices
 * cost more than the rest of the choice (docs/performance.md, optimisation log).
 */
export class ChoiceLog {
  private picks = new Int32Array(256);
  length = 0;

  push(pick: number): void {
    if (this.length === this.picks.length) this.grow();
    this.picks[this.length++] = pick;
  }

  /** The picks so far, first first. */
  toArray(): number[] {
    // A loop: Array.from on a typed array goes through the iterator protocol, pick by pick.
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.picks[i]!;
    return out;
  }

  private grow(): void {
    const larger = new Int32Array(this.picks.length * 2);
    larger.set(this.picks);
    this.picks = larger;
  }
}
