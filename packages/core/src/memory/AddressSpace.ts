import { ALLOCATION_GRANULARITY, USER_MAX, USER_MIN } from './layout.ts';
import { PageTable } from './PageTable.ts';
import type { View } from './views.ts';

/** A reserved-and-committed user region (what VirtualAlloc returned). */
export interface Region {
  readonly base: number;
  readonly size: number;
  /** What the region is, for narration: `heap`, `stack`, `view of \BaseNamedObjects\Foo`. */
  readonly label: string;
}

/**
 * A process's view of memory: its own user half and the kernel half it shares with
 * every other process.
 */
export class AddressSpace {
  readonly user = new PageTable();
  readonly regions = new Map<number, Region>();
  /** Section views mapped here, by base address. */
  readonly views = new Map<number, View>();
  private nextBase = USER_MIN;

  readonly id: number;
  readonly kernel: PageTable;

  constructor(id: number, kernel: PageTable) {
    this.id = id;
    this.kernel = kernel;
  }

  /** Finds a free, 64 KiB-aligned user range of `size` bytes. */
  reserve(size: number): number | null {
    const base = this.nextBase;
    const span = Math.ceil(size / ALLOCATION_GRANULARITY) * ALLOCATION_GRANULARITY;
    if (base + span - 1 > USER_MAX) return null;
    this.nextBase = base + span;
    return base;
  }

  /** The region containing `address`, if any. */
  regionAt(address: number): Region | undefined {
    for (const region of this.regions.values()) {
      if (address >= region.base && address < region.base + region.size) return region;
    }
    return undefined;
  }
}
