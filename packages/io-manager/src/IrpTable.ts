import type { Irp } from './Irp.ts';

/**
 * The I/O manager's table of IRPs not yet freed, by id: a `Map` to its readers, stored as
 * a window of slots indexed by id (ids are handed out in order, and most IRPs are freed
 * soon after). Iteration is in id order, which is the order the I/O manager inserts them.
 *
 * Why not a plain Map: a Map with constant insertions and deletions rehashes into a new
 * table every few hundred IRPs, and V8 leaves the obsolete table linked to its successor
 * with its entries in place. Once the table has reached the old generation (any full
 * collection), each obsolete table kept its successor and the IRPs it held alive through
 * the next scavenges, so the whole stream of IRPs — with their generators — was promoted:
 * W1 spent a quarter of its time in the collector (docs/performance.md, optimisation log).
 */
export class IrpTable extends Map<number, Irp> {
  private slots: (Irp | undefined)[] = [];
  /** The id of `slots[0]`. */
  private base = 0;
  /** Slots before this index are empty. */
  private front = 0;
  private live = 0;
  /**
   * IRPs that outlived half a sparse window (a request pended for the rest of the run):
   * kept aside so the window can move on. Few, and rarely changed, so a Map is harmless here.
   */
  private readonly stragglers = new Map<number, Irp>();

  override get(id: number): Irp | undefined {
    const irp = this.slots[id - this.base];
    if (irp !== undefined || this.stragglers.size === 0) return irp;
    return this.stragglers.get(id);
  }

  override has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  override set(id: number, irp: Irp): this {
    // The usual case, an id after the window's last slot, in a few bytes: small enough that
    // V8 still inlines the IRP's constructor into the IRP's allocation, where this is inlined too.
    // (Every straggler's id is below the window's end, so this id is not one.)
    const i = id - this.base;
    if (i === this.slots.length && this.live !== 0) {
      this.slots.push(irp);
      this.live++;
      return this;
    }
    return this.insert(id, irp);
  }

  /** `set` of any id: a straggler's, one in the window, one past a gap, the first of an empty table. */
  private insert(id: number, irp: Irp): this {
    if (!Number.isInteger(id)) throw new RangeError(`IRP ids are integers, not ${id}`);
    if (this.stragglers.has(id)) {
      this.stragglers.set(id, irp);
      return this;
    }
    if (this.live === 0) this.reset(id);
    if (id < this.base) {
      this.stragglers.set(id, irp);
      this.live++;
      return this;
    }
    const i = id - this.base;
    if (this.slots[i] === undefined) this.live++;
    while (this.slots.length < i) this.slots.push(undefined);
    this.slots[i] = irp;
    if (i < this.front) this.front = i;
    return this;
  }

  override delete(id: number): boolean {
    const i = id - this.base;
    const slots = this.slots;
    if (i < 0 || slots[i] === undefined) {
      if (!this.stragglers.delete(id)) return false;
      this.live--;
      if (this.live === 0) this.reset(0);
      return true;
    }
    slots[i] = undefined;
    this.live--;
    if (this.live === 0) {
      this.reset(0);
      return true;
    }
    this.advance();
    return true;
  }

  override clear(): void {
    this.reset(0);
  }

  override forEach(callback: (irp: Irp, id: number, map: Map<number, Irp>) => void, thisArg?: unknown): void {
    for (const [id, irp] of this.entries()) callback.call(thisArg, irp, id, this);
  }

  override *entries(): MapIterator<[number, Irp]> {
    // By id: the stragglers (as they were when iteration began) merged with the window,
    // which is re-read at each step.
    const aside = [...this.stragglers.keys()].sort((a, b) => a - b);
    let k = 0;
    for (let id = this.base + this.front; id < this.base + this.slots.length; id++) {
      for (; k < aside.length && aside[k]! < id; k++) {
        const irp = this.stragglers.get(aside[k]!);
        if (irp !== undefined) yield [aside[k]!, irp];
      }
      const irp = this.slots[id - this.base];
      if (irp !== undefined) yield [id, irp];
    }
    for (; k < aside.length; k++) {
      const irp = this.stragglers.get(aside[k]!);
      if (irp !== undefined) yield [aside[k]!, irp];
    }
  }

  override *keys(): MapIterator<number> {
    for (const [id] of this.entries()) yield id;
  }

  override *values(): MapIterator<Irp> {
    for (const [, irp] of this.entries()) yield irp;
  }

  override [Symbol.iterator](): MapIterator<[number, Irp]> {
    return this.entries();
  }

  /**
   * After a deletion: skips the empty slots at the front, and drops them from the array once
   * they are half of it. A window held open by a few long-lived IRPs (less than a quarter
   * of it live) sets the live IRPs of its older half aside, so it stays bounded.
   */
  private advance(): void {
    const slots = this.slots;
    while (this.front < slots.length && slots[this.front] === undefined) this.front++;
    const span = slots.length - this.front;
    if (span >= 4096 && (this.live - this.stragglers.size) * 4 <= span) {
      const cut = this.front + (span >> 1);
      for (let i = this.front; i < cut; i++) {
        const irp = slots[i];
        if (irp !== undefined) {
          this.stragglers.set(this.base + i, irp);
          slots[i] = undefined;
        }
      }
      this.front = cut;
      while (this.front < slots.length && slots[this.front] === undefined) this.front++;
    }
    if (this.front >= 1024 && this.front * 2 >= slots.length) {
      this.slots = slots.slice(this.front);
      slots.length = 0; // the old array keeps nothing alive (see above)
      this.base += this.front;
      this.front = 0;
    }
  }

  /** Empties the table; its window starts at `id`. */
  private reset(id: number): void {
    this.slots.length = 0;
    this.stragglers.clear();
    this.base = id;
    this.front = 0;
    this.live = 0;
  }
}

// `size` is a property in TypeScript's Map type and an accessor on Map.prototype: the
// override is installed on the prototype (an accessor in the class body does not type-check).
Object.defineProperty(IrpTable.prototype, 'size', {
  get(this: IrpTable): number {
    return (this as unknown as { live: number }).live;
  },
});
